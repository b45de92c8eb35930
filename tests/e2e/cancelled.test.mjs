// A request its program cancels (`login.cancel()` in the npm package, as
// `countersign login` does on Ctrl-C): the open approval page says so at
// once and offers nothing to approve; the link says so when opened later;
// and a page that did not hear of it in time says so when its decision is
// refused.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as h from './harness.mjs';

const USER = 'ada';
const SAID = 'This request was cancelled by the program that made it.';
const pkg = h.loadPackage();

let server;
let browser;
let page;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  const user = await server.addUser(USER);
  page = await (await h.newContext(browser)).newPage();
  await h.enroll(page, user.enrollment_url, { name: 'Laptop' });
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

function request(message) {
  return pkg.requestLogin({ server: server.url, username: USER, message });
}

async function assertCancelledPage() {
  await page.getByRole('heading', { name: 'This request was cancelled' }).waitFor();
  assert.match(await h.mainText(page), new RegExp(SAID.replace('.', '\\.')));
  assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0, 'a cancelled request offers no Approve');
  assert.equal(await h.codeInput(page).count(), 0, 'a cancelled request asks for no code');
}

test('the open page says at once that the program cancelled the request, and so does the link later', { timeout: 30000 }, async () => {
  const login = await request('cancel me');
  await h.openApproval(page, login.loginUrl);
  await h.typeCode(page, login.verificationCode);

  const cancelling = performance.now();
  const out = await login.cancel();
  assert.equal(out.status, 'logged_out');
  assert.equal(out.wasCancelled, true);
  await assertCancelledPage();
  const ms = performance.now() - cancelling;
  assert.ok(ms < 3000, `the page said so ${ms.toFixed(0)} ms after the cancel`);
  await assert.rejects(login.approved, { code: 'cancelled' });
  await h.screenshot(page, 'cancelled');
  await h.assertAccessible(page, 'the cancelled approval page');

  await page.goto(login.loginUrl);
  await assertCancelledPage();
  assert.equal((await h.getSession(server, login.uid)).status, 'logged_out');
});

test('a page that missed the cancel says so when its decision is refused', { timeout: 30000 }, async () => {
  // The page hears nothing: its long poll on the request always fails.
  await page.route('**/api/sessions/*/wait*', (route) => route.abort());
  try {
    const login = await request('cancel me quietly');
    await h.openApproval(page, login.loginUrl);
    await login.cancel();
    await page.getByRole('button', { name: 'Deny' }).click();
    await assertCancelledPage();
    const session = await h.getSession(server, login.uid);
    assert.equal(session.status, 'logged_out', 'the refused deny changed nothing');
    assert.equal(session.login_datetime, null);
  } finally {
    await page.unroute('**/api/sessions/*/wait*');
  }
});

test('a link to no request is not mistaken for a cancelled one', { timeout: 30000 }, async () => {
  await page.goto(`${server.url}/s?id=01.02.03.04`);
  await page.getByRole('heading', { name: 'This request cannot be shown' }).waitFor();
  assert.equal(await page.getByText(SAID).count(), 0);
});
