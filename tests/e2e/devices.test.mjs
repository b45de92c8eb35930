// The Devices page: an enrollment link made there enrolls a second browser
// (a separate context, so a separate IndexedDB); revoking that device there
// stops it approving, and the page it approves on says why.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as h from './harness.mjs';

const USER = 'ada';

let server;
let browser;
/** The first browser, enrolled from the admin link. */
let first;
/** The second browser, enrolled from the Devices page's link. */
let second;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  const user = await server.addUser(USER);
  first = await (await h.newContext(browser)).newPage();
  second = await (await h.newContext(browser)).newPage();
  await h.enroll(first, user.enrollment_url, { name: 'Laptop' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

async function openDevices(page) {
  await page.goto(`${server.url}/devices`);
  await page.getByRole('heading', { name: 'Devices', level: 1 }).waitFor();
  await page.getByRole('table', { name: 'Devices' }).waitFor();
}

test('"Make an enrollment link" on the Devices page enrolls a second browser', { timeout: 30000 }, async () => {
  await openDevices(first);
  const laptop = first.getByRole('row').filter({ hasText: 'Laptop' });
  assert.match(await laptop.innerText(), /this browser/);
  assert.match(await laptop.innerText(), /active/);

  await first.getByRole('button', { name: 'Make an enrollment link' }).click();
  const link = first.getByLabel('Enrollment link');
  await link.waitFor();
  const url = await link.inputValue();
  // The token in the fragment: the browser never sends it, so no log keeps it.
  assert.ok(url.startsWith(`${server.url}/enroll#token=`), `unexpected enrollment link ${url}`);
  await h.screenshot(first, 'devices');

  // The second context holds nothing yet.
  await second.goto(`${server.url}/devices`);
  await second.getByRole('heading', { name: 'This browser is not enrolled' }).waitFor();

  await h.enroll(second, url, { name: 'Phone' });
  await openDevices(second);
  const phone = second.getByRole('row').filter({ hasText: 'Phone' });
  assert.match(await phone.innerText(), /this browser/);
  assert.equal(await second.getByRole('row').filter({ hasText: 'Laptop' }).count(), 1);

  // And it approves.
  const answer = await h.requestLogin(server, USER, { login_message: 'from the phone' });
  const waiting = h.startWaiting(answer);
  await h.openApproval(second, answer.login_url);
  await h.typeCode(second, answer.verification_code);
  await second.getByRole('button', { name: 'Approve' }).click();
  await second.getByRole('heading', { name: 'Approved' }).waitFor();
  assert.equal((await waiting).status, 'approved');
});

test('a device revoked on the Devices page cannot approve, and its page says why', { timeout: 30000 }, async () => {
  await openDevices(first);
  await first.getByRole('button', { name: 'Revoke Phone' }).click();
  await first.getByRole('row').filter({ hasText: 'Phone' }).filter({ hasText: 'revoked' }).waitFor();
  assert.equal(await first.getByRole('button', { name: 'Revoke Phone' }).count(), 0);
  assert.match(await first.getByRole('row').filter({ hasText: 'Laptop' }).innerText(), /active/);

  const answer = await h.requestLogin(server, USER, { login_message: 'after the revocation' });
  await h.openApproval(second, answer.login_url);
  await h.typeCode(second, answer.verification_code);
  await second.getByRole('button', { name: 'Approve' }).click();
  const problem = second.getByRole('alert').filter({ has: second.getByRole('heading', { name: 'Not done' }) });
  await problem.waitFor();
  assert.match(await problem.innerText(), /revoked/);
  assert.equal(await second.getByRole('heading', { name: 'Approved' }).count(), 0);
  assert.equal((await h.getSession(server, answer.uid)).status, 'pending', 'a revoked device must approve nothing');
  await h.screenshot(second, 'revoked');

  // The device that is still active approves the same request.
  const waiting = h.startWaiting(answer);
  await h.openApproval(first, answer.login_url);
  await h.typeCode(first, answer.verification_code);
  await first.getByRole('button', { name: 'Approve' }).click();
  await first.getByRole('heading', { name: 'Approved' }).waitFor();
  assert.equal((await waiting).status, 'approved');
});
