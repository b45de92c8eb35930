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
  ({ server, browser, pages: [first, second] } = await h.startWithEnrolledUser(USER, { pages: 2 }));
});

after(() => h.stopAll({ browser, server }));

test('"Make an enrollment link" on the Devices page enrolls a second browser', { timeout: 30000 }, async () => {
  await h.openDevices(server, first);
  const laptop = first.getByRole('row').filter({ hasText: 'Laptop' });
  assert.match(await laptop.innerText(), /this browser/);
  assert.match(await laptop.innerText(), /active/);

  const url = await h.makeEnrollmentLink(first);
  // The token in the fragment: the browser never sends it, so no log keeps it.
  assert.ok(url.startsWith(`${server.url}/enroll#token=`), `unexpected enrollment link ${url}`);
  await h.screenshot(first, 'devices');

  // The second context holds nothing yet.
  await second.goto(`${server.url}/devices`);
  await second.getByRole('heading', { name: 'This browser is not enrolled' }).waitFor();

  await h.enroll(second, url, { name: 'Phone' });
  await h.openDevices(server, second);
  const phone = second.getByRole('row').filter({ hasText: 'Phone' });
  assert.match(await phone.innerText(), /this browser/);
  assert.equal(await second.getByRole('row').filter({ hasText: 'Laptop' }).count(), 1);

  // And it approves.
  const answer = await h.requestLogin(server, USER, { login_message: 'from the phone' });
  const waiting = h.startWaiting(answer);
  await h.approve(second, answer);
  assert.equal((await waiting).status, 'approved');
});

test('a device revoked on the Devices page cannot approve, and its page says why', { timeout: 30000 }, async () => {
  await h.openDevices(server, first);
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
  await h.approve(first, answer);
  assert.equal((await waiting).status, 'approved');
});
