// Using an approved login, end to end: a program logs in with the npm
// package (in Node), the user approves in the web app in Chromium, and the
// program's signed requests reach the example relying party
// (www/relying-party.mjs), which verifies them offline with a SessionWatch.
// A replayed token is refused; after a logout the same kind of request is
// refused within a second (measured), whether the program logs out or the
// user does on the Sessions page.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as h from './harness.mjs';

const USER = 'ada';
const pkg = h.loadPackage();

let server;
let browser;
let page;
let rp;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  const user = await server.addUser(USER);
  page = await (await h.newContext(browser)).newPage();
  await h.enroll(page, user.enrollment_url, { name: 'Laptop' });
  rp = await h.startRelyingParty(server);
});

after(async () => {
  await rp?.stop();
  await browser?.close();
  await server?.stop();
});

/** A login requested from Node with the package, approved in the page. */
async function approvedLogin(message) {
  const login = await pkg.requestLogin({ server: server.url, username: USER, message, scope: 'files' });
  await h.openApproval(page, login.loginUrl);
  assert.match(await h.mainText(page), new RegExp(message));
  await h.typeCode(page, login.verificationCode);
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('heading', { name: 'Approved' }).waitFor();
  const session = await login.approved;
  assert.equal(session.status, 'approved');
  return login;
}

/** GET /whoami at the relying party with `header`: `{ status, body }`. */
async function whoami(header) {
  const headers = header === undefined ? {} : { authorization: header };
  const response = await fetch(`${rp.url}/whoami`, { headers });
  return { status: response.status, body: await response.json() };
}

/**
 * Logs out with `logOut()`, sending requests signed beforehand (each
 * unused) until the relying party refuses one; answers how long after the
 * start of the logout that was, in milliseconds.
 */
async function refusalAfterLogout(login, logOut) {
  const unused = Array.from({ length: 300 }, () => login.authorise(`GET ${rp.url}/whoami`));
  const started = performance.now();
  await logOut();
  for (const header of unused) {
    const { status, body } = await whoami(header);
    if (status !== 200) {
      assert.equal(status, 401, JSON.stringify(body));
      assert.equal(body.error.code, 'logged_out');
      return performance.now() - started;
    }
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  assert.fail(`still accepted ${performance.now() - started} ms after the logout\n${rp.log()}`);
}

test('a signed request is accepted, its replay refused, and requests after the logout refused within a second', { timeout: 60000 }, async (t) => {
  const login = await approvedLogin('read my files');
  const header = login.authorise(`GET ${rp.url}/whoami`);

  const accepted = await whoami(header);
  assert.equal(accepted.status, 200, JSON.stringify(accepted.body));
  assert.equal(accepted.body.username, USER);
  assert.equal(accepted.body.sessionUid, login.uid);
  assert.deepEqual(accepted.body.scope, ['files']);

  const replayed = await whoami(header);
  assert.equal(replayed.status, 409);
  assert.equal(replayed.body.error.code, 'already_used');

  const unsigned = await whoami(undefined);
  assert.equal(unsigned.status, 401);
  const elsewhere = await whoami(login.authorise(`GET ${rp.url}/admin`));
  assert.equal(elsewhere.status, 401);
  assert.equal(elsewhere.body.error.code, 'wrong_resource');

  // A body is bound to its token.
  const note = '{"text":"hello"}';
  const signed = login.authorise(`POST ${rp.url}/notes`, { body: note });
  const post = (body, authorization) => fetch(`${rp.url}/notes`, { method: 'POST', headers: { authorization }, body });
  assert.equal((await post('{"text":"evil"}', signed)).status, 401, 'a changed body is refused');
  const posted = await post(note, signed);
  assert.equal(posted.status, 200);
  assert.equal((await posted.json()).bytes, note.length);

  const ms = await refusalAfterLogout(login, () => login.logout());
  t.diagnostic(`logout to refusal: ${ms.toFixed(0)} ms`);
  assert.ok(ms < 1000, `refused ${ms.toFixed(0)} ms after the logout`);
  const again = await whoami(header);
  assert.equal(again.body.error.code, 'logged_out', 'the replayed token is refused as logged out too');
});

test('a login the user logs out on the Sessions page is refused within a second', { timeout: 60000 }, async (t) => {
  const login = await approvedLogin('deploy to staging');
  assert.equal((await whoami(login.authorise(`GET ${rp.url}/whoami`))).status, 200);

  await page.goto(`${server.url}/sessions`);
  const row = page.getByRole('row').filter({ hasText: login.shortUid });
  const button = row.getByRole('button', { name: `Log out ${login.shortUid}` });
  await button.waitFor();
  const ms = await refusalAfterLogout(login, () => button.click());
  t.diagnostic(`click to refusal: ${ms.toFixed(0)} ms`);
  assert.ok(ms < 1000, `refused ${ms.toFixed(0)} ms after the click`);
  await h.waitForStatus(server, login.uid, 'logged_out');
});
