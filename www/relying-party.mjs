#!/usr/bin/env node
// An example relying party: a small HTTP server whose API accepts requests
// signed with an approved countersign login (`Authorization: Countersign
// <token>`, made by `login.authorise(...)` in the npm package or by
// `countersign sign` on the command line), verifies them offline with the
// package's SessionWatch, and refuses them from the moment the login is
// logged out.
//
//   node www/relying-party.mjs --server http://127.0.0.1:8080 [--port 8081]
//        [--host 127.0.0.1] [--public-url https://api.example] [--package pkg]
//
// (or COUNTERSIGN_SERVER, PORT, PUBLIC_URL, COUNTERSIGN_PKG_DIR). It prints
// `relying party listening on URL` once it listens (`--port 0`: any free
// port).
//
//   GET  /whoami   who signed the request: 200 and the identity
//   POST /notes    the same, with the body bound to the token (its SHA-256)
//
// The resource a token must name is the request's method, a space, and its
// URL under the public URL this server knows itself by (never the Host
// header, which the client chooses): `GET http://127.0.0.1:8081/whoami`.
// Refusals are JSON `{ "error": { "code", "message" } }`, the code the
// package's: 401 for a missing or refused token (`logged_out`, `stale`,
// `wrong_resource`, ...), 409 `already_used` for a replay, 503 when the
// countersign service cannot be heard (`out_of_touch`, `network`).

import { createRequire } from 'node:module';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values: args } = parseArgs({
  options: {
    server: { type: 'string', default: process.env.COUNTERSIGN_SERVER },
    port: { type: 'string', default: process.env.PORT ?? '8081' },
    host: { type: 'string', default: '127.0.0.1' },
    'public-url': { type: 'string', default: process.env.PUBLIC_URL },
    package: { type: 'string', default: process.env.COUNTERSIGN_PKG_DIR ?? path.join(here, '..', 'pkg') },
  },
});
if (!args.server) {
  console.error('usage: relying-party.mjs --server COUNTERSIGN_URL [--port P] [--public-url URL]');
  process.exit(2);
}

// An app that installed the package writes `import { ... } from 'countersign'`;
// this example loads the Node build from the repository's pkg/.
const require = createRequire(import.meta.url);
const { CountersignError, SessionWatch, parseAuthorisation } = require(
  path.resolve(args.package, 'node', 'countersign_wasm.js'),
);

/** At most this many sessions are watched; the oldest watch goes first. */
const MAX_WATCHES = 1000;
/** session uid -> Promise<SessionWatch>, one long poll per session. */
const watches = new Map();

/** The watch of a session: started on its first token, then shared. */
function watchFor(sessionUid) {
  let watch = watches.get(sessionUid);
  if (!watch) {
    watch = SessionWatch.start({ server: args.server, sessionUid });
    watches.set(sessionUid, watch);
    // A session that could not be read is not remembered: the next token
    // tries again (and an unknown session costs no long poll).
    watch.catch(() => watches.delete(sessionUid));
    if (watches.size > MAX_WATCHES) {
      const [oldest, started] = watches.entries().next().value;
      watches.delete(oldest);
      started.then((w) => w.stop(), () => {});
    }
  }
  return watch;
}

/** Who signed `request` for its method and URL (and `body`), or throws. */
async function identify(request, body, publicUrl) {
  const header = request.headers.authorization;
  if (!header || !/^countersign\s/i.test(header)) {
    throw new CountersignError('bad_token', 'send Authorization: Countersign <token>');
  }
  const resource = `${request.method} ${publicUrl}${request.url}`;
  // Unverified: only to find the session to verify against.
  const { sessionUid } = parseAuthorisation(header);
  const watch = await watchFor(sessionUid);
  // `once`: the watch remembers each token's nonce while it is fresh, so
  // a replayed request is refused.
  return watch.verify(header, { resource, body, once: true });
}

const STATUS = { already_used: 409, out_of_touch: 503, network: 503, rate_limited: 503 };

function send(response, status, value, headers = {}) {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(`${JSON.stringify(value)}\n`);
}

async function handle(request, response, publicUrl) {
  const route = `${request.method} ${request.url.split('?', 1)[0]}`;
  if (route !== 'GET /whoami' && route !== 'POST /notes') {
    return send(response, 404, { error: { code: 'not_found', message: `no ${route} here` } });
  }
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  // A GET's body is not checked; a POST's must be the one signed.
  const body = request.method === 'POST' ? Buffer.concat(chunks) : undefined;
  try {
    const identity = await identify(request, body, publicUrl);
    if (route === 'POST /notes') return send(response, 200, { identity, bytes: body.length });
    return send(response, 200, identity);
  } catch (error) {
    if (!(error instanceof CountersignError)) throw error;
    const status = STATUS[error.code] ?? 401;
    const headers = status === 401 ? { 'www-authenticate': 'Countersign' } : {};
    return send(response, status, { error: { code: error.code, message: error.message } }, headers);
  }
}

let publicUrl = args['public-url']?.replace(/\/+$/, '');
const server = http.createServer((request, response) => {
  handle(request, response, publicUrl).catch((error) => {
    console.error(error);
    if (!response.headersSent) send(response, 500, { error: { code: 'internal', message: 'failed' } });
  });
});
server.listen(Number(args.port), args.host, () => {
  const { port } = server.address();
  publicUrl ??= `http://${args.host}:${port}`;
  console.log(`relying party listening on ${publicUrl} (countersign service ${args.server})`);
});

/** Stops every long poll and the server. */
async function shutdown() {
  server.close();
  server.closeAllConnections?.();
  for (const watch of watches.values()) watch.then((w) => w.stop(), () => {});
}
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
