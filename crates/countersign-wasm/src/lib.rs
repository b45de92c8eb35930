//! countersign for JavaScript apps, through wasm-bindgen: the npm package
//! `countersign` (built by `build.sh` into `pkg/`).
//!
//! - Requesting a login: [`request_login`] (`requestLogin`) makes the
//!   session's keys in wasm, asks the service and waits by long poll; the
//!   [`Login`] it returns signs authorisations once approved
//!   (`authorise(resource, { body })`, the `Authorization` header), the
//!   logout, and the cancel of a pending request.
//! - Relying parties: [`SessionWatch`] keeps a session current by the long
//!   poll and verifies tokens offline; `verifyAuthorisation` verifies with
//!   a watch or through the service; `parseAuthorisation` reads a token's
//!   session before any check.
//! - Sessions: [`LoginSession`], the core session: plain data as getters,
//!   times in milliseconds (`loginTimeMs`), the seed's operations under
//!   the seed's names as aliases (`short_uid()`, `login_time()`).
//! - Approving with a device key kept in the browser (IndexedDB, so
//!   browsers only): `enrollDevice`, `listDevices` (of `DeviceKey`s),
//!   `approve`, `deny`, `reportSuspicious`, `revokeDevice` (at once, or
//!   pending a delay the older device can `cancelRevocation`) and the rest in
//!   [`devices`], which call the web app's own `countersign_browser` code.
//! - Statements: `buildStatement` for keys held elsewhere, and the offline
//!   checks `verifyStatement` and `verifyApproval`.
//! - Errors: one class, [`CountersignError`], with a stable `code`: the
//!   service's `ErrorCode` or one of the package's few own codes (core's
//!   `ClientCode`s listed in [`PACKAGE_CODES`]), one TypeScript union
//!   `ErrorCode` of both.
//!
//! Every export has an explicit camelCase JavaScript name; times are
//! `...Ms` numbers (milliseconds since the epoch, `undefined` when absent).

use wasm_bindgen::prelude::*;

mod authorisation;
mod codes;
mod convert;
#[cfg(feature = "devices")]
pub mod devices;
mod error;
mod request;
mod session;
mod statement;
mod timer;
mod watch;

pub use authorisation::{parse_authorisation, verify_authorisation};
pub use codes::{ERROR_CODE_TYPE, PACKAGE_CODES};
pub use error::{CountersignError, Failure};
pub use request::{Login, request_login};
pub use session::LoginSession;
pub use statement::{Statement, build_statement, verify_approval, verify_statement};
pub use watch::SessionWatch;

#[wasm_bindgen(typescript_custom_section)]
const TYPES: &str = r#"
/** A session's status. */
export type Status = 'pending' | 'approved' | 'denied' | 'suspicious' | 'expired' | 'logged_out';

/** What `requestLogin` takes. Scope and permissions: a list of tokens, or
 * one string of tokens separated by blanks or commas. */
export interface RequestLoginOptions {
  /** The service, such as `https://cs.example`. */
  server: string;
  /** Who the login is for. */
  username: string;
  /** A message for the approver, such as what the login is for. */
  message?: string;
  /** The name this host gives itself (shown to the approver; not checked). */
  hostname?: string;
  scope?: string[] | string;
  permissions?: string[] | string;
}

/** What `LoginSession.load` takes. */
export interface LoadOptions {
  server: string;
  uid: string;
  scope?: string[] | string;
  permissions?: string[] | string;
}

/** What `LoginSession.loadByShortUid` takes. */
export interface LoadByShortUidOptions {
  server: string;
  shortUid: string;
  status: Status;
  scope?: string[] | string;
  permissions?: string[] | string;
}

/** What `enrollDevice` takes. */
export interface EnrollDeviceOptions {
  /** The one-time link, `.../enroll?token=...` (or `#token=...`). */
  enrollmentUrl: string;
  /** The name to give this device, such as "Work laptop". */
  name: string;
}

/** What `listDevices` takes. */
export interface ListDevicesOptions {
  server?: string;
  username?: string;
}

/** What `approvalDetails` takes. */
export interface ApprovalOptions {
  /** The login URL, `.../s?id=xx.xx.xx.xx`. */
  loginUrl: string;
}

/** What `deny` and `reportSuspicious` take. Without `deviceUid`, the only
 * key this browser holds for the session's user signs. */
export interface DecisionOptions {
  loginUrl: string;
  deviceUid?: string;
}

/** What `approve` takes: also the code the requester shows. */
export interface ApproveOptions extends DecisionOptions {
  code: number;
}

/** What `forgetDevice`, `readAccount` and `inviteDevice` take. */
export interface DeviceOptions {
  /** When given, the kept key must be registered with this service. */
  server?: string;
  deviceUid: string;
}

/** What `revokeDevice` takes: the kept key `deviceUid` signs the
 * revocation of `targetDeviceUid`. */
export interface RevokeDeviceOptions extends DeviceOptions {
  targetDeviceUid: string;
}

/** A device as the service registered it (its public key only). A key this
 * browser keeps for a device is a `DeviceKey`. */
export interface DeviceInfo {
  uid: string;
  userUid: string;
  name: string;
  publicKey: string;
  createdAtMs: number;
  revokedAtMs: number | undefined;
}

