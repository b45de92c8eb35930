// Shared helpers for the end-to-end tests: a real countersign-server on a
// free port with a fresh data directory, a requester that speaks plain HTTP
// with Node's Ed25519 keys, headless Chromium, screenshots and axe-core.
//
// Environment (set by `cargo xtask test`; defaults suit a local run from the
// repository root):
//   COUNTERSIGN_SERVER_BIN   the server binary      (target/debug/countersign-server)
//   COUNTERSIGN_WEB_DIR      the app Trunk built    (dist)
//   COUNTERSIGN_SCREENSHOTS  where screenshots go   (tests/screenshots)
//   COUNTERSIGN_PKG_DIR      the npm package        (pkg, from crates/countersign-wasm/build.sh)
//   CHROMIUM                 the browser            (/usr/bin/chromium)

import assert from 'node:assert/strict';
import { spawn, execFile } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);

/** The repository root (tests/e2e/../..). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Where things are, from the environment or the defaults. */
export const env = {
  serverBin: process.env.COUNTERSIGN_SERVER_BIN || path.join(repoRoot, 'target/debug/countersign-server'),
  webDir: process.env.COUNTERSIGN_WEB_DIR || path.join(repoRoot, 'dist'),
  screenshots: process.env.COUNTERSIGN_SCREENSHOTS || path.join(repoRoot, 'tests/screenshots'),
  pkgDir: process.env.COUNTERSIGN_PKG_DIR || path.join(repoRoot, 'pkg'),
  chromium: process.env.CHROMIUM || '/usr/bin/chromium',
};

/** The viewports every page is captured at. */
export const VIEWPORTS = {
  desktop: { width: 1280, height: 800 },
  phone: { width: 390, height: 844 },
};

// ---------------------------------------------------------------------------
// Processes: every server started here is killed on exit, whatever happens.

const children = new Set();
process.on('exit', () => {
  for (const child of children) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
});

/** The environment for the server's processes: none of the caller's
 * COUNTERSIGN_* settings (a COUNTERSIGN_DATABASE_URL would clash with
 * --data-dir), so every flag comes from the command line. */
function childEnv() {
  const clean = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('COUNTERSIGN_')) clean[key] = value;
  }
  clean.COUNTERSIGN_LOG = 'warn';
  return clean;
}

/** A TCP port that was free a moment ago (bind 127.0.0.1:0, read, close). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.unref();
    probe.on('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

function runOnce(dataDir, port, options) {
  const args = [
    'serve',
    '--addr', `127.0.0.1:${port}`,
    '--data-dir', dataDir,
    '--web-dir', options.webDir ?? env.webDir,
    // Tests make many requests from one address in a few seconds: the
    // rate limits are not under test here, so give them room.
    '--request-burst', '1000',
    '--lookup-burst', '1000',
  ];
  if (options.sessionTtlS !== undefined) args.push('--session-ttl-s', String(options.sessionTtlS));
  // WebAuthn refuses an IP address as the relying party's id: passkey
  // tests serve at http://localhost:PORT.
  if (options.publicHost !== undefined) args.push('--public-url', `http://${options.publicHost}:${port}`);
  if (options.args !== undefined) args.push(...options.args);
  const child = spawn(options.serverBin ?? env.serverBin, args, {
    env: childEnv(),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20000);
  });
  const exited = new Promise((resolve) => child.on('exit', (code, signal) => {
    children.delete(child);
    resolve({ code, signal });
  }));
  const ready = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`countersign-server did not start within 15 s\n${stderr}`)), 15000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /countersign is running: open (\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      reject(new Error(`countersign-server exited (${code ?? signal}) before listening\n${stderr}`));
    });
  });
  return { child, ready, exited, stderr: () => stderr };
}

/**
 * Starts `countersign-server serve` on a free port with a fresh temporary
 * data directory. Resolves once it prints that it is listening.
 *
 * @param {{ sessionTtlS?: number, serverBin?: string, webDir?: string,
 *   publicHost?: string, args?: string[] }} options (`args`: more `serve` flags)
 */
