// Passkeys end to end, against a service started with
// --require-user-verification: Chromium's virtual authenticator (the
// DevTools protocol's WebAuthn domain) stands in for a fingerprint reader.
// An enrolled browser adds a passkey and approves with the gesture; without
// the person verified nothing is approved; a device without a passkey is
// refused with user_verification_required; a cloned authenticator whose
// counter went back is refused with counter_regressed.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as h from './harness.mjs';

const USER = 'ada';

let server;
let browser;
/** The browser with a passkey ("Laptop") and its authenticator. */
let laptop;
let cdp;
let authenticatorId;
/** A second browser, enrolled without a passkey ("Phone"). */
let phone;

/** Adds a virtual platform authenticator (internal, with user
 * verification) to `page`'s tab; answers its id. */
async function addAuthenticator(session, isUserVerified = true) {
  const { authenticatorId: id } = await session.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified,
      automaticPresenceSimulation: true,
    },
  });
  return id;
}

async function credentials(id = authenticatorId) {
  return (await cdp.send('WebAuthn.getCredentials', { authenticatorId: id })).credentials;
}

/** The answer to the next statement the page posts about a session. */
function nextStatement(page) {
  return page.waitForResponse((r) => r.request().method() === 'POST' && /\/api\/sessions\/[^/]+\/statements$/.test(r.url()));
}

/** Opens a new request's page on `page` and types its code. */
async function openRequest(page, message) {
  const answer = await h.requestLogin(server, USER, { login_message: message });
  await h.openApproval(page, answer.login_url);
  await h.typeCode(page, answer.verification_code);
  return answer;
}

function problem(page) {
  return page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'Not done' }) });
}

