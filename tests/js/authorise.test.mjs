// Using an approved login from Node, with the package as a consumer imports
// it, against a real countersign-server: the requester signs authorisations
// (`login.authorise`), a relying party verifies them offline with a
// `SessionWatch` and refuses them within a second of the logout; the
// service's verify route refuses a replay with `once`; a pending request is
// cancelled with `login.cancel()`.
//
// Run from the repository root, after crates/countersign-wasm/build.sh:
//   node --test --test-reporter=tap tests/js/

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { NodeDevice, getJson, loadPackage, startProxy, startServer } from './helpers.mjs';

const pkg = await loadPackage();
const { CountersignError, SessionWatch, parseAuthorisation, requestLogin, verifyAuthorisation } =
  pkg;

const FILES = 'GET https://api.example/v1/files';
const HEADER = /^Countersign [A-Za-z0-9_-]+\.[A-Za-z0-9_-]{86}$/;

/** Asserts that `run` throws (or rejects with) a CountersignError of `code`. */
async function refusedWith(run, code) {
  await assert.rejects(async () => run(), (error) => {
    assert.ok(error instanceof CountersignError, `not a CountersignError: ${error}`);
    assert.equal(error.code, code, error.message);
    return true;
  });
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

describe('using an approved login', () => {
  let server;
  let device;
  const watches = [];

  /** A login for ada, approved by the test device. */
  async function approvedLogin(fields = {}) {
    const login = await requestLogin({ server: server.url, username: 'ada', ...fields });
    await device.decide(login.shortUid, 'approve', login.verificationCode);
    return { login, session: await login.approved };
  }

  async function watch(sessionUid) {
    const started = await SessionWatch.start({ server: server.url, sessionUid });
    watches.push(started);
    return started;
  }

  before(async () => {
    server = await startServer();
    device = await NodeDevice.enroll(pkg, await server.addUser('ada'));
  });

  after(async () => {
    for (const started of watches) started.stop();
    await server?.stop();
  });

  test('a signed request is accepted offline by a watch, and refused within a second of the logout', async () => {
    const { login, session } = await approvedLogin({ scope: 'files', permissions: ['read'] });
    const header = login.authorise(FILES);
    assert.match(header, HEADER);

    // The relying party finds the session from the token, then watches it.
    const info = parseAuthorisation(header);
    assert.equal(info.sessionUid, login.uid);
    assert.equal(info.userUid, device.userUid);
    assert.equal(info.resource, FILES);
    assert.equal(info.service, server.url);
    assert.equal(info.bodySha256, undefined);
    const rp = await watch(info.sessionUid);
    assert.equal(rp.session.status, 'approved');

    const identity = rp.verify(header, { resource: FILES });
    assert.deepEqual(
      { ...identity, signedAtMs: 0, nonce: '' },
      {
        userUid: device.userUid,
        username: 'ada',
        sessionUid: login.uid,
        scope: ['files'],
        permissions: ['read'],
        loginExpiresAtMs: session.loginExpiresAtMs,
        signedAtMs: 0,
        nonce: '',
      },
    );
    assert.ok(Math.abs(identity.signedAtMs - Date.now()) < 5000);
    assert.equal(identity.nonce, info.nonce);
    assert.ok(session.loginExpiresAtMs > Date.now(), 'an approved login has an end');
    // The bare token and verifyAuthorisation with the watch say the same.
    const bare = header.slice('Countersign '.length);
    assert.deepEqual(rp.verify(bare, { resource: FILES }), identity);
    assert.deepEqual(await verifyAuthorisation(header, { resource: FILES, watch: rp }), identity);
    assert.notEqual(parseAuthorisation(login.authorise(FILES)).nonce, info.nonce, 'every token has its own nonce');

    await refusedWith(() => rp.verify(header, { resource: 'GET https://api.example/v1/other' }), 'wrong_resource');
    await refusedWith(() => rp.verify(header, { resource: FILES, body: 'x' }), 'wrong_body');

    // Tokens for after the logout, each unused: the first refusal is timed.
    const unused = Array.from({ length: 200 }, () => login.authorise(FILES));
    const loggingOut = performance.now();
    await login.logout();
    let refusedAfterMs;
    for (const token of unused) {
      try {
        rp.verify(token, { resource: FILES });
      } catch (error) {
        assert.equal(error.code, 'logged_out', error.message);
        refusedAfterMs = performance.now() - loggingOut;
        break;
      }
      await sleep(5);
    }
    assert.ok(refusedAfterMs !== undefined, 'still accepted long after the logout');
    assert.ok(refusedAfterMs < 1000, `refused ${refusedAfterMs.toFixed(0)} ms after the logout`);
    await refusedWith(() => rp.verify(header, { resource: FILES }), 'logged_out');
    assert.equal(rp.session.status, 'logged_out');
    // The login itself signs nothing more.
    await refusedWith(() => login.authorise(FILES), 'logged_out');
  });

  test('a body is bound by its SHA-256, as text or bytes', async () => {
    const { login } = await approvedLogin();
    const rp = await watch(login.uid);
    const body = '{"name":"report.pdf"}';
    const post = 'POST https://api.example/v1/files';
    const header = login.authorise(post, { body });
    assert.equal(parseAuthorisation(header).bodySha256.length, 43);
    assert.equal(rp.verify(header, { resource: post, body }).sessionUid, login.uid);
    assert.equal(rp.verify(header, { resource: post, body: Buffer.from(body) }).sessionUid, login.uid);
    assert.equal(rp.verify(header, { resource: post }).sessionUid, login.uid, 'a body left out is not checked');
    await refusedWith(() => rp.verify(header, { resource: post, body: '{"name":"other.pdf"}' }), 'wrong_body');
    const withBytes = login.authorise(post, { body: new TextEncoder().encode(body) });
    assert.equal(parseAuthorisation(withBytes).bodySha256, parseAuthorisation(header).bodySha256);
    await refusedWith(() => login.authorise(post, { body: 7 }), 'bad_argument');
    await refusedWith(() => login.authorise(post, { bodi: body }), 'bad_argument');
    await refusedWith(() => login.authorise('GET /x\nGET /y'), 'bad_resource');
    await login.logout();
  });

  test('with once, a watch accepts a token once and refuses the replay', async () => {
    const { login } = await approvedLogin();
    const rp = await watch(login.uid);
    const header = login.authorise(FILES);
    assert.equal(rp.verify(header, { resource: FILES, once: true }).sessionUid, login.uid);
    await refusedWith(() => rp.verify(header, { resource: FILES, once: true }), 'already_used');
    await refusedWith(
      () => verifyAuthorisation(header, { resource: FILES, watch: rp, once: true }),
      'already_used',
    );
    // Another token of the same login is another nonce.
    assert.equal(rp.verify(login.authorise(FILES), { resource: FILES, once: true }).sessionUid, login.uid);
    await login.logout();
  });

  test('the service verifies too, and with once refuses the replay', async () => {
    const { login, session } = await approvedLogin({ scope: ['files'] });
    const header = login.authorise(FILES);
    const identity = await verifyAuthorisation(header, { server: server.url, resource: FILES, once: true });
    assert.equal(identity.userUid, device.userUid);
    assert.equal(identity.username, 'ada');
    assert.equal(identity.sessionUid, login.uid);
    assert.deepEqual(identity.scope, ['files']);
    assert.equal(identity.loginExpiresAtMs, session.loginExpiresAtMs);
    await refusedWith(
      () => verifyAuthorisation(header, { server: server.url, resource: FILES, once: true }),
      'already_used',
    );
    const other = login.authorise(FILES);
    await refusedWith(
      () => verifyAuthorisation(other, { server: server.url, resource: `${FILES}/x` }),
      'wrong_resource',
    );
    const posted = login.authorise('POST https://api.example/v1/files', { body: 'abc' });
    const checked = { server: server.url, resource: 'POST https://api.example/v1/files' };
    assert.equal((await verifyAuthorisation(posted, { ...checked, body: 'abc' })).sessionUid, login.uid);
    await refusedWith(() => verifyAuthorisation(posted, { ...checked, body: 'abd' }), 'wrong_body');
    await login.logout();
    await refusedWith(() => verifyAuthorisation(other, { server: server.url, resource: FILES }), 'logged_out');
  });

  test('a login signs nothing before it is approved', async () => {
    const login = await requestLogin({ server: server.url, username: 'ada' });
    await refusedWith(() => login.authorise(FILES), 'session_not_approved');
    await login.cancel();
  });

  test('cancel ends a pending request: the wait rejects with cancelled, nothing can approve it', async () => {
    const login = await requestLogin({ server: server.url, username: 'ada' });
    await device.view(login.shortUid);
    const out = await login.cancel();
    assert.equal(out.status, 'logged_out');
    assert.equal(out.wasCancelled, true);
    assert.equal(out.loginTimeMs, undefined);
    assert.equal(out.publicKey, undefined, 'keys are cleared');
    await refusedWith(() => login.approved, 'cancelled');
    const stored = await getJson(`${server.url}/api/sessions/${login.uid}`);
    assert.equal(stored.status, 'logged_out');
    assert.equal(stored.login_datetime, null);
    await assert.rejects(device.view(login.shortUid), { code: 'not_found' });
    await refusedWith(() => login.authorise(FILES), 'logged_out');
  });

  test('a watch refuses a token for another session, and tokens made for another service', async () => {
    const first = await approvedLogin();
    const second = await approvedLogin();
    const rp = await watch(first.login.uid);
    await refusedWith(() => rp.verify(second.login.authorise(FILES), { resource: FILES }), 'wrong_session');
    // The same service under another URL is, for a token, another service.
    const proxy = await startProxy(server.url, () => undefined);
    const elsewhere = await SessionWatch.start({ server: proxy.url, sessionUid: first.login.uid });
    try {
      await refusedWith(() => elsewhere.verify(first.login.authorise(FILES), { resource: FILES }), 'wrong_service');
    } finally {
      elsewhere.stop();
      await proxy.stop();
    }
    await refusedWith(() => SessionWatch.start({ server: server.url, sessionUid: crypto.randomUUID() }), 'not_found');
    await first.login.logout();
    await second.login.logout();
  });
});