export async function startServer(options = {}) {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'countersign-e2e-'));
  let lastError;
  // The port can be taken between probing and binding: try a few.
  for (let attempt = 0; attempt < 3; attempt += 1) {
    const port = await freePort();
    const run = runOnce(dataDir, port, options);
    try {
      const url = await run.ready;
      return makeServer({ ...run, url, port, dataDir, serverBin: options.serverBin ?? env.serverBin });
    } catch (error) {
      lastError = error;
      run.child.kill('SIGKILL');
      await run.exited;
      if (!/cannot listen/.test(String(error.message))) break;
    }
  }
  fs.rmSync(dataDir, { recursive: true, force: true });
  throw lastError;
}

function makeServer({ child, exited, stderr, url, port, dataDir, serverBin }) {
  let stopped = false;
  return {
    url,
    port,
    dataDir,
    /** The server's log so far (for failure messages). */
    log: stderr,
    /** `admin user add NAME --json` on this server's data directory. */
    addUser(name) {
      return new Promise((resolve, reject) => {
        execFile(
          serverBin,
          ['admin', 'user', 'add', name, '--data-dir', dataDir, '--public-url', url, '--json'],
          { env: childEnv(), timeout: 15000 },
          (error, out, err) => {
            if (error) return reject(new Error(`admin user add ${name} failed: ${error.message}\n${err}`));
            try {
              resolve(JSON.parse(out.trim().split('\n').pop()));
            } catch (parse) {
              reject(new Error(`admin user add printed no JSON: ${out}\n${err}`));
            }
          },
        );
      });
    },
    /** Stops the server (SIGTERM, then SIGKILL) and removes its data. */
    async stop() {
      if (stopped) return;
      stopped = true;
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------
// The requester: what a program asking for a login does, over plain HTTP.

/** A fresh Ed25519 public key in the service's text encoding (the JWK `x`). */
export function newPublicKey() {
  return generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x;
}

/**
 * POST /api/sessions for `username`; answers the service's reply
 * (`uid`, `short_uid`, `login_url`, `verification_code`, `wait_url`, ...).
 */
export async function requestLogin(server, username, fields = {}) {
  const body = {
    username,
    public_key: newPublicKey(),
    public_certificate: newPublicKey(),
    hostname: 'build-01',
    login_message: 'deploy to staging',
    scope: ['deploy'],
    ...fields,
  };
  const response = await fetch(`${server.url}/api/sessions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 201, `POST /api/sessions answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

/**
 * Starts the requester's long poll on `answer.wait_url` and answers at once
 * with a promise of `{ session, status, at }`, where `at` is the
 * performance.now() at which the answer arrived.
 */
export function startWaiting(answer, timeoutS = 25) {
  const started = performance.now();
  const done = fetch(`${answer.wait_url}&timeout_s=${timeoutS}`).then(async (response) => {
    const text = await response.text();
    const at = performance.now();
    assert.equal(response.status, 200, `the long poll answered ${response.status}: ${text}`);
    const session = JSON.parse(text);
    return { session, status: session.status, at, started };
  });
  // Nobody may be awaiting it yet: a failure is reported where it is awaited.
  done.catch(() => {});
  return done;
}

/** GET /api/sessions/{uid}: the session as the service holds it. */
export async function getSession(server, uid) {
  const response = await fetch(`${server.url}/api/sessions/${uid}`);
  const text = await response.text();
  assert.equal(response.status, 200, `GET /api/sessions/${uid} answered ${response.status}: ${text}`);
  return JSON.parse(text);
}

/** Polls GET /api/sessions/{uid} until its status is `status`. */
export async function waitForStatus(server, uid, status, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs;
  let session;
  for (;;) {
    session = await getSession(server, uid);
    if (session.status === status || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  assert.equal(session.status, status, `session ${uid} is ${session.status}, expected ${status}`);
  return session;
}

// ---------------------------------------------------------------------------
// The npm package and the example relying party (www/relying-party.mjs).

/** The npm package's Node build, as `require('countersign')` gives it in
 * Node. */
export function loadPackage() {
  const file = path.join(env.pkgDir, 'node', 'countersign_wasm.js');
  if (!fs.existsSync(file)) throw new Error(`no package in ${env.pkgDir}: run crates/countersign-wasm/build.sh first`);
  return require(file);
}

/**
 * Starts www/relying-party.mjs for the service `server` on a free port;
 * resolves with `{ url, stop }` once it listens.
 */
export async function startRelyingParty(server) {
  const script = path.join(repoRoot, 'www', 'relying-party.mjs');
  const args = [script, '--server', server.url, '--port', '0', '--package', env.pkgDir];
  const child = spawn(process.execPath, args, { env: childEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr = (stderr + chunk).slice(-20000);
  });
  const exited = new Promise((resolve) => child.on('exit', () => {
    children.delete(child);
    resolve();
  }));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`the relying party did not start within 15 s\n${stderr}`)), 15000);
    let stdout = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const match = /relying party listening on (\S+)/.exec(stdout);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`the relying party exited before listening\n${stderr}`));
    });
  });
  return {
    url,
    log: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------
// The browser.

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
  '--no-first-run',
];

