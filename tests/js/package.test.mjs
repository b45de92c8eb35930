// The npm package in Node, imported as a consumer imports it, against a
// real countersign-server: request a login, approve it with a device key
// (Node's own Ed25519, enrolled through the package's statement builder),
// see the wait released, log out; deny, suspicious and expiry end the wait
// with typed errors; offline verification agrees with the service.
//
// Run from the repository root, after crates/countersign-wasm/build.sh:
//   node --test --test-reporter=tap tests/js/

import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';

import { NodeDevice, getJson, loadPackage, startProxy, startServer } from './helpers.mjs';

const pkg = await loadPackage();
const { CountersignError, LoginSession, requestLogin, verifyApproval, verifyStatement } = pkg;

/** Asserts that `promise` rejects with a CountersignError of `code`. */
async function rejectsWith(promise, code) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof CountersignError, `not a CountersignError: ${error}`);
    assert.ok(error instanceof Error, 'a CountersignError is an Error');
    assert.equal(error.code, code, error.message);
    return true;
  });
}

describe('requesting a login from Node', () => {
  let server;
  let device;

  before(async () => {
    server = await startServer();
    device = await NodeDevice.enroll(pkg, await server.addUser('ada'));
  });

  after(async () => {
    await server?.stop();
  });

  test('an approved login releases the wait, and logs out with its own key', async () => {
    const started = Date.now();
    const login = await requestLogin({
      server: `${server.url}/`,
      username: 'ada',
      message: 'deploy to staging',
      scope: ['deploy', 'read'],
      permissions: 'files:read',
    });
    assert.match(login.uid, /^[0-9a-f-]{36}$/);
    assert.equal(login.shortUid, login.uid.slice(0, 8).replace(/(..)(?!$)/g, '$1.'));
    assert.equal(login.loginUrl, `${server.url}/s?id=${login.shortUid}`);
    assert.ok(login.verificationCode >= 10 && login.verificationCode <= 99);
    assert.ok(login.expiresAtMs > started, 'expiresAtMs is a time in milliseconds');
    assert.equal(login.server, server.url);
    assert.deepEqual(
      Object.keys(login).filter((key) => key !== '__wbg_ptr'),
      [],
      'nothing but the handle to wasm memory is a JS property',
    );

    let settled = false;
    login.approved.finally(() => {
      settled = true;
    });
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.equal(settled, false, 'still waiting before anyone decides');

    const { view, signed } = await device.decide(login.shortUid, 'approve', login.verificationCode);
    assert.equal(view.session.public_key, login.publicKey);
    const session = await login.approved;
    assert.ok(session instanceof LoginSession);
    assert.equal(session.status, 'approved');
    assert.equal(session.uid, login.uid);
    assert.equal(session.username, 'ada');
    assert.equal(session.deviceUid, device.uid);
    assert.equal(session.userUid, device.userUid);
    assert.equal(session.loginMessage, 'deploy to staging');
    assert.deepEqual(session.grantedScope, ['deploy', 'read']);
    assert.deepEqual(session.grantedPermissions, ['files:read']);
    assert.equal(session.requestSource, '127.0.0.1');
    assert.ok(session.loginTimeMs >= started && session.loginTimeMs <= Date.now());
    assert.equal(session.logoutTimeMs, undefined);
    // The seed's names give the same values, as methods.
    assert.equal(session.short_uid(), login.shortUid);
    assert.equal(session.device_uid(), session.deviceUid);
    assert.equal(session.request_source(), session.requestSource);
    assert.equal(session.encoded_username(), session.encodedUsername);
    assert.equal(session.login_time(), session.loginTimeMs);
    assert.equal(session.logout_time(), undefined);
    assert.equal(session.login_url(server.url), login.loginUrl);

    // The approval checks out offline with the device's public key, as the
    // service checked it; with another key it does not.
    const pending = LoginSession.fromJson(view.session);
    assert.equal(pending.status, 'pending');
    assert.equal(signed.statement.format, 'countersign-statement/2');
    assert.equal(signed.statement.service, server.url, 'it names the service');
    assert.deepEqual(verifyApproval(view.session, signed, device.publicKey, server.url, Date.now()), {
      action: 'approve',
      deviceUid: device.uid,
      signedAtMs: Date.parse(signed.statement.signed_at),
    });
    assert.throws(
      () => verifyApproval(view.session, signed, device.publicKey, 'https://other.example', Date.now()),
      (error) => error instanceof CountersignError && error.code === 'wrong_service',
    );
    assert.equal(verifyStatement(JSON.stringify(signed), device.publicKey), true);
    assert.equal(verifyStatement(signed, login.publicCertificate), false);
    assert.throws(
      () => verifyApproval(view.session, signed, login.publicCertificate, server.url, Date.now()),
      (error) => error instanceof CountersignError && error.code === 'bad_signature',
    );

    const out = await login.logout();
    assert.equal(out.status, 'logged_out');
    assert.ok(out.logoutTimeMs >= session.loginTimeMs);
    assert.equal(out.publicKey, undefined, 'keys are cleared on logout');
    const stored = await getJson(`${server.url}/api/sessions/${login.uid}`);
    assert.equal(stored.status, 'logged_out');
    await rejectsWith(login.logout(), 'session_closed');
    login.free();
  });

  test('a denied login rejects the wait with code denied and the session', async () => {
    const login = await requestLogin({ server: server.url, username: 'ada' });
    await device.decide(login.shortUid, 'deny');
    await rejectsWith(login.approved, 'denied');
    const error = await login.approved.catch((e) => e);
    assert.equal(error.session.status, 'denied');
    assert.equal(error.session.uid, login.uid);
    await rejectsWith(login.logout(), 'session_closed');
  });

  test('a login reported as suspicious rejects the wait with code suspicious', async () => {
    const login = await requestLogin({ server: server.url, username: 'ada' });
    await device.decide(login.shortUid, 'report_suspicious');
    await rejectsWith(login.approved, 'suspicious');
  });

  test('a wrong code denies the login: the wait ends denied, with reason wrong_code', async () => {
    const login = await requestLogin({ server: server.url, username: 'ada' });
    const wrong = login.verificationCode === 10 ? 11 : 10;
    await assert.rejects(device.decide(login.shortUid, 'approve', wrong), { code: 'wrong_code' });
    const error = await login.approved.then(
      () => assert.fail('a wrong code must not approve'),
      (e) => e,
    );
    assert.equal(error.code, 'denied', error.message);
    assert.equal(error.session.status, 'denied');
    assert.equal(error.session.denyReason, 'wrong_code');
    // The right code comes too late.
    await assert.rejects(device.decide(login.shortUid, 'approve', login.verificationCode));
  });

  test('the wait retries a 429 after its Retry-After and an unreadable answer, then ends as the service says', async () => {
    // The first two long polls fail: asked to slow down for 1 s, then a
    // proxy's HTML page. Each failure is followed by a quick read of the
    // session, then the long poll again.
    const failures = [
      {
        status: 429,
        headers: { 'content-type': 'application/json', 'retry-after': '1' },
        body: JSON.stringify({ error: { code: 'rate_limited', message: 'slow down' } }),
      },
      { status: 502, headers: { 'content-type': 'text/html' }, body: '<h1>Bad gateway</h1>' },
    ];
    const proxy = await startProxy(server.url, (method, path) =>
      path.includes('/wait') ? failures.shift() : undefined,
    );
    try {
      const login = await requestLogin({ server: proxy.url, username: 'ada' });
      const waits = () => proxy.seen.filter((r) => r.path.includes('/wait'));
      while (waits().length < 3) await new Promise((resolve) => setTimeout(resolve, 50));
      await device.decide(login.shortUid, 'deny');
      await rejectsWith(login.approved, 'denied');

      const paths = proxy.seen.map((r) => r.path.replace(login.uid, 'UID').replace(/\?.*/, ''));
      assert.deepEqual(paths, [
        '/api/sessions',
        '/api/sessions/UID/wait',
        '/api/sessions/UID',
        '/api/sessions/UID/wait',
        '/api/sessions/UID',
        '/api/sessions/UID/wait',
      ]);
      const [, limited, afterLimit] = proxy.seen;
      assert.ok(afterLimit.at - limited.at >= 950, 'waited out the Retry-After of 1 s');
    } finally {
      await proxy.stop();
    }
  });

  test('stopping the wait rejects it with cancelled at once', async () => {
    const login = await requestLogin({ server: server.url, username: 'ada' });
    login.stopWaiting();
    await rejectsWith(login.approved, 'cancelled');
  });

  test('sessions load by uid and by short uid, narrowed to what was granted', async () => {
    const login = await requestLogin({ server: server.url, username: 'ada', scope: 'a b' });
    await device.decide(login.shortUid, 'approve', login.verificationCode);
    await login.approved;
    const narrowed = await LoginSession.load({ server: server.url, uid: login.uid, scope: ['a'] });
    assert.deepEqual(narrowed.scope, ['a']);
    await rejectsWith(
      LoginSession.load({ server: server.url, uid: login.uid, scope: 'c' }),
      'not_granted',
    );
    const found = await LoginSession.loadByShortUid({
      server: server.url,
      shortUid: login.shortUid,
      status: 'approved',
    });
    assert.deepEqual(
      found.map((s) => s.uid),
      [login.uid],
    );
    const json = JSON.parse(JSON.stringify(narrowed));
    assert.equal(json.uid, login.uid, 'JSON.stringify writes the service JSON');
    assert.equal(LoginSession.fromJson(json).shortUid, login.shortUid);
  });

  test('service errors keep their code', async () => {
    await rejectsWith(
      requestLogin({ server: server.url, username: 'ada', message: 'a\nb' }),
      'bad_field',
    );
    await rejectsWith(
      LoginSession.load({ server: server.url, uid: '00000000-0000-4000-8000-000000000000' }),
      'not_found',
    );
    await rejectsWith(requestLogin({ server: server.url, username: '' }), 'bad_field');
  });

  test('the device-key functions say that Node cannot hold a device key', async () => {
    await assert.rejects(pkg.listDevices(), (error) => {
      assert.ok(error instanceof CountersignError);
      assert.match(error.code, /^(unsupported|storage)$/);
      return true;
    });
  });
});

