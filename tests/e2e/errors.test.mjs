// Links that lead nowhere, and browsers that cannot approve: each gets a
// clear explanation and a next step, never a blank page.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as h from './harness.mjs';

let server;
let browser;
let page;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  await server.addUser('ada');
  page = await (await h.newContext(browser)).newPage();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** Asserts the approval page failed with `title`, an explanation matching
 * `why`, and the way back to the home page. */
async function assertExplained(p, title, why) {
  await p.getByRole('heading', { name: title }).waitFor();
  const notice = p.getByRole('alert').filter({ has: p.getByRole('heading', { name: title }) });
  const text = await notice.innerText();
  assert.match(text, why);
  const link = notice.getByRole('link', { name: 'Type a short id instead' });
  assert.equal(await link.count(), 1, 'the notice must offer the home page');
  assert.equal(new URL(await link.getAttribute('href'), server.url).pathname, '/');
  assert.equal(await p.getByRole('button', { name: 'Approve' }).count(), 0);
}

test('an unknown short id is explained', { timeout: 30000 }, async () => {
  await page.goto(`${server.url}/s?id=01.02.03.04`);
  await assertExplained(page, 'This request cannot be shown', /Nothing matches that link: it may be mistyped, already decided, or expired/);
  await h.screenshot(page, 'unknown-id');
});

test('a malformed short id is explained', { timeout: 30000 }, async () => {
  await page.goto(`${server.url}/s?id=zz`);
  await assertExplained(page, 'This is not a login link', /not valid.*Open the link exactly as the program printed it/s);
  await h.screenshot(page, 'malformed-id');
});

test('a login link with no id at all is explained', { timeout: 30000 }, async () => {
  await page.goto(`${server.url}/s`);
  await assertExplained(page, 'This is not a login link', /not valid/);
});

test('a browser with no device for the user is told how to get one', { timeout: 30000 }, async () => {
  const answer = await h.requestLogin(server, 'ada');
  await page.goto(answer.login_url);
  const title = 'This browser holds no device for this user';
  await page.getByRole('heading', { name: title }).waitFor();
  const notice = page.getByRole('status').filter({ has: page.getByRole('heading', { name: title }) });
  const text = await notice.innerText();
  assert.match(text, /as ada/);
  assert.match(text, /enrollment link/);
  assert.match(text, /Devices page/);
  // The request is still shown, so the person can recognise it.
  assert.match(await h.mainText(page), /deploy to staging/);
  assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0);
  assert.equal(await h.codeInput(page).count(), 0);
  assert.equal((await h.getSession(server, answer.uid)).status, 'pending');
  await h.screenshot(page, 'no-device');
});

test('a browser holding a device of another user cannot approve either', { timeout: 30000 }, async () => {
  const bob = await server.addUser('bob');
  const other = await (await h.newContext(browser)).newPage();
  await h.enroll(other, bob.enrollment_url, { name: 'Bob laptop' });
  const answer = await h.requestLogin(server, 'ada');
  await other.goto(answer.login_url);
  await other.getByRole('heading', { name: 'This browser holds no device for this user' }).waitFor();
  assert.equal(await other.getByRole('button', { name: 'Approve' }).count(), 0);
  await other.close();
});
