// The www/ example: request a login with the countersign package, show the
// login URL and the verification code, report the decision, log out.
//
// Served by countersign-server beside the approval app (see README.md), so
// the service is this page's own origin and the package's files sit next to
// this one.

import init, { requestLogin, CountersignError } from './countersign_wasm.js';

const form = document.getElementById('request-form');
const requestButton = document.getElementById('request');
const pending = document.getElementById('pending');
const loginLink = document.getElementById('login-url');
const code = document.getElementById('code');
const expires = document.getElementById('expires');
const statusLine = document.getElementById('status');
const logoutButton = document.getElementById('logout');

/** Shows where things stand; `state` is for tests and styling. */
function report(state, text) {
  statusLine.dataset.state = state;
  statusLine.textContent = text;
}

/** What to tell a person about a failure. */
function explain(error) {
  if (!(error instanceof CountersignError)) return `Something failed: ${error}`;
  switch (error.code) {
    case 'denied': return 'The login was denied.';
    case 'suspicious': return 'The login was reported as suspicious ("this wasn\'t me").';
    case 'expired': return 'No one approved the login in time. Request a new one.';
    case 'network': return 'The countersign service could not be reached.';
    case 'bad_field': return `That is not valid: ${error.message}`;
    default: return `${error.message} (${error.code})`;
  }
}

let current = null;

form.addEventListener('submit', async (event) => {
  event.preventDefault();
  requestButton.disabled = true;
  logoutButton.hidden = true;
  pending.hidden = true;
  current?.stopWaiting();
  current = null;
  report('requesting', 'Asking the service…');
  try {
    const login = await requestLogin({
      server: window.location.origin,
      username: form.elements.username.value,
      message: form.elements.message.value || undefined,
    });
    current = login;
    loginLink.href = login.loginUrl;
    loginLink.textContent = login.loginUrl;
    code.textContent = String(login.verificationCode);
    expires.dateTime = new Date(login.expiresAtMs).toISOString();
    expires.textContent = new Date(login.expiresAtMs).toLocaleTimeString();
    pending.hidden = false;
    report('waiting', `Waiting for approval of ${login.shortUid}…`);
    requestButton.disabled = false;

    const session = await login.approved;
    pending.hidden = true;
    const at = new Date(session.loginTimeMs).toLocaleTimeString();
    report('approved', `Approved at ${at} by device ${session.deviceUid}.`);
    logoutButton.hidden = false;
  } catch (error) {
    if (error instanceof CountersignError && error.code === 'cancelled') return;
    pending.hidden = true;
    report(error?.code ?? 'failed', explain(error));
    requestButton.disabled = false;
  }
});

logoutButton.addEventListener('click', async () => {
  if (!current) return;
  logoutButton.disabled = true;
  try {
    const session = await current.logout();
    report(session.status, 'Logged out.');
    logoutButton.hidden = true;
    current.free(); // wipes the session's keys now
    current = null;
  } catch (error) {
    report(error?.code ?? 'failed', explain(error));
  } finally {
    logoutButton.disabled = false;
  }
});

await init();
requestButton.disabled = false;
report('ready', 'Ready.');
