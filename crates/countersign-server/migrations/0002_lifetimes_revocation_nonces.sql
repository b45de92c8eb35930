-- Written for SQLite; PostgreSQL runs it as it is (the store's dialect
-- rewrite finds nothing to change here). Approved logins run out too,
-- revoking a device ends the logins it approved, and single-use
-- authorisations record their nonces.

-- When a session's current status ends by itself (the core's
-- `runs_out_at()`): a pending session's `expires_at`, an approved one's
-- `login_expires_at`, NULL once nothing ends it. The sweeper looks here.
-- Every insert and compare-and-set keeps it; the store fills it in for the
-- live rows written before it existed (their `login_expires_at` is inside
-- the JSON body), in this migration's transaction.
ALTER TABLE sessions ADD COLUMN runs_out_at TEXT;
-- The device that approved the session, for the revocation cascade; filled
-- in the same way.
ALTER TABLE sessions ADD COLUMN device_uid TEXT;
DROP INDEX sessions_pending_expiry;
CREATE INDEX sessions_runs_out ON sessions (runs_out_at) WHERE runs_out_at IS NOT NULL;
CREATE INDEX sessions_live_device ON sessions (device_uid) WHERE live = 1;

-- What an audit entry says beyond its columns, such as the revocation that
-- logged a session out.
ALTER TABLE audit ADD COLUMN note TEXT;

-- The nonces of authorisations accepted with `once`: the primary key makes
-- the second use of a token fail to insert, on every instance at once. Per
-- session, so that one requester cannot use up another's nonce. A nonce is
-- kept until its token is stale everywhere (`expires_at`), then swept.
CREATE TABLE used_nonces (
    session_uid TEXT NOT NULL,
    nonce TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    PRIMARY KEY (session_uid, nonce)
);
CREATE INDEX used_nonces_expiry ON used_nonces (expires_at);
