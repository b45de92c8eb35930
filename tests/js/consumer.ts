// A sample consumer of the package, type-checked against its declarations
// (npx --yes -p typescript@5 tsc -p tests/js). It is what a web app writes:
// load the wasm, request a login, show where to approve it, wait, send
// signed requests, log out or cancel; and what a relying party writes:
// watch the session and verify the requests.

import init, {
  CountersignError,
  LoginSession,
  SessionWatch,
  buildStatement,
  listDevices,
  parseAuthorisation,
  readAccount,
  requestLogin,
  verifyApproval,
  verifyAuthorisation,
  type AuthorisationInfo,
  type DeviceInfo,
  type DeviceKey,
  type ErrorCode,
  type Identity,
  type Login,
  type RequestLoginOptions,
  type SignedStatementJson,
  type Status,
  type Verification,
} from 'countersign';

/** What the app shows while it waits. */
export interface Prompt {
  url: string;
  code: number;
  expiresAt: Date;
}

/** Requests a login for `username` and waits for the decision. */
export async function signIn(
  server: string,
  username: string,
  show: (prompt: Prompt) => void,
): Promise<LoginSession | null> {
  await init();
  const options: RequestLoginOptions = { server, username, message: 'sign in', scope: ['openid'] };
  const login: Login = await requestLogin(options);
  show({
    url: login.loginUrl,
    code: login.verificationCode,
    expiresAt: new Date(login.expiresAtMs),
  });
  try {
    const session: LoginSession = await login.approved;
    const status: Status = session.status;
    const device: string | undefined = session.deviceUid;
    const loggedInAt: number | undefined = session.loginTimeMs;
    const url: string = session.loginUrl(server);
    console.log(status, device, loggedInAt, url, session.shortUid, session.encodedUsername);
    console.log(session.requestSource, session.logoutTimeMs, session.expiresAtMs, session.scope);
    // The seed's names, kept as methods.
    const seedTime: number | undefined = session.login_time();
    console.log(session.short_uid(), session.device_uid(), seedTime);
    return session;
  } catch (error) {
    if (error instanceof CountersignError) {
      const code: ErrorCode = error.code;
      const ended: Status | undefined = error.session?.status;
      console.log(`${describe(code)}: ${error.message}`, ended);
      return null;
    }
    throw error;
  } finally {
    login.free();
  }
}

/** What to tell the user: the codes are a union, so a misspelt one fails
 * to type-check (see misspelt.ts). */
function describe(code: ErrorCode): string {
  switch (code) {
    case 'denied':
      return 'you said no';
    case 'suspicious':
      return 'reported as suspicious';
    case 'expired':
      return 'too late';
    case 'network':
      return 'the service is unreachable';
    case 'rate_limited':
      return 'too many tries';
    default:
      return code;
  }
}

/** Sends a request signed with an approved login. */
export async function upload(login: Login, url: string, body: string): Promise<Response> {
  const header: string = login.authorise(`POST ${url}`, { body });
  const bytes: string = login.authorise(`POST ${url}`, { body: new TextEncoder().encode(body) });
  const plain: string = login.authorise(`GET ${url}`);
  console.log(bytes.length, plain.length);
  return fetch(url, { method: 'POST', headers: { Authorization: header }, body });
}

/** Gives up a login nobody has approved yet. */
export async function giveUp(login: Login): Promise<boolean> {
  const session: LoginSession = await login.cancel();
  const cancelled: boolean = session.wasCancelled;
  return cancelled;
}

/** A relying party: one watch per session, each request verified offline. */
export class RelyingParty {
  private readonly watches = new Map<string, Promise<SessionWatch>>();

  constructor(private readonly server: string) {}

  /** Who sent `header` for `resource`, or why not. */
  async who(header: string, resource: string, body?: Uint8Array): Promise<Identity | ErrorCode> {
    try {
      const info: AuthorisationInfo = parseAuthorisation(header);
      let watch = this.watches.get(info.sessionUid);
      if (!watch) {
        watch = SessionWatch.start({ server: this.server, sessionUid: info.sessionUid });
        this.watches.set(info.sessionUid, watch);
      }
      const started: SessionWatch = await watch;
      const status: Status = started.session.status;
      const heard: number = started.heardAtMs;
      console.log(status, heard, started.server, started.sessionUid);
      const identity: Identity = started.verify(header, { resource, body, once: true });
      const again: Identity = await verifyAuthorisation(header, { resource, watch: started });
      console.log(again.loginExpiresAtMs, identity.scope.join(' '), identity.nonce, info.bodySha256);
      return identity;
    } catch (error) {
      if (error instanceof CountersignError) return error.code;
      throw error;
    }
  }

  /** The service checks it, once. */
  async once(header: string, resource: string): Promise<string> {
    const identity = await verifyAuthorisation(header, { resource, server: this.server, once: true });
    return identity.username;
  }

  async close(): Promise<void> {
    for (const watch of this.watches.values()) (await watch).stop();
  }
}

/** What a refused request is told: the package's own code for a silent
 * service is in the union too. */
export function refusal(code: ErrorCode): number {
  return code === 'out_of_touch' ? 503 : code === 'already_used' ? 409 : 401;
}

/** Logs out of a login requested earlier. */
export async function signOut(login: Login): Promise<boolean> {
  const session = await login.logout();
  return session.status === 'logged_out' && session.logoutTimeMs !== undefined;
}

/** The device keys this browser keeps for a user, by name and fingerprint. */
export async function keptKeys(server: string, username: string): Promise<string[]> {
  const keys: DeviceKey[] = await listDevices({ server, username });
  return keys.map((key) => `${key.name} (${key.fingerprint})`);
}

/** The devices the service has registered for the user of a kept key. */
export async function registeredDevices(deviceUid: string): Promise<DeviceInfo[]> {
  return (await readAccount({ deviceUid })).devices.filter((d) => d.revokedAtMs === undefined);
}

/** Reads a session the service sent, and checks a device's approval of it. */
export function check(json: string, signed: SignedStatementJson, key: string): Verification {
  const session = LoginSession.fromJson(json);
  const checked = verifyApproval(session.toJSON(), signed, key, 'https://cs.example', Date.now());
  if (checked.action !== 'approve') throw new CountersignError('wrong_statement', checked.action);
  return checked;
}

/** The bytes a key held elsewhere signs to deny a session. */
export function denialBytes(session: LoginSession, deviceUid: string): Uint8Array {
  const details = session.detailsDigest;
  if (details === undefined) throw new Error('the session is closed');
  const service = 'https://cs.example';
  return buildStatement({ action: 'deny', session: session.uid, details }, service, deviceUid, Date.now())
    .bytes();
}

// The declarations refuse what the package would refuse.
// @ts-expect-error: the username is required
void requestLogin({ server: 'https://cs.example' });
// @ts-expect-error: a claim's action is one of the known ones
void buildStatement({ action: 'fly', session: '', details: '' }, 'https://cs.example', 'requester', 0);
// @ts-expect-error: a body is text or bytes
export const badBody = (login: Login) => login.authorise('GET /x', { body: 7 });
// @ts-expect-error: verify needs the resource
export const noResource = (watch: SessionWatch) => watch.verify('token', {});
// @ts-expect-error: signWithSessionKey is gone
export const gone = (login: Login) => login.signWithSessionKey(new Uint8Array());
