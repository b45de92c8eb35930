// A small W3C WebDriver client over Node's fetch, for headless Firefox
// through geckodriver. Playwright drives Chromium here, but its Firefox
// needs Playwright's own patched build (downloaded from its CDN, which this
// machine cannot reach), while stock Firefox ESR speaks WebDriver: the few
// commands the Firefox flow needs fit in this file, with no new dependency.
//
// Environment (set by `cargo xtask test`):
//   GECKODRIVER   geckodriver               (geckodriver on PATH)
//   FIREFOX       the Firefox it starts     (/usr/bin/firefox-esr)

import { spawn } from 'node:child_process';

import { freePort } from './harness.mjs';

const ELEMENT = 'element-6066-11e4-a52e-4f735466cecf';

export const firefoxEnv = {
  geckodriver: process.env.GECKODRIVER || 'geckodriver',
  firefox: process.env.FIREFOX || '/usr/bin/firefox-esr',
};

/** Starts geckodriver on a free port and a headless Firefox session. */
export async function launchFirefox() {
  const port = await freePort();
  const args = ['--port', String(port), '--websocket-port', String(await freePort()), '--binary', firefoxEnv.firefox];
  const driver = spawn(firefoxEnv.geckodriver, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const keep = (chunk) => {
    log = (log + chunk).slice(-20000);
  };
  driver.stdout.setEncoding('utf8').on('data', keep);
  driver.stderr.setEncoding('utf8').on('data', keep);
  const exited = new Promise((resolve) => driver.on('exit', resolve));
  // geckodriver ends its Firefox when it ends; it must not outlive the test.
  const kill = () => driver.kill('SIGKILL');
  process.on('exit', kill);
  exited.then(() => process.off('exit', kill));
  driver.on('error', (error) => keep(`\ncould not start ${firefoxEnv.geckodriver}: ${error.message}\n`));
  const base = `http://127.0.0.1:${port}`;

  const call = async (method, path, body) => {
    const response = await fetch(`${base}${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json();
    if (!response.ok) {
      const { error, message } = answer.value ?? {};
      throw new Error(`WebDriver ${method} ${path}: ${error}: ${message}`);
    }
    return answer.value;
  };

  // geckodriver answers once it listens.
  const deadline = Date.now() + 15000;
  for (;;) {
    try {
      await call('GET', '/status');
      break;
    } catch (error) {
      if (Date.now() > deadline || driver.exitCode !== null) {
        driver.kill('SIGKILL');
        throw new Error(`geckodriver did not start: ${error.message}\n${log}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  let session;
  try {
    session = await call('POST', '/session', {
      capabilities: {
        alwaysMatch: {
          browserName: 'firefox',
          'moz:firefoxOptions': { args: ['-headless'], binary: firefoxEnv.firefox },
        },
      },
    });
  } catch (error) {
    driver.kill('SIGKILL');
    throw new Error(`${error.message}\n${log}`);
  }
  const at = (path) => `/session/${session.sessionId}${path}`;
  const element = (value) => ({
    click: () => call('POST', at(`/element/${value[ELEMENT]}/click`), {}),
    type: (text) => call('POST', at(`/element/${value[ELEMENT]}/value`), { text }),
    text: () => call('GET', at(`/element/${value[ELEMENT]}/text`)),
    attribute: (name) => call('GET', at(`/element/${value[ELEMENT]}/attribute/${name}`)),
    enabled: () => call('GET', at(`/element/${value[ELEMENT]}/enabled`)),
  });

  const browser = {
    /** The browser's name and version, as the session reports them. */
    version: `${session.capabilities.browserName} ${session.capabilities.browserVersion}`,
    /** Opens `url` and waits for it to load. */
    goto: (url) => call('POST', at('/url'), { url }),
    /** Every element matching a CSS selector, now. */
    async all(css) {
      const found = await call('POST', at('/elements'), { using: 'css selector', value: css });
      return found.map(element);
    },
    /** Waits for `find()` to answer something truthy; answers it. */
    async waitFor(what, find, timeoutMs = 10000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = await find();
        if (found) return found;
        if (Date.now() > until) {
          const text = await browser.script('return document.querySelector("main")?.innerText ?? document.body.innerText');
          throw new Error(`Firefox: no ${what} within ${timeoutMs} ms; the page says:\n${text}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    /** Waits for the element matching `css` whose text is `text`. */
    waitForText(css, text, timeoutMs) {
      return browser.waitFor(`${css} "${text}"`, async () => {
        for (const candidate of await browser.all(css)) {
          if ((await candidate.text()).trim() === text) return candidate;
        }
        return undefined;
      }, timeoutMs);
    },
    /** Runs `body` (a function body) in the page; an async body is awaited. */
    script: (body, args = []) => call('POST', at('/execute/async'), {
      script: `const done = arguments[arguments.length - 1];
        Promise.resolve((async (...args) => { ${body} })(...Array.from(arguments).slice(0, -1)))
          .then(done, (e) => done({ scriptError: String(e) }));`,
      args,
    }),
    /** Ends the session and stops geckodriver. */
    async close() {
      try {
        await call('DELETE', at(''));
      } finally {
        driver.kill('SIGTERM');
        const timer = setTimeout(() => driver.kill('SIGKILL'), 3000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  return browser;
}