/** Headless Chromium. */
export function launchBrowser() {
  return chromium.launch({ executablePath: env.chromium, headless: true, args: CHROMIUM_ARGS });
}

/** A new context (its own IndexedDB: a separate "browser") at desktop size,
 * whose pages report script errors on stderr. */
export async function newContext(browser, options = {}) {
  const context = await browser.newContext({ viewport: VIEWPORTS.desktop, ...options });
  context.setDefaultTimeout(10000);
  context.on('page', watchPage);
  return context;
}

/** A new page in a new context. */
export async function newPage(browser, options = {}) {
  const context = await newContext(browser, options);
  const page = await context.newPage();
  return page;
}

function watchPage(page) {
  page.on('pageerror', (error) => process.stderr.write(`[page error] ${page.url()}: ${error.message}\n`));
  page.on('console', (message) => {
    // A 4xx from the API is how the app learns of a wrong code or an unknown
    // id; the tests assert what the page says about it instead.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) process.stderr.write(`[console error] ${page.url()}: ${message.text()}\n`);
  });
}

/** Opens an enrollment link and enrolls this browser under `name`. */
export async function enroll(page, enrollmentUrl, { name, screenshots = false } = {}) {
  await page.goto(enrollmentUrl);
  const button = page.getByRole('button', { name: 'Enroll this browser' });
  await button.waitFor();
  if (screenshots) await screenshot(page, 'enroll');
  if (name !== undefined) await page.getByLabel('Device name').fill(name);
  await button.click();
  await page.getByRole('heading', { name: 'This browser is enrolled' }).waitFor();
}

/** The approval page's code radios. */
export function codeInput(page) {
  return page.getByLabel('Type the code the program shows', { exact: true });
}

/** Opens a login URL and waits until its code can be typed. */
export async function openApproval(page, loginUrl) {
  await page.goto(loginUrl);
  await codeInput(page).waitFor({ state: 'visible' });
}

/** Types `code` (the one the requester was given) into the approval page. */
export async function typeCode(page, code) {
  await codeInput(page).fill(String(code));
}

/** A code other than `code`: what an approver who never saw it might type. */
export function otherCode(code) {
  return code === 10 ? 11 : 10;
}

/** The text of the page's main region, for readable failures. */
export function mainText(page) {
  return page.locator('main').innerText();
}

/** Approves `answer` (what `requestLogin` answered) on `page`: opens its
 * login URL, types its code, presses Approve and waits for the page to say
 * Approved. */