before(async () => {
  server = await h.startServer({ publicHost: 'localhost', args: ['--require-user-verification'] });
  assert.ok(server.url.startsWith('http://localhost:'), `the service is at ${server.url}`);
  browser = await h.launchBrowser();
  const user = await server.addUser(USER);
  laptop = await (await h.newContext(browser)).newPage();
  phone = await (await h.newContext(browser)).newPage();
  cdp = await laptop.context().newCDPSession(laptop);
  await cdp.send('WebAuthn.enable');
  authenticatorId = await addAuthenticator(cdp);
  await h.enroll(laptop, user.enrollment_url, { name: 'Laptop' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('after enrolling, a passkey is added, and an approval with the gesture releases the requester', { timeout: 30000 }, async () => {
  await h.assertAccessible(laptop, 'the passkey offer');
  await laptop.getByRole('button', { name: 'Add a passkey' }).click();
  await laptop.getByRole('heading', { name: 'Passkey added' }).waitFor();
  const made = await credentials();
  assert.equal(made.length, 1, 'the authenticator holds the new passkey');
  assert.equal(made[0].rpId, 'localhost');
  await h.screenshot(laptop, 'passkey-added');

  await laptop.goto(`${server.url}/devices`);
  const row = laptop.getByRole('row').filter({ hasText: 'Laptop' });
  await row.waitFor();
  assert.match(await row.innerText(), /passkey/);
  assert.equal(await laptop.getByRole('button', { name: 'Add a passkey' }).count(), 0, 'no offer for a device that has one');

  const answer = await openRequest(laptop, 'with the gesture');
  const waiting = h.startWaiting(answer);
  assert.match(await h.mainText(laptop), /confirm with your fingerprint, face or security key/);
  const before = made[0].signCount;
  const sent = nextStatement(laptop);
  await laptop.getByRole('button', { name: 'Approve' }).click();
  assert.equal((await sent).status(), 200);
  await laptop.getByRole('heading', { name: 'Approved' }).waitFor();
  assert.equal((await waiting).status, 'approved');
  assert.ok((await credentials())[0].signCount > before, 'the gesture moved the counter');
});

test('without the person verified nothing is approved; the page says why and the next try works', { timeout: 30000 }, async () => {
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
  const answer = await openRequest(laptop, 'not verified');
  const posted = [];
  const listen = (r) => {
    if (/\/statements$/.test(r.url())) posted.push(r);
  };
  laptop.on('request', listen);
  await laptop.getByRole('button', { name: 'Approve' }).click();
  await problem(laptop).waitFor();
  laptop.off('request', listen);
  // The browser refuses a gesture without verification when it is
  // required: NotAllowedError, and no statement leaves the page.
  assert.match(await problem(laptop).innerText(), /cancelled or timed out, so nothing was sent and nothing changed/);
  assert.equal(posted.length, 0, 'no statement was sent');
  assert.equal((await h.getSession(server, answer.uid)).status, 'pending');
  await h.screenshot(laptop, 'passkey-cancelled');
  await h.assertAccessible(laptop, 'a cancelled passkey gesture');

  // Trying again with the person verified approves the same request.
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
  const waiting = h.startWaiting(answer);
  await laptop.getByRole('button', { name: 'Approve' }).click();
  await laptop.getByRole('heading', { name: 'Approved' }).waitFor();
  assert.equal((await waiting).status, 'approved');
});

test('an assertion without user verification is refused by the service, whatever the page asked', { timeout: 30000 }, async () => {
  // A page script that asks the authenticator for less than the service
  // requires: the assertion arrives without the UV flag.
  await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: false });
  const answer = await openRequest(laptop, 'a downgraded page');
  await laptop.evaluate(() => {
    const get = navigator.credentials.get.bind(navigator.credentials);
    navigator.credentials.get = (options) => get({ ...options, publicKey: { ...options.publicKey, userVerification: 'discouraged' } });
  });
  const sent = nextStatement(laptop);
  await laptop.getByRole('button', { name: 'Approve' }).click();
  try {
    const refused = await sent;
    const body = await refused.text();
    assert.equal(refused.status(), 403, body);
    assert.equal(JSON.parse(body).error.code, 'user_verification_required', body);
    await problem(laptop).waitFor();
    assert.equal((await h.getSession(server, answer.uid)).status, 'pending');
  } finally {
    await cdp.send('WebAuthn.setUserVerified', { authenticatorId, isUserVerified: true });
    await laptop.reload();
  }
});

test('a device without a passkey is refused with user_verification_required, until it adds one on the Devices page', { timeout: 30000 }, async () => {
  // The invitation is a statement too: it carries the laptop's assertion.
  await laptop.goto(`${server.url}/devices`);
  await laptop.getByRole('button', { name: 'Make an enrollment link' }).click();
  const link = laptop.getByLabel('Enrollment link');
  await link.waitFor();
  await h.enroll(phone, await link.inputValue(), { name: 'Phone' });

  await phone.goto(`${server.url}/devices`);
  const row = phone.getByRole('row').filter({ hasText: 'Phone' });
  await row.waitFor();
  assert.match(await row.innerText(), /none/);
  assert.match(await phone.getByRole('row').filter({ hasText: 'Laptop' }).innerText(), /passkey/);

  const answer = await openRequest(phone, 'from the phone');
  assert.doesNotMatch(await h.mainText(phone), /confirm with your fingerprint/);
  const sent = nextStatement(phone);
  await phone.getByRole('button', { name: 'Approve' }).click();
  const refused = await sent;
  assert.equal(refused.status(), 403);
  assert.equal((await refused.json()).error.code, 'user_verification_required');
  await problem(phone).waitFor();
  assert.match(await problem(phone).innerText(), /Add a passkey on the Devices page/);
  assert.equal((await h.getSession(server, answer.uid)).status, 'pending');

  // The Devices page offers one; with it, the same request is approved.
  const phoneCdp = await phone.context().newCDPSession(phone);
  await phoneCdp.send('WebAuthn.enable');
  await addAuthenticator(phoneCdp);
  await phone.goto(`${server.url}/devices`);
  await phone.getByRole('button', { name: 'Add a passkey' }).click();
  await phone.getByRole('row').filter({ hasText: 'Phone' }).filter({ hasText: 'passkey' }).waitFor();
  const waiting = h.startWaiting(answer);
  await h.openApproval(phone, answer.login_url);
  await h.typeCode(phone, answer.verification_code);
  await phone.getByRole('button', { name: 'Approve' }).click();
  await phone.getByRole('heading', { name: 'Approved' }).waitFor();
  assert.equal((await waiting).status, 'approved');
});

test('a cloned authenticator whose counter went back is refused with counter_regressed', { timeout: 30000 }, async () => {
  // The copy is taken now; the original then approves once more.
  const [copy] = await credentials();
  const first = await openRequest(laptop, 'before the copy is used');
  const waiting = h.startWaiting(first);
  await laptop.getByRole('button', { name: 'Approve' }).click();
  await laptop.getByRole('heading', { name: 'Approved' }).waitFor();
  assert.equal((await waiting).status, 'approved');
  assert.ok((await credentials())[0].signCount > copy.signCount);

  // A second authenticator holding the copy, with its older counter.
  await cdp.send('WebAuthn.removeVirtualAuthenticator', { authenticatorId });
  const clone = await addAuthenticator(cdp);
  await cdp.send('WebAuthn.addCredential', { authenticatorId: clone, credential: copy });

  const answer = await openRequest(laptop, 'from the clone');
  const sent = nextStatement(laptop);
  await laptop.getByRole('button', { name: 'Approve' }).click();
  const refused = await sent;
  assert.equal(refused.status(), 403);
  assert.equal((await refused.json()).error.code, 'counter_regressed');
  await problem(laptop).waitFor();
  assert.match(await problem(laptop).innerText(), /replayed or copied/);
  assert.equal((await h.getSession(server, answer.uid)).status, 'pending');
});
