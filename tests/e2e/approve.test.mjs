// The approval flows in one browser enrolled from the admin link: approve
// (after a reload), deny, "This wasn't me", a wrong code, keyboard alone,
// the Sessions page's log out, the home page's short-id box, and the
// approval page's anti-framing headers.

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as h from './harness.mjs';

const USER = 'ada';
/** The long poll's timeout: "promptly" means far less than this. */
const POLL_TIMEOUT_S = 25;
const PROMPT_MS = 5000;

let server;
let browser;
let page;
let user;
/** The session approved in the first approval test, logged out later. */
let approved;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  user = await server.addUser(USER);
  const context = await h.newContext(browser);
  page = await context.newPage();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

test('the home page opens a login request from its typed short id', { timeout: 30000 }, async () => {
  const answer = await h.requestLogin(server, USER);
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { name: 'Open a login request' }).waitFor();
  await h.screenshot(page, 'home');
  await page.getByLabel('Short id or login link').fill(answer.short_uid);
  await page.getByRole('button', { name: 'Open' }).click();
  await page.waitForURL((url) => url.pathname === '/s' && url.searchParams.get('id') === answer.short_uid);
  // Not enrolled yet: the request is shown, with the "no device" notice.
  await page.getByRole('heading', { name: 'This browser holds no device for this user' }).waitFor();
});

test('enroll this browser from the admin link', { timeout: 30000 }, async () => {
  await h.enroll(page, user.enrollment_url, { name: 'Laptop', screenshots: true });
  const text = await h.mainText(page);
  assert.match(text, /“Laptop” can now approve logins for ada/);
  await h.screenshot(page, 'enrolled');
  // The link works once.
  await page.reload();
  await page.getByRole('heading', { name: 'This enrollment link cannot be used' }).waitFor();
});

test('the device key survives a reload, and approving releases the requester at once', { timeout: 30000 }, async () => {
  await page.reload();
  const answer = await h.requestLogin(server, USER, { login_message: 'deploy to staging', hostname: 'build-01' });
  const waiting = h.startWaiting(answer, POLL_TIMEOUT_S);
  await h.openApproval(page, answer.login_url);
  const text = await h.mainText(page);
  assert.match(text, /ada/);
  assert.match(text, /build-01/);
  assert.match(text, /deploy to staging/);
  const approve = page.getByRole('button', { name: 'Approve' });
  assert.equal(await approve.isDisabled(), true, 'Approve must wait for a code to be typed');
  assert.equal(await h.codeInput(page).inputValue(), '', 'the page does not fill in the code');
  assert.equal(await h.codeInput(page).getAttribute('inputmode'), 'numeric');
  assert.equal(await page.locator('input[type="radio"]').count(), 0, 'no codes to pick from');
  await h.screenshot(page, 'approve-pending');

  await h.typeCode(page, answer.verification_code);
  assert.equal(await approve.isEnabled(), true);
  const clicked = performance.now();
  await approve.click();
  await page.getByRole('heading', { name: 'Approved' }).waitFor();
  const released = await waiting;
  assert.equal(released.status, 'approved');
  const ms = released.at - clicked;
  assert.ok(ms < PROMPT_MS, `the requester was released ${Math.round(ms)} ms after Approve (poll timeout ${POLL_TIMEOUT_S} s)`);
  assert.equal((await h.getSession(server, answer.uid)).status, 'approved');
  await h.screenshot(page, 'approved');
  approved = answer;
});

test('Deny: the requester sees denied', { timeout: 30000 }, async () => {
  const answer = await h.requestLogin(server, USER, { login_message: 'deny me' });
  const waiting = h.startWaiting(answer, POLL_TIMEOUT_S);
  await h.openApproval(page, answer.login_url);
  await page.getByRole('button', { name: 'Deny' }).click();
  await page.getByRole('heading', { name: 'Denied' }).waitFor();
  assert.equal((await waiting).status, 'denied');
  assert.equal((await h.getSession(server, answer.uid)).status, 'denied');
  await h.screenshot(page, 'denied');
});

test('"This wasn\'t me": the requester sees suspicious', { timeout: 30000 }, async () => {
  const answer = await h.requestLogin(server, USER, { login_message: 'not me' });
  const waiting = h.startWaiting(answer, POLL_TIMEOUT_S);
  await h.openApproval(page, answer.login_url);
  await page.getByRole('button', { name: "This wasn't me" }).click();
  await page.getByRole('heading', { name: 'Reported as suspicious' }).waitFor();
  assert.equal((await waiting).status, 'suspicious');
  assert.equal((await h.getSession(server, answer.uid)).status, 'suspicious');
  await h.screenshot(page, 'suspicious');
});