export async function approve(page, answer) {
  await openApproval(page, answer.login_url);
  await typeCode(page, answer.verification_code);
  await page.getByRole('button', { name: 'Approve' }).click();
  await page.getByRole('heading', { name: 'Approved' }).waitFor();
}

/** Opens the Devices page and waits for its table. */
export async function openDevices(server, page) {
  await page.goto(`${server.url}/devices`);
  await page.getByRole('heading', { name: 'Devices', level: 1 }).waitFor();
  await page.getByRole('table', { name: 'Devices' }).waitFor();
}

/** Presses "Make an enrollment link" on the open Devices page: the link. */
export async function makeEnrollmentLink(page) {
  await page.getByRole('button', { name: 'Make an enrollment link' }).click();
  const link = page.getByLabel('Enrollment link');
  await link.waitFor();
  return link.inputValue();
}

/**
 * A server and a headless Chromium with `username` added, and `pages`
 * pages each in a context of its own (separate browsers), the first
 * enrolled from the admin link as `name`. Stop both with `stopAll`; if a
 * step fails, what was started is stopped before the error is thrown.
 *
 * @param {{ pages?: number, name?: string, serverOptions?: object }} options
 */
export async function startWithEnrolledUser(username, { pages = 1, name = 'Laptop', serverOptions } = {}) {
  const server = await startServer(serverOptions);
  let browser;
  try {
    browser = await launchBrowser();
    const user = await server.addUser(username);
    const opened = [];
    for (let i = 0; i < pages; i += 1) opened.push(await (await newContext(browser)).newPage());
    await enroll(opened[0], user.enrollment_url, { name });
    return { server, browser, user, pages: opened };
  } catch (error) {
    await stopAll({ browser, server });
    throw error;
  }
}

/** Closes the browser and stops the server, whichever were started. */
export async function stopAll({ browser, server }) {
  await browser?.close();
  await server?.stop();
}

// ---------------------------------------------------------------------------
// Screenshots.

/** Captures the page as it stands at desktop and phone size into
 * COUNTERSIGN_SCREENSHOTS as NAME-desktop.png and NAME-phone.png. */
export async function screenshot(page, name) {
  fs.mkdirSync(env.screenshots, { recursive: true });
  const before = page.viewportSize() ?? VIEWPORTS.desktop;
  try {
    for (const [label, size] of Object.entries(VIEWPORTS)) {
      await page.setViewportSize(size);
      await page.screenshot({ path: path.join(env.screenshots, `${name}-${label}.png`), fullPage: true, animations: 'disabled' });
    }
  } finally {
    await page.setViewportSize(before);
  }
}

// ---------------------------------------------------------------------------
// Accessibility.

let axeSource;

/** Runs axe-core on the page as it stands; answers its violations. axe is
 * injected with page.evaluate, which the page's CSP does not govern. */
export async function axeViolations(page) {
  axeSource ??= fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  const present = await page.evaluate(() => typeof window.axe === 'object');
  if (!present) await page.evaluate(axeSource);
  const results = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
  return results.violations;
}

/** Violations as text a person can act on. */
export function formatViolations(violations) {
  return violations.map((v) => {
    const nodes = v.nodes.map((n) => {
      const summary = (n.failureSummary ?? '').split('\n').map((l) => `        ${l}`).join('\n');
      return `    at ${n.target.join(' ')}\n      ${n.html}\n${summary}`;
    }).join('\n');
    return `  ${v.id} [${v.impact}] ${v.help}\n    ${v.helpUrl}\n${nodes}`;
  }).join('\n');
}

/** Asserts axe finds nothing on the page; otherwise fails listing it all. */
export async function assertAccessible(page, label) {
  const violations = await axeViolations(page);
  if (violations.length > 0) {
    assert.fail(`axe found ${violations.length} violation(s) on ${label} (${page.url()}):\n${formatViolations(violations)}`);
  }
}

/** The median of some numbers. */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