describe('a login nobody decides', () => {
  let server;

  before(async () => {
    server = await startServer({ sessionTtlS: 1 });
    await server.addUser('ada');
  });

  after(async () => {
    await server?.stop();
  });

  test('expires, and the wait rejects with code expired', async () => {
    const login = await requestLogin({ server: server.url, username: 'ada' });
    assert.ok(login.expiresAtMs - Date.now() <= 1500);
    await rejectsWith(login.approved, 'expired');
    const error = await login.approved.catch((e) => e);
    assert.equal(error.session.status, 'expired');
  });
});

describe('errors', () => {
  test('CountersignError is a real class with a readable code', () => {
    const error = new CountersignError('denied', 'no');
    assert.ok(error instanceof CountersignError);
    assert.ok(error instanceof Error);
    assert.equal(error.code, 'denied');
    assert.equal(error.message, 'no');
    assert.equal(error.name, 'CountersignError');
    assert.equal(String(error), 'CountersignError [denied]: no');
  });

  test('malformed input fails with a code, synchronously where there is no IO', () => {
    assert.throws(() => LoginSession.fromJson('{'), { code: 'bad_json' });
    assert.throws(() => verifyStatement('{}', 'x'), { code: 'bad_json' });
    assert.throws(
      () => pkg.buildStatement({ action: 'read_account', user: 'x' }, 'https://cs.example', 'requester', 0),
      { code: 'bad_json' },
    );
  });
});
