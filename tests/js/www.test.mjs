// The www/ example end to end in headless Chromium, served by a real
// countersign-server beside the approval app (staged by
// crates/countersign-wasm/stage-www.sh, as `cargo xtask run` would):
// request a login from the page, approve it with a test device key, and see
// the page report the approval and the logout. Then the package's
// device-key functions in the same browser: enroll from a link, approve and
// deny logins requested from Node, read the account, revoke; a revocation
// of an older device that waits and that device's cancel; and the app's
// enroll page with the link's token in the fragment.
//
// Needs the app (dist/, built by trunk) and the package (pkg/, built by
// crates/countersign-wasm/build.sh). Run from the repository root:
//   node --test --test-reporter=tap tests/js/

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';

import { chromium } from 'playwright-core';

import {
  NodeDevice,
  env,
  getJson,
  loadPackage,
  postJson,
  repoRoot,
  startServer,
  tempDir,
} from './helpers.mjs';

const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

const pkg = await loadPackage();

describe('the www/ example, served beside the app', () => {
  let server;
  let browser;
  let page;
  /** Console errors and CSP violations: the page must have none. */
  const problems = [];

  // The page's own copy of the package: the same module main.js loaded.
  // The body runs as a string through the DevTools protocol, which the
  // page's CSP (no eval) does not apply to.
  const inPage = (body, arg) =>
    page.evaluate(`(async () => {
      const m = await import('/countersign_wasm.js');
      await m.default();
      const arg = ${JSON.stringify(arg ?? null)};
      try {
        return { ok: await (async () => { ${body} })() };
      } catch (error) {
        return {
          error: { code: error.code, message: error.message, isError: error instanceof m.CountersignError },
        };
      }
    })()`);

  before(async () => {
    const webDir = path.join(tempDir('countersign-www-'), 'web');
    execFileSync(path.join(repoRoot, 'crates/countersign-wasm/stage-www.sh'), [webDir], {
      env: { ...process.env, COUNTERSIGN_WEB_DIR: env.webDir, COUNTERSIGN_PKG_DIR: env.pkgDir },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    server = await startServer({ webDir });
    browser = await chromium.launch({
      executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    });
    page = await browser.newPage();
    // Refusals from the API are expected here (the tests provoke some);
    // the browser logs each as "Failed to load resource", so those are
    // judged by their response instead.
    page.on('console', (message) => {
      if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
        problems.push(message.text());
      }
    });
    page.on('pageerror', (error) => problems.push(String(error)));
    page.on('response', (response) => {
      const { pathname } = new URL(response.url());
      const expected = pathname.startsWith('/api/') || pathname === '/favicon.ico';
      if (response.status() >= 400 && !expected) {
        problems.push(`${response.status()} for ${pathname}`);
      }
    });
  });

  after(async () => {
    await browser?.close();
    await server?.stop();
  });

  test('the app still answers at the root', async () => {
    const response = await fetch(`${server.url}/`);
    assert.equal(response.status, 200);
    assert.match(await response.text(), /countersign/);
  });

  test('the page requests a login and reports its approval and logout', async () => {
    const device = await NodeDevice.enroll(pkg, await server.addUser('ada'));
    await page.goto(`${server.url}/example.html`);
    await page.waitForSelector('#status[data-state="ready"]');
    await page.fill('#username', 'ada');
    await page.fill('#message', 'sign in to the example');
    await page.click('#request');
    await page.waitForSelector('#status[data-state="waiting"]');

    const loginUrl = await page.textContent('#login-url');
    const code = Number(await page.textContent('#code'));
    assert.match(loginUrl, new RegExp(`^${server.url}/s\\?id=[0-9a-f]{2}(\\.[0-9a-f]{2}){3}$`));
    assert.ok(code >= 10 && code <= 99);
    const shortUid = new URL(loginUrl).searchParams.get('id');
    const { view } = await device.decide(shortUid, 'approve', code);
    assert.equal(view.session.login_message, 'sign in to the example');

    await page.waitForSelector('#status[data-state="approved"]');
    assert.match(await page.textContent('#status'), new RegExp(`by device ${device.uid}`));
    await page.click('#logout');
    await page.waitForSelector('#status[data-state="logged_out"]');
    const stored = await getJson(`${server.url}/api/sessions/${view.session.uid}`);
    assert.equal(stored.status, 'logged_out');
    assert.deepEqual(problems, []);
  });

  test('the page reports a denial', async () => {
    const device = await NodeDevice.enroll(pkg, await server.addUser('bob'));
    await page.goto(`${server.url}/example.html`);
    await page.waitForSelector('#status[data-state="ready"]');
    await page.fill('#username', 'bob');
    await page.click('#request');
    await page.waitForSelector('#status[data-state="waiting"]');
    const shortUid = new URL(await page.textContent('#login-url')).searchParams.get('id');
    await device.decide(shortUid, 'deny');
    await page.waitForSelector('#status[data-state="denied"]');
    assert.equal(await page.textContent('#status'), 'The login was denied.');
    assert.deepEqual(problems, []);
  });

  test("the package's device-key functions enroll, approve, deny and revoke in the browser", async () => {
    const enrollmentUrl = await server.addUser('grace');
    await page.goto(`${server.url}/example.html`);
    await page.waitForSelector('#status[data-state="ready"]');
    // The link as the service makes it: the token in the fragment, out of logs.
    assert.match(enrollmentUrl, /\/enroll#token=/);
    const enrolled = await inPage(
      'return (await m.enrollDevice({ enrollmentUrl: arg, name: "Chromium" })).toJSON();',
      enrollmentUrl,
    );
    assert.ok(enrolled.ok, JSON.stringify(enrolled));
    const device = enrolled.ok;
    assert.equal(device.username, 'grace');
    assert.equal(device.server, server.url);
    assert.equal(device.backend, 'webcrypto');

    // A second enrollment with the used link fails and keeps no key.
    const again = await inPage(
      'return (await m.enrollDevice({ enrollmentUrl: arg, name: "Again" })).toJSON();',
      enrollmentUrl,
    );
    assert.equal(again.error?.code, 'not_found');
    assert.equal(again.error?.isError, true);
    const listed = await inPage(
      'return (await m.listDevices({ server: arg })).map((d) => d.toJSON());',
      server.url,
    );
    assert.deepEqual(
      listed.ok.map((d) => d.deviceUid),
      [device.deviceUid],
    );

    // The approval side is never given the code: one wrong code denies.
    const guessed = await pkg.requestLogin({ server: server.url, username: 'grace' });
    const details = await inPage(
      'const d = await m.approvalDetails({ loginUrl: arg }); return { keys: Object.keys(d), code: d.session.verificationCode, uid: d.session.uid };',
      guessed.loginUrl,
    );
    assert.equal(details.ok.uid, guessed.uid);
    assert.deepEqual(details.ok.keys.filter((k) => /code/i.test(k)), []);
    assert.equal(details.ok.code, undefined);
    const wrong = await inPage('return (await m.approve(arg)).status;', {
      loginUrl: guessed.loginUrl,
      code: guessed.verificationCode === 10 ? 11 : 10,
    });
    assert.equal(wrong.error?.code, 'wrong_code');
    const ended = await guessed.approved.then(() => null, (e) => e);
    assert.equal(ended?.session?.denyReason, 'wrong_code');

    // Approve a login requested from Node, typing the code shown.
    const login = await pkg.requestLogin({ server: server.url, username: 'grace' });
    const approved = await inPage('return (await m.approve(arg)).status;', {
      loginUrl: login.loginUrl,
      code: login.verificationCode,
      deviceUid: device.deviceUid,
    });
    assert.equal(approved.ok, 'approved');
    const session = await login.approved;
    assert.equal(session.deviceUid, device.deviceUid);

    // Deny another.
    const denied = await pkg.requestLogin({ server: server.url, username: 'grace' });
    const outcome = await inPage('return (await m.deny({ loginUrl: arg })).status;', denied.loginUrl);
    assert.equal(outcome.ok, 'denied');
    await assert.rejects(denied.approved, { code: 'denied' });

    // Read the account, invite, then revoke this device: it is forgotten here.
    const account = await inPage(
      'const a = await m.readAccount({ deviceUid: arg }); return { devices: a.devices.map((d) => d.uid), sessions: a.sessions.map((s) => s.status) };',
      device.deviceUid,
    );
    assert.deepEqual(account.ok.devices, [device.deviceUid]);
    // The wrong-code request is there too, denied.
    assert.deepEqual([...account.ok.sessions].sort(), ['approved', 'denied', 'denied']);
    const invite = await inPage('return await m.inviteDevice({ deviceUid: arg });', device.deviceUid);
    assert.match(invite.ok, new RegExp(`^${server.url}/enroll#token=`));
    const revoked = await inPage(
      'const r = await m.revokeDevice({ server: arg.server, deviceUid: arg.uid, targetDeviceUid: arg.uid }); return r.revokedAtMs;',
      { server: server.url, uid: device.deviceUid },
    );
    assert.ok(revoked.ok > 0, JSON.stringify(revoked));
    const left = await inPage('return (await m.listDevices()).length;');
    assert.equal(left.ok, 0);
    assert.deepEqual(problems, []);
  });

  test('a revocation of an older device waits, and the older device cancels it', async () => {
    const adminLink = await server.addUser('ida');
    await page.goto(`${server.url}/example.html`);
    await page.waitForSelector('#status[data-state="ready"]');
    const older = await inPage(
      'return (await m.enrollDevice({ enrollmentUrl: arg, name: "Older" })).deviceUid;',
      adminLink,
    );
    const link = await inPage('return await m.inviteDevice({ deviceUid: arg });', older.ok);
    const newer = await inPage(
      'return (await m.enrollDevice({ enrollmentUrl: arg, name: "Newer" })).deviceUid;',
      link.ok,
    );
    assert.ok(older.ok && newer.ok, JSON.stringify({ older, newer }));

    // The newer device revoking the older one: pending (202), due in 48 h.
    const asked = Date.now();
    const pending = await inPage(
      'return await m.revokeDevice({ deviceUid: arg.newer, targetDeviceUid: arg.older });',
      { older: older.ok, newer: newer.ok },
    );
    assert.equal(pending.ok?.status, 'pending', JSON.stringify(pending));
    assert.equal(pending.ok.device, older.ok);
    assert.equal(pending.ok.requestedBy, newer.ok);
    assert.equal(pending.ok.revokedAtMs, undefined);
    const hours = (pending.ok.dueAtMs - asked) / 3600000;
    assert.ok(hours > 47.9 && hours < 48.1, `due in ${hours} h`);
    const listed = await inPage(
      'return (await m.readAccount({ deviceUid: arg })).pendingRevocations;',
      older.ok,
    );
    assert.deepEqual(listed.ok.map((p) => p.device), [older.ok]);
    // The older device's key is kept: nothing was revoked yet.
    const kept = await inPage('return (await m.listDevices({ username: "ida" })).length;');
    assert.equal(kept.ok, 2);

    // The older device cancels it.
    const cancelled = await inPage(
      'return await m.cancelRevocation({ deviceUid: arg, targetDeviceUid: arg });',
      older.ok,
    );
    assert.equal(cancelled.ok?.device, older.ok, JSON.stringify(cancelled));
    const none = await inPage(
      'return (await m.readAccount({ deviceUid: arg })).pendingRevocations.length;',
      older.ok,
    );
    assert.equal(none.ok, 0);
    const again = await inPage(
      'return await m.cancelRevocation({ deviceUid: arg, targetDeviceUid: arg });',
      older.ok,
    );
    assert.equal(again.error?.code, 'not_found');

    // The older device revoking the newer one: at once.
    const revoked = await inPage(
      'return await m.revokeDevice({ deviceUid: arg.older, targetDeviceUid: arg.newer });',
      { older: older.ok, newer: newer.ok },
    );
    assert.equal(revoked.ok?.status, 'revoked', JSON.stringify(revoked));
    assert.equal(revoked.ok.uid, newer.ok);
    assert.ok(revoked.ok.revokedAtMs > 0);
    assert.deepEqual(problems, []);
  });

  test("the app's enroll page takes the token from the fragment", async () => {
    const enrollmentUrl = await server.addUser('henry');
    assert.match(enrollmentUrl, /\/enroll#token=/);
    await page.goto(enrollmentUrl);
    await page.getByText('Enroll this browser as a device of').waitFor();
    assert.equal(await page.textContent('form.enroll strong'), 'henry');
    await page.getByRole('button', { name: 'Enroll this browser' }).click();
    await page.getByRole('heading', { name: 'This browser is enrolled' }).waitFor();
    // The link is used up.
    const token = new URLSearchParams(new URL(enrollmentUrl).hash.slice(1)).get('token');
    await assert.rejects(postJson(`${server.url}/api/enrollments/lookup`, { token }), {
      code: 'not_found',
    });
    assert.deepEqual(problems, []);
  });
});
