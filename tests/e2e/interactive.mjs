// How long the approval page takes to become usable: from the start of
// page.goto(loginUrl) to the first code radio being visible and enabled,
// measured in Node with performance.now(), median over `runs` fresh pending
// requests, in an enrolled headless Chromium against a real server.
//
// As a module: measureApprovalInteractive({ serverBin, webDir, runs }).
// As a program: `node tests/e2e/interactive.mjs` prints
//   {"approval_page_interactive_ms": N}
// reading COUNTERSIGN_SERVER_BIN, COUNTERSIGN_WEB_DIR and CHROMIUM (and
// INTERACTIVE_RUNS, default 10).

import path from 'node:path';
import { fileURLToPath } from 'node:url';

import * as h from './harness.mjs';

/**
 * @param {{ serverBin?: string, webDir?: string, runs?: number }} options
 * @returns {Promise<number>} the median, in milliseconds
 */
export async function measureApprovalInteractive({ serverBin = h.env.serverBin, webDir = h.env.webDir, runs = 10 } = {}) {
  if (!(Number.isInteger(runs) && runs > 0)) throw new Error(`runs must be a positive integer, not ${runs}`);
  const server = await h.startServer({ serverBin, webDir });
  let browser;
  try {
    browser = await h.launchBrowser();
    const user = await server.addUser('bench');
    const context = await h.newContext(browser);
    const page = await context.newPage();
    await h.enroll(page, user.enrollment_url, { name: 'Bench browser' });

    const answers = [];
    for (let i = 0; i < runs; i += 1) answers.push(await h.requestLogin(server, 'bench', { login_message: `run ${i + 1}` }));

    const ready = page.locator('input#code:enabled');
    const times = [];
    for (const answer of answers) {
      const start = performance.now();
      await page.goto(answer.login_url);
      await ready.waitFor({ state: 'visible' });
      times.push(performance.now() - start);
    }
    return h.median(times);
  } finally {
    await browser?.close();
    await server.stop();
  }
}

// Run as a program, and not as a file a test runner happened to load.
const invoked = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)
  && !process.env.NODE_TEST_CONTEXT;
if (invoked) {
  const runs = Number(process.env.INTERACTIVE_RUNS ?? 10);
  try {
    const ms = await measureApprovalInteractive({ runs });
    console.log(JSON.stringify({ approval_page_interactive_ms: Math.round(ms * 10) / 10 }));
  } catch (error) {
    console.error(`interactive: ${error.stack ?? error}`);
    process.exitCode = 1;
  }
}
