// The benchmark's measurement works (no timing threshold: timed assertions
// flake on a busy machine).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as h from './harness.mjs';
import { measureApprovalInteractive } from './interactive.mjs';

test('measureApprovalInteractive answers a finite positive median', { timeout: 60000 }, async () => {
  const ms = await measureApprovalInteractive({ serverBin: h.env.serverBin, webDir: h.env.webDir, runs: 3 });
  assert.equal(typeof ms, 'number');
  assert.ok(Number.isFinite(ms) && ms > 0, `median ${ms}`);
});
