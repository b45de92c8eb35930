// A request that runs out while its page is open: a service whose sessions
// live 3 seconds. The page says it expired and offers no way to approve; the
// waiting requester is told `expired`; the link then leads nowhere.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as h from './harness.mjs';

const USER = 'ada';
const TTL_S = 3;

let server;
let browser;
let page;
let answer;

before(async () => {
  server = await h.startServer({ sessionTtlS: TTL_S });
  browser = await h.launchBrowser();
  const user = await server.addUser(USER);
  page = await (await h.newContext(browser)).newPage();
  await h.enroll(page, user.enrollment_url, { name: 'Laptop' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('a request that runs out on the page: it says so, nothing can be approved, the requester sees expired', { timeout: 30000 }, async () => {
  answer = await h.requestLogin(server, USER, { login_message: 'too slow' });
  const waiting = h.startWaiting(answer, 25);
  await h.openApproval(page, answer.login_url);
  // Type the right code but do not approve: the time runs out first.
  await h.typeCode(page, answer.verification_code);

  const notice = page.getByRole('heading', { name: 'This request has expired' });
  await notice.waitFor({ timeout: (TTL_S + 5) * 1000 });
  assert.match(await h.mainText(page), /Nothing was approved/);
  assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0, 'an expired request must offer no Approve');
  assert.equal(await h.codeInput(page).count(), 0, 'an expired request must ask for no code');

  const released = await waiting;
  assert.equal(released.status, 'expired');
  assert.ok(released.at - released.started < 15000, 'the long poll must answer at expiry, not at its timeout');
  assert.equal((await h.getSession(server, answer.uid)).status, 'expired');
  await h.screenshot(page, 'expired');
});

test('axe finds no violations on the expired page', { timeout: 30000 }, async () => {
  await page.getByRole('heading', { name: 'This request has expired' }).waitFor();
  await h.assertAccessible(page, 'the expired approval page');
});

test('an expired login link, opened again, leads nowhere and says why', { timeout: 30000 }, async () => {
  await page.goto(answer.login_url);
  await page.getByRole('heading', { name: 'This request cannot be shown' }).waitFor();
  assert.match(await h.mainText(page), /expired/);
  assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0);
  assert.equal((await h.getSession(server, answer.uid)).status, 'expired');
});
