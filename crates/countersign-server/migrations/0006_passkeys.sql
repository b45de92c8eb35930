-- Written for SQLite; PostgreSQL runs it as it is. A device may have a
-- passkey (a WebAuthn credential) that confirms its person before the
-- device key signs; registrations in progress wait here for their answer.

-- One passkey per device: its credential id (base64url), the WebAuthn
-- library's record of it (JSON: public key, algorithm, flags) and the
-- signature counter last accepted, which only grows.
CREATE TABLE passkeys (
    device_uid TEXT PRIMARY KEY REFERENCES devices (uid),
    credential_id TEXT NOT NULL UNIQUE,
    credential TEXT NOT NULL,
    sign_count BIGINT NOT NULL,
    created_at TEXT NOT NULL
);

-- The registration a device asked for and has not yet answered: the
-- library's state (the challenge it was given), until it expires.
CREATE TABLE passkey_registrations (
    device_uid TEXT PRIMARY KEY REFERENCES devices (uid),
    state TEXT NOT NULL,
    expires_at TEXT NOT NULL
);
