// Recovery a thief cannot block, through the real service: a newer device
// revoking an older one waits out the service's delay (48 h by default), the
// Devices page says when it takes effect, and the older device cancels it;
// an enrollment link not yet used is listed with who made it and cancelled;
// the Sessions page lists the user's own audit trail, an approval and a
// denial (a refusal) each with its device and address, newest first.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as h from './harness.mjs';

const USER = 'ada';

let server;
let browser;
/** The older device, enrolled from the admin link. */
let laptop;
/** The newer device, enrolled from a link the laptop made. */
let phone;

before(async () => {
  ({ server, browser, pages: [laptop, phone] } = await h.startWithEnrolledUser(USER, { pages: 2 }));
  await h.openDevices(server, laptop);
  await h.enroll(phone, await h.makeEnrollmentLink(laptop), { name: 'Phone' });
});

after(() => h.stopAll({ browser, server }));

/** A row of the Devices table. */
function deviceRow(page, name) {
  return page.getByRole('table', { name: 'Devices' }).getByRole('row').filter({ hasText: name });
}

/** POST /api/enrollments/lookup: whether the link's token still enrolls. */
async function lookup(enrollmentUrl) {
  const token = new URL(enrollmentUrl).hash.replace(/^#token=/, '');
  const response = await fetch(`${server.url}/api/enrollments/lookup`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ token }),
  });
  return response.status;
}

test('a newer device revoking an older one waits, says until when, and the older device cancels it', { timeout: 60000 }, async () => {
  await h.openDevices(server, phone);
  const asked = Date.now();
  await phone.getByRole('button', { name: 'Revoke Laptop' }).click();

  // The page says plainly when it takes effect and who can stop it.
  const told = phone.getByRole('status').filter({ has: phone.getByRole('heading', { name: 'Revocation pending' }) });
  await told.waitFor();
  const text = await told.innerText();
  const due = /takes effect at (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) UTC unless Laptop cancels it/.exec(text);
  assert.ok(due, `the notice says when and who can cancel: ${text}`);
  const dueMs = Date.parse(`${due[1].replace(' ', 'T')}Z`);
  const hours = (dueMs - asked) / 3600000;
  assert.ok(hours > 47.9 && hours < 48.1, `due in 48 h, not ${hours.toFixed(2)} h`);

  // Listed as waiting, with who asked; the laptop stays active meanwhile.
  const waiting = phone.getByRole('table', { name: 'Revocations waiting' }).getByRole('row').filter({ hasText: 'Laptop' });
  await waiting.waitFor();
  assert.match(await waiting.innerText(), /Phone/);
  assert.match(await waiting.innerText(), new RegExp(due[1]));
  assert.match(await deviceRow(phone, 'Laptop').innerText(), /active, revocation due/);
  assert.equal(await phone.getByRole('button', { name: 'Revoke Laptop' }).count(), 0, 'no second revocation of the same device');
  await h.screenshot(phone, 'revocation-pending');

  // The laptop still approves: nothing was revoked yet.
  const answer = await h.requestLogin(server, USER, { login_message: 'while the revocation waits' });
  const released = h.startWaiting(answer);
  await h.approve(laptop, answer);
  assert.equal((await released).status, 'approved');

  // The laptop is warned on its Devices page and cancels it there.
  await h.openDevices(server, laptop);
  const warning = laptop.getByRole('alert').filter({ has: laptop.getByRole('heading', { name: 'Another device asked to revoke this one' }) });
  await warning.waitFor();
  assert.match(await warning.innerText(), /Phone asked to revoke this device/);
  await h.assertAccessible(laptop, 'the devices page with a revocation waiting');
  await laptop.getByRole('button', { name: 'Cancel the revocation of Laptop' }).click();
  await laptop.getByRole('heading', { name: 'Revocation cancelled' }).waitFor();
  await laptop.getByText('No revocations are waiting.').waitFor();
  assert.equal(await warning.count(), 0);

  // The phone sees it gone, and the laptop active and revocable again.
  await h.openDevices(server, phone);
  await phone.getByText('No revocations are waiting.').waitFor();
  assert.match(await deviceRow(phone, 'Laptop').innerText(), /active/);
  assert.doesNotMatch(await deviceRow(phone, 'Laptop').innerText(), /revocation due/);
  assert.equal(await phone.getByRole('button', { name: 'Revoke Laptop' }).count(), 1);
});

