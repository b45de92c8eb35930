// The short flow in headless Firefox ESR, the second engine: enroll from the
// admin link (the key kept as a non-extractable WebCrypto Ed25519 key in
// Firefox's IndexedDB), then approve a login with the right code and see the
// waiting requester released. Driven over WebDriver (./webdriver.mjs).

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as h from './harness.mjs';
import { launchFirefox } from './webdriver.mjs';

const USER = 'ada';

let server;
let firefox;
let user;

before(async () => {
  server = await h.startServer();
  user = await server.addUser(USER);
  firefox = await launchFirefox();
});

after(async () => {
  await firefox?.close();
  await server?.stop();
});

// What this browser keeps for the service: each record's backend and
// whether its private key can be exported.
const KEPT = `
  const db = await new Promise((resolve, reject) => {
    const request = indexedDB.open('countersign', 1);
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const records = await new Promise((resolve, reject) => {
    const request = db.transaction('devices').objectStore('devices').getAll();
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  db.close();
  return records.map((r) => ({
    backend: r.backend,
    username: r.username,
    extractable: r.private_key ? r.private_key.extractable : null,
  }));
`;

test('Firefox enrolls from the admin link and keeps a WebCrypto Ed25519 key', { timeout: 60000 }, async () => {
  assert.match(firefox.version, /^firefox \d+/);
  await firefox.goto(user.enrollment_url);
  const button = await firefox.waitForText('button', 'Enroll this browser');
  const [name] = await firefox.all('#device-name');
  await name.type('Firefox');
  await button.click();
  await firefox.waitForText('h2', 'This browser is enrolled');
  const kept = await firefox.script(KEPT);
  assert.deepEqual(kept, [{ backend: 'webcrypto', username: USER, extractable: false }]);
});

test('Firefox approves with the right code and the requester is released', { timeout: 60000 }, async () => {
  const answer = await h.requestLogin(server, USER, { login_message: 'deploy from firefox' });
  const waiting = h.startWaiting(answer, 25);
  await firefox.goto(answer.login_url);
  const fields = await firefox.waitFor('code field', async () => {
    const found = await firefox.all('input[name="code"]');
    return found.length > 0 ? found : undefined;
  });
  // The code is typed into one field or picked among radios, as the page
  // offers it.
  const code = String(answer.verification_code);
  if ((await fields[0].attribute('type')) === 'radio') {
    let picked = false;
    for (const radio of fields) {
      if ((await radio.attribute('value')) === code) {
        await radio.click();
        picked = true;
      }
    }
    assert.ok(picked, `no radio for the code ${code}`);
  } else {
    await fields[0].type(code);
  }
  const approve = await firefox.waitForText('button', 'Approve');
  await firefox.waitFor('enabled Approve', () => approve.enabled());
  await approve.click();
  await firefox.waitForText('h2', 'Approved');
  assert.equal((await waiting).status, 'approved');
  assert.equal((await h.getSession(server, answer.uid)).status, 'approved');
});
