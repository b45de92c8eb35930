// Shared by the package's Node tests: the built package loaded as a
// consumer loads it, a real countersign-server with a fresh data directory,
// and a test device whose key is Node's own Ed25519 (Node has no IndexedDB,
// so the package's device-key functions are for browsers).
//
// Environment (defaults suit a run from the repository root):
//   COUNTERSIGN_SERVER_BIN   the server binary (target/debug/countersign-server,
//                            built with cargo if missing)
//   COUNTERSIGN_PKG_DIR      the built package (pkg, from crates/countersign-wasm/build.sh)
//   COUNTERSIGN_WEB_DIR      the built approval app (dist), for the www test

import { execFile, execFileSync, spawn } from 'node:child_process';
import { generateKeyPairSync, randomUUID, sign } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

/** The repository root (tests/js/../..). */
export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

export const env = {
  serverBin:
    process.env.COUNTERSIGN_SERVER_BIN || path.join(repoRoot, 'target/debug/countersign-server'),
  pkgDir: process.env.COUNTERSIGN_PKG_DIR || path.join(repoRoot, 'pkg'),
  webDir: process.env.COUNTERSIGN_WEB_DIR || path.join(repoRoot, 'dist'),
};

/** A fresh temporary directory, removed when the process exits. */
export function tempDir(prefix) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * The package as a consumer gets it: `import ... from 'countersign'`,
 * resolved through node_modules and pkg/package.json's `exports` (the
 * `node` condition, so pkg/node).
 */
export async function loadPackage() {
  if (!fs.existsSync(path.join(env.pkgDir, 'package.json'))) {
    throw new Error(`no package in ${env.pkgDir}: run crates/countersign-wasm/build.sh first`);
  }
  const consumer = tempDir('countersign-consumer-');
  fs.mkdirSync(path.join(consumer, 'node_modules'));
  fs.symlinkSync(env.pkgDir, path.join(consumer, 'node_modules', 'countersign'), 'dir');
  fs.writeFileSync(path.join(consumer, 'package.json'), '{ "type": "module", "private": true }\n');
  fs.writeFileSync(path.join(consumer, 'index.js'), "export * from 'countersign';\n");
  return import(pathToFileURL(path.join(consumer, 'index.js')).href);
}

/** The server binary, built with cargo if it is missing. */
function serverBin() {
  if (!fs.existsSync(env.serverBin)) {
    execFileSync('cargo', ['build', '--package', 'countersign-server'], {
      cwd: repoRoot,
      stdio: 'inherit',
    });
  }
  return env.serverBin;
}

/** The environment for the server: none of the caller's COUNTERSIGN_*
 * settings (a COUNTERSIGN_DATABASE_URL would clash with --data-dir). */
function serverEnv() {
  const clean = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith('COUNTERSIGN_')) clean[key] = value;
  }
  clean.COUNTERSIGN_LOG = 'warn';
  return clean;
}

/**
 * Starts countersign-server on a free port (it binds port 0 and says which
 * port it got) with a fresh SQLite data directory.
 */