test('an enrollment link not yet used is listed with who made it, and cancelled it enrolls nothing', { timeout: 30000 }, async () => {
  await h.openDevices(server, laptop);
  await laptop.getByText('No enrollment links are waiting to be used.').waitFor();
  const url = await h.makeEnrollmentLink(laptop);
  assert.equal(await lookup(url), 200, 'a fresh link enrolls');

  const links = laptop.getByRole('table', { name: 'Enrollment links not yet used' });
  const row = links.getByRole('row').filter({ hasText: 'Laptop' });
  await row.waitFor();
  assert.match(await row.innerText(), /\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);
  await h.screenshot(laptop, 'enrollment-links');
  await row.getByRole('button', { name: /^Cancel the link .* made by Laptop$/ }).click();
  await laptop.getByRole('heading', { name: 'Enrollment link cancelled' }).waitFor();
  await laptop.getByText('No enrollment links are waiting to be used.').waitFor();
  assert.equal(await lookup(url), 404, 'a cancelled link enrolls nothing');

  // A browser that opens it is told so, and holds no key after.
  const stranger = await h.newPage(browser);
  await stranger.goto(url);
  await stranger.getByRole('alert').waitFor();
  assert.equal(await stranger.getByRole('button', { name: 'Enroll this browser' }).count(), 0);
  await stranger.context().close();
});

test('the Sessions page lists the audit trail: an approval and a denial, with device and address, newest first', { timeout: 60000 }, async () => {
  const approved = await h.requestLogin(server, USER, { hostname: 'build-approve' });
  await h.approve(laptop, approved);

  const denied = await h.requestLogin(server, USER, { hostname: 'build-deny' });
  await h.openApproval(phone, denied.login_url);
  await phone.getByRole('button', { name: 'Deny' }).click();
  await phone.getByRole('heading', { name: 'Denied' }).waitFor();

  await laptop.goto(`${server.url}/sessions`);
  const activity = laptop.getByRole('table', { name: 'Activity' });
  await activity.waitFor();
  const approval = activity.getByRole('row').filter({ hasText: approved.short_uid }).filter({ hasText: 'Approved' });
  const denial = activity.getByRole('row').filter({ hasText: denied.short_uid }).filter({ hasText: 'Denied' });
  await approval.waitFor();
  await denial.waitFor();
  const approvalText = await approval.innerText();
  assert.match(approvalText, /Laptop/, 'the device that approved');
  assert.match(approvalText, /127\.0\.0\.1/, 'the address it approved from');
  assert.match(approvalText, /build-approve/, "the requester's host");
  const denialText = await denial.innerText();
  assert.match(denialText, /Phone/, 'the device that denied');
  assert.match(denialText, /127\.0\.0\.1/);

  // Newest first: the denial came after the approval.
  const rows = await activity.getByRole('row').allInnerTexts();
  const at = (short, what) => rows.findIndex((r) => r.includes(short) && r.includes(what));
  assert.ok(at(denied.short_uid, 'Denied') < at(approved.short_uid, 'Approved'), rows.join('\n'));
  // Each request is listed too, and the revocation asked and cancelled
  // earlier.
  assert.ok(at(approved.short_uid, 'Login requested') > at(approved.short_uid, 'Approved'), rows.join('\n'));
  assert.ok(rows.some((r) => r.includes('Revocation cancelled') && r.includes('Laptop')), rows.join('\n'));
  await h.screenshot(laptop, 'activity');
  await h.assertAccessible(laptop, 'the sessions page with its activity');
});
