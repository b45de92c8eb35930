// axe-core on every page the app has, in each state a person meets, at
// desktop and phone size. Any violation fails its test and is listed (rule,
// impact, element, what to fix). axe is injected with page.evaluate, which
// the service's strict CSP does not govern, so the app is audited exactly as
// served. (The expired page is audited in expiry.test.mjs.)

import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';

import * as h from './harness.mjs';

const USER = 'ada';

let server;
let browser;
let page;
let user;

before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  user = await server.addUser(USER);
  page = await (await h.newContext(browser)).newPage();
});

after(async () => {
  await browser?.close();
  await server?.stop();
});

/** axe at both sizes; one failure listing every violation found. */
async function audit(p, label) {
  const failures = [];
  const before = p.viewportSize();
  try {
    for (const [size, viewport] of Object.entries(h.VIEWPORTS)) {
      await p.setViewportSize(viewport);
      const violations = await h.axeViolations(p);
      if (violations.length > 0) failures.push(`at ${size} size (${viewport.width}x${viewport.height}):\n${h.formatViolations(violations)}`);
    }
  } finally {
    if (before) await p.setViewportSize(before);
  }
  if (failures.length > 0) {
    throw new Error(`axe found violations on ${label} (${p.url()}):\n${failures.join('\n')}`);
  }
}

test('the axe helper does report violations (a page made to fail)', { timeout: 30000 }, async () => {
  const bad = await browser.newPage();
  try {
    await bad.setContent('<html><body><img src="data:,"><button></button></body></html>');
    const ids = (await h.axeViolations(bad)).map((v) => v.id);
    for (const id of ['html-has-lang', 'image-alt', 'button-name']) {
      assert.ok(ids.includes(id), `axe did not report ${id}; it reported ${ids.join(', ')}`);
    }
  } finally {
    await bad.close();
  }
});

test('axe: home page', { timeout: 30000 }, async () => {
  await page.goto(`${server.url}/`);
  await page.getByRole('heading', { name: 'Open a login request' }).waitFor();
  await audit(page, 'the home page');
});

test('axe: home page showing a problem with the typed id', { timeout: 30000 }, async () => {
  await page.getByLabel('Short id or login link').fill('not an id');
  await page.getByRole('button', { name: 'Open' }).click();
  await page.locator('#short-id-problem:not(:empty)').waitFor();
  await audit(page, 'the home page with a problem');
});

test('axe: enroll page', { timeout: 30000 }, async () => {
  await page.goto(user.enrollment_url);
  await page.getByRole('button', { name: 'Enroll this browser' }).waitFor();
  await audit(page, 'the enroll page');
});

test('axe: enrolled page', { timeout: 30000 }, async () => {
  await page.getByRole('button', { name: 'Enroll this browser' }).click();
  await page.getByRole('heading', { name: 'This browser is enrolled' }).waitFor();
  await audit(page, 'the enrolled page');
});

test('axe: approval page, pending, with a code typed, then approved; and a wrong code', { timeout: 30000 }, async () => {
  const answer = await h.requestLogin(server, USER);
  await h.openApproval(page, answer.login_url);
  await audit(page, 'the pending approval page');

  await h.typeCode(page, answer.verification_code);
  await audit(page, 'the pending approval page with a code typed');
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('heading', { name: 'Approved' }).waitFor();
  await audit(page, 'the approved outcome');

  const wrong = await h.requestLogin(server, USER);
  await h.openApproval(page, wrong.login_url);
  await h.typeCode(page, h.otherCode(wrong.verification_code));
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('heading', { name: 'The code did not match' }).waitFor();
  await audit(page, 'the approval page after a wrong code');
});

test('axe: denied outcome', { timeout: 30000 }, async () => {
  const answer = await h.requestLogin(server, USER);
  await h.openApproval(page, answer.login_url);
  await page.getByRole('button', { name: 'Deny' }).click();
  await page.getByRole('heading', { name: 'Denied' }).waitFor();
  await audit(page, 'the denied outcome');
});

test('axe: suspicious outcome', { timeout: 30000 }, async () => {
  const answer = await h.requestLogin(server, USER);
  await h.openApproval(page, answer.login_url);
  await page.getByRole('button', { name: "This wasn't me" }).click();
  await page.getByRole('heading', { name: 'Reported as suspicious' }).waitFor();
  await audit(page, 'the suspicious outcome');
});

test('axe: devices page, with an enrollment link made', { timeout: 30000 }, async () => {
  await page.goto(`${server.url}/devices`);
  await page.getByRole('table', { name: 'Devices' }).waitFor();
  await audit(page, 'the devices page');
  await page.getByRole('button', { name: 'Make an enrollment link' }).click();
  await page.getByLabel('Enrollment link').waitFor();
  await audit(page, 'the devices page with an enrollment link');
});

test('axe: sessions page', { timeout: 30000 }, async () => {
  await page.goto(`${server.url}/sessions`);
  await page.getByRole('table', { name: 'Sessions' }).waitFor();
  await page.getByRole('table', { name: 'Activity' }).waitFor();
  await page.getByRole('button', { name: /^Log out / }).first().waitFor();
  await audit(page, 'the sessions page');
});

test('axe: unknown short id', { timeout: 30000 }, async () => {
  await page.goto(`${server.url}/s?id=01.02.03.04`);
  await page.getByRole('heading', { name: 'This request cannot be shown' }).waitFor();
  await audit(page, 'the page for an unknown short id');
});

test('axe: malformed short id', { timeout: 30000 }, async () => {
  await page.goto(`${server.url}/s?id=zz`);
  await page.getByRole('heading', { name: 'This is not a login link' }).waitFor();
  await audit(page, 'the page for a malformed short id');
});

test('axe: approval page in a browser with no device', { timeout: 30000 }, async () => {
  const answer = await h.requestLogin(server, USER);
  const fresh = await (await h.newContext(browser)).newPage();
  try {
    await fresh.goto(answer.login_url);
    await fresh.getByRole('heading', { name: 'This browser holds no device for this user' }).waitFor();
    await audit(fresh, 'the approval page with no device');
    await fresh.goto(`${server.url}/devices`);
    await fresh.getByRole('heading', { name: 'This browser is not enrolled' }).waitFor();
    await audit(fresh, 'the devices page with no device');
  } finally {
    await fresh.close();
  }
});
