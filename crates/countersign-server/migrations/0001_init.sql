-- Written for SQLite; the store rewrites the one line that differs for
-- PostgreSQL (see `postgres_dialect` in src/store.rs).
-- Users, their device public keys, one-time enrollment links, login sessions
-- and the audit log. Times are RFC 3339 UTC text to the millisecond, which
-- sorts as time does. Private keys are never stored.
CREATE TABLE users (
    uid TEXT PRIMARY KEY,
    username TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL
);

CREATE TABLE devices (
    uid TEXT PRIMARY KEY,
    user_uid TEXT NOT NULL REFERENCES users (uid),
    name TEXT NOT NULL,
    public_key TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    revoked_at TEXT
);
CREATE INDEX devices_user ON devices (user_uid);

CREATE TABLE enrollments (
    token_hash TEXT PRIMARY KEY,
    user_uid TEXT NOT NULL REFERENCES users (uid),
    expires_at TEXT NOT NULL,
    used_at TEXT
);

CREATE TABLE sessions (
    uid TEXT PRIMARY KEY,
    short_uid TEXT NOT NULL,
    username TEXT NOT NULL,
    request_datetime TEXT NOT NULL,
    status TEXT NOT NULL,
    live INTEGER NOT NULL,
    expires_at TEXT NOT NULL,
    version BIGINT NOT NULL,
    body TEXT NOT NULL
);
-- A short uid names one live session at most; a clash makes the service draw
-- a new uid (the seed's regenerate_uid).
CREATE UNIQUE INDEX sessions_live_short_uid ON sessions (short_uid) WHERE live = 1;
CREATE INDEX sessions_username ON sessions (username, request_datetime);
CREATE INDEX sessions_short_uid ON sessions (short_uid);
CREATE INDEX sessions_pending_expiry ON sessions (expires_at) WHERE status = 'pending';

CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    session_uid TEXT,
    subject TEXT NOT NULL,
    action TEXT NOT NULL,
    from_status TEXT,
    to_status TEXT,
    user_uid TEXT,
    device_uid TEXT,
    source TEXT
);
CREATE INDEX audit_session ON audit (session_uid);