test('a wrong code ends the request: the page says so and the requester sees denied, wrong_code', { timeout: 30000 }, async () => {
  const answer = await h.requestLogin(server, USER, { login_message: 'type carefully' });
  const waiting = h.startWaiting(answer, POLL_TIMEOUT_S);
  await h.openApproval(page, answer.login_url);
  await h.typeCode(page, h.otherCode(answer.verification_code));
  await page.getByRole('button', { name: 'Approve' }).click();
  const notice = page.getByRole('alert').filter({ has: page.getByRole('heading', { name: 'The code did not match' }) });
  await notice.waitFor();
  assert.match(await notice.innerText(), /the request was denied/i);
  assert.match(await notice.innerText(), /Nothing was approved/);
  assert.equal(await page.getByRole('button', { name: 'Approve' }).count(), 0, 'no second try');
  const released = await waiting;
  assert.equal(released.status, 'denied');
  const session = await h.getSession(server, answer.uid);
  assert.equal(session.status, 'denied');
  assert.equal(session.deny_reason, 'wrong_code');
  await h.screenshot(page, 'wrong-code');

  // The link now leads nowhere: the right code comes too late.
  await page.goto(answer.login_url);
  await page.getByRole('heading', { name: 'This request cannot be shown' }).waitFor();
  assert.equal(await h.codeInput(page).count(), 0);
});

/** What has the keyboard focus. */
function focused(p) {
  return p.evaluate(() => {
    const e = document.activeElement;
    return {
      tag: e?.tagName ?? null,
      type: e?.getAttribute('type') ?? null,
      name: e?.getAttribute('name') ?? null,
      value: e?.value ?? null,
      checked: e?.checked ?? null,
      text: (e?.textContent ?? '').trim(),
    };
  });
}

test('keyboard alone: Tab to the code, type it, Tab to Approve, Enter', { timeout: 30000 }, async () => {
  const answer = await h.requestLogin(server, USER, { login_message: 'keyboard' });
  const waiting = h.startWaiting(answer, POLL_TIMEOUT_S);
  await h.openApproval(page, answer.login_url);
  const code = String(answer.verification_code);

  const path = [];
  let now = await focused(page);
  for (let i = 0; i < 30 && !(now.tag === 'INPUT' && now.name === 'code'); i += 1) {
    await page.keyboard.press('Tab');
    now = await focused(page);
    path.push(now.tag === 'INPUT' ? `input:${now.name}` : `${now.tag}:${now.text.slice(0, 20)}`);
  }
  assert.equal(now.name, 'code', `Tab never reached a code; it went ${path.join(' → ')}`);
  await page.keyboard.type(code);
  now = await focused(page);
  assert.equal(now.value, code, 'the typed code is in the field');

  await page.keyboard.press('Tab');
  now = await focused(page);
  assert.deepEqual([now.tag, now.text], ['BUTTON', 'Approve'], 'Tab after the code must reach Approve');
  await page.keyboard.press('Enter');
  await page.getByRole('heading', { name: 'Approved' }).waitFor();
  assert.equal((await waiting).status, 'approved');
});

test('the Sessions page lists the approved session and logs it out', { timeout: 30000 }, async () => {
  assert.ok(approved, 'needs the session approved earlier');
  await page.goto(`${server.url}/sessions`);
  await page.getByRole('heading', { name: 'Sessions', level: 1 }).waitFor();
  // The Sessions table: the Activity table below names the session too.
  const sessions = page.getByRole('table', { name: 'Sessions' });
  const row = sessions.getByRole('row').filter({ hasText: approved.short_uid });
  await row.waitFor();
  assert.match(await row.innerText(), /approved/);
  await h.screenshot(page, 'sessions');

  await row.getByRole('button', { name: `Log out ${approved.short_uid}` }).click();
  await h.waitForStatus(server, approved.uid, 'logged_out');
  // The list is read again and shows it.
  await sessions.getByRole('row').filter({ hasText: approved.short_uid }).filter({ hasText: 'logged out' }).waitFor();
  assert.equal(await row.getByRole('button', { name: /Log out/ }).count(), 0, 'a logged-out session offers no Log out');
});

test('the approval page cannot be framed', { timeout: 30000 }, async () => {
  const answer = await h.requestLogin(server, USER);
  const response = await fetch(`${server.url}/s?id=${answer.short_uid}`);
  assert.equal(response.status, 200);
  assert.equal(response.headers.get('x-frame-options'), 'DENY');
  const csp = response.headers.get('content-security-policy') ?? '';
  assert.match(csp, /(^|;)\s*frame-ancestors 'none'\s*(;|$)/, `CSP: ${csp}`);

  // And a browser does refuse to show it in a frame.
  const framer = await browser.newPage();
  try {
    await framer.setContent(`<iframe id="f" src="${answer.login_url}" width="600" height="400"></iframe>`);
    await framer.waitForTimeout(1500);
    const frame = framer.frames().find((f) => f !== framer.mainFrame());
    assert.ok(frame, 'the iframe is missing');
    const text = await frame.evaluate(() => document.body?.innerText ?? '').catch(() => '');
    assert.ok(!text.includes('Approve a login'), `the approval page rendered inside a frame (${frame.url()}): ${text}`);
    assert.notEqual(frame.url(), answer.login_url, 'the frame navigated to the login URL');
  } finally {
    await framer.close();
  }
});