/** A user's devices, recent sessions and pending revocations. */
export interface Account {
  user: { uid: string; username: string };
  devices: DeviceInfo[];
  sessions: LoginSession[];
  /** Revocations waiting out the service's delay (`cancelRevocation`). */
  pendingRevocations: PendingRevocation[];
}

/** What an approval page shows for a pending request. */
export interface ApprovalDetails {
  session: LoginSession;
  publicKeyFingerprint: string | undefined;
  publicCertificateFingerprint: string | undefined;
}

/** What a signed statement says, as the service's JSON. */
export type Claim =
  | { action: 'approve'; session: string; details: string; code: number }
  | { action: 'deny' | 'report_suspicious' | 'logout'; session: string; details: string }
  | { action: 'enroll_device'; user: string; device: string; device_key: string; device_name: string }
  | { action: 'revoke_device' | 'cancel_revocation'; user: string; device: string }
  | { action: 'cancel_invite'; user: string; invite: string }
  | { action: 'read_account' | 'invite_device' | 'read_audit'; user: string };

/** A statement as the service's JSON (statement format 2). */
export interface StatementJson {
  format: 'countersign-statement/2';
  /** The public URL of the service it is for, in its normal form. */
  service: string;
  claim: Claim;
  signer: { device: string } | 'requester';
  /** RFC 3339, to the millisecond. */
  signed_at: string;
}

/** A signed statement as the service takes it. */
export interface SignedStatementJson {
  statement: StatementJson;
  /** Ed25519, URL-safe base64 without padding. */
  signature: string;
}

/** A session as the service's JSON (what `LoginSession.toJSON` gives and
 * `LoginSession.fromJson` reads). Times are RFC 3339 text here. */
export interface LoginSessionJson {
  uid: string;
  short_uid?: string;
  username: string;
  request_datetime: string;
  expires_at: string;
  status_datetime: string;
  public_key: string | null;
  public_certificate: string | null;
  status: Status;
  login_datetime: string | null;
  logout_datetime: string | null;
  ipaddr: string;
  hostname: string | null;
  login_message: string | null;
  scope: string[];
  permissions: string[];
  user_uid: string | null;
  device_uid: string | null;
  /** When an approved login ends. */
  login_expires_at?: string | null;
  /** What the session grants: empty unless it is approved. */
  granted_scope?: string[];
  granted_permissions?: string[];
  /** Why a denied session was denied: `wrong_code` after a wrong code. */
  deny_reason?: 'wrong_code' | null;
}

/** A request body an authorisation binds: a string (its UTF-8 bytes, as
 * `fetch` sends it) or bytes (a Node `Buffer` is a `Uint8Array`). */
export type Body = string | Uint8Array;

/** What `Login.authorise` takes. */
export interface AuthoriseOptions {
  /** The request body, bound by its SHA-256. */
  body?: Body;
}

/** What `SessionWatch.start` takes. */
export interface SessionWatchOptions {
  /** The countersign service, named as the requester named it. */
  server: string;
  /** The session to watch (`parseAuthorisation(token).sessionUid`). */
  sessionUid: string;
}

/** What `SessionWatch.verify` takes. */
export interface WatchVerifyOptions {
  /** The resource the request asks for, as the requester must have named
   * it, such as `GET https://api.example/v1/files`. */
  resource: string;
  /** The body received; when given, it must be the one signed (a token
   * that bound no body matches only an empty one). */
  body?: Body;
  /** Refuse a token this watch accepted before (`already_used`). */
  once?: boolean;
}

/** What `verifyAuthorisation` takes: a `watch` to verify offline, or the
 * `server` to ask. */
export interface VerifyAuthorisationOptions extends WatchVerifyOptions {
  watch?: SessionWatch;
  server?: string;
}

/** Who an accepted authorisation speaks for, and what its session grants. */
export interface Identity {
  userUid: string;
  username: string;
  sessionUid: string;
  /** The scope granted. */
  scope: string[];
  /** The permissions granted. */
  permissions: string[];
  /** When the login ends. */
  loginExpiresAtMs: number;
  /** When the token was signed. */
  signedAtMs: number;
  /** The token's nonce, unique to it. */
  nonce: string;
}

/** What a token says, read without any check (`parseAuthorisation`). */
export interface AuthorisationInfo {
  sessionUid: string;
  userUid: string;
  service: string;
  resource: string;
  /** The SHA-256 of the bound body, or `undefined`. */
  bodySha256: string | undefined;
  signedAtMs: number;
  nonce: string;
}

/** A kept device key's public parts (what `DeviceKey.toJSON` gives). */
export interface DeviceKeyJson {
  deviceUid: string;
  userUid: string;
  username: string;
  server: string;
  name: string;
  publicKey: string;
  backend: 'webcrypto' | 'wrapped';
}

/** What `verifyApproval` answers. */
export interface Verification {
  action: 'approve' | 'deny' | 'report_suspicious' | 'logout';
  deviceUid: string | undefined;
  signedAtMs: number;
}

/** @deprecated Now `DeviceKeyJson`. */
export type DeviceJson = DeviceKeyJson;
/** @deprecated Now `DeviceInfo`, as the service and the core name it. */
export type RegisteredDevice = DeviceInfo;
"#;