export async function startServer({ sessionTtlS, webDir } = {}) {
  const bin = serverBin();
  const dataDir = tempDir('countersign-data-');
  const args = ['serve', '--addr', '127.0.0.1:0', '--data-dir', dataDir];
  if (sessionTtlS) args.push('--session-ttl-s', String(sessionTtlS));
  if (webDir) args.push('--web-dir', webDir);
  const child = spawn(bin, args, { env: serverEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
  const killOnExit = () => child.kill('SIGKILL');
  process.on('exit', killOnExit);
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const url = await new Promise((resolve, reject) => {
    let stdout = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      const found = /listening on ([\d.]+:\d+)/.exec(stdout);
      if (found) resolve(`http://${found[1]}`);
    });
    child.on('exit', (code) =>
      reject(new Error(`countersign-server exited (${code}) before listening:\n${stderr}`)),
    );
  });
  return {
    url,
    /** Adds a user; answers the one-time link that enrolls their first device. */
    async addUser(name) {
      const { stdout } = await promisify(execFile)(
        bin,
        ['admin', 'user', 'add', name, '--data-dir', dataDir, '--public-url', url, '--json'],
        { env: serverEnv() },
      );
      return JSON.parse(stdout).enrollment_url;
    },
    async stop() {
      process.off('exit', killOnExit);
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/**
 * A proxy in front of `target` (a service's URL) that answers some
 * requests itself: `intercept(method, path)` answers `{ status, headers,
 * body }` to send instead, or nothing to pass the request on. `seen` lists
 * every request as `{ method, path, at }` (`at` from Date.now()).
 */
export async function startProxy(target, intercept) {
  const seen = [];
  const server = http.createServer(async (request, response) => {
    seen.push({ method: request.method, path: request.url, at: Date.now() });
    const own = intercept(request.method, request.url);
    if (own) {
      response.writeHead(own.status, own.headers);
      response.end(own.body);
      return;
    }
    const chunks = [];
    for await (const chunk of request) chunks.push(chunk);
    try {
      const answer = await fetch(`${target}${request.url}`, {
        method: request.method,
        headers: { 'content-type': request.headers['content-type'] ?? 'application/json' },
        body: chunks.length ? Buffer.concat(chunks) : undefined,
      });
      const headers = { 'content-type': answer.headers.get('content-type') ?? 'text/plain' };
      response.writeHead(answer.status, headers);
      response.end(Buffer.from(await answer.arrayBuffer()));
    } catch (error) {
      response.writeHead(599);
      response.end(String(error));
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    seen,
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

/** GETs JSON; throws with the service's error code on failure. */
export async function getJson(url) {
  return answer(await fetch(url));
}

/** POSTs JSON; throws with the service's error code on failure. */
export async function postJson(url, body) {
  return answer(
    await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }),
  );
}

async function answer(response) {
  const body = await response.json();
  if (!response.ok) {
    const error = new Error(`${response.status} ${body.error?.code}: ${body.error?.message}`);
    error.code = body.error?.code;
    throw error;
  }
  return body;
}

/**
 * A device enrolled with a key held by Node's own crypto: the statements it
 * signs are built by the package (`buildStatement`), so the test does not
 * copy the signed format.
 */
export class NodeDevice {
  constructor(pkg, server, uid, userUid, keys) {
    this.pkg = pkg;
    this.server = server;
    this.uid = uid;
    this.userUid = userUid;
    this.keys = keys;
  }

  /** The public key in countersign's text encoding (base64url, no padding). */
  get publicKey() {
    return this.keys.publicKey.export({ format: 'jwk' }).x;
  }

  /**
   * Enrolls a new device with a one-time link: the token is in the link's
   * fragment, and travels to the service in request bodies only.
   */
  static async enroll(pkg, enrollmentUrl, name = 'Node test device') {
    const link = new URL(enrollmentUrl);
    const token = new URLSearchParams(link.hash.slice(1)).get('token');
    const server = link.origin;
    const info = await postJson(`${server}/api/enrollments/lookup`, { token });
    const device = new NodeDevice(
      pkg,
      server,
      randomUUID(),
      info.user_uid,
      generateKeyPairSync('ed25519'),
    );
    const claim = {
      action: 'enroll_device',
      user: info.user_uid,
      device: device.uid,
      device_key: device.publicKey,
      device_name: name,
    };
    await postJson(`${server}/api/enrollments/redeem`, { token, proof: device.sign(claim) });
    return device;
  }

  /** The signed statement of `claim` to this device's service, made now. */
  sign(claim) {
    const statement = this.pkg.buildStatement(claim, this.server, this.uid, Date.now());
    try {
      return statement.withSignature(sign(null, statement.bytes(), this.keys.privateKey));
    } finally {
      statement.free();
    }
  }

  /** What the approval page would show for `shortUid`. */
  view(shortUid) {
    return getJson(`${this.server}/api/approvals/${shortUid}`);
  }

  /**
   * Signs and submits `action` (`approve` with `code`, `deny`,
   * `report_suspicious`) on the pending session `shortUid`; answers the
   * signed statement and the session the service answered.
   */
  async decide(shortUid, action, code) {
    const view = await this.view(shortUid);
    const claim = { action, session: view.session.uid, details: view.details_digest };
    if (action === 'approve') claim.code = code;
    const signed = this.sign(claim);
    const session = await postJson(
      `${this.server}/api/sessions/${view.session.uid}/statements`,
      signed,
    );
    return { view, signed, session };
  }
}
