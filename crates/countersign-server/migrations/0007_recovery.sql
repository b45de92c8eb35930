-- Written for SQLite; PostgreSQL runs it as it is. Recovery a thief cannot
-- block: enrollment links die with the device that made them, and a device
-- revoking an older one waits out a delay the older one can cancel.

-- The device whose invite_device statement made the link; NULL for an
-- operator's (`admin user add`, `admin user enroll-link`). A link whose
-- device is revoked enrolls nothing.
ALTER TABLE enrollments ADD COLUMN invited_by TEXT;
CREATE INDEX enrollments_user ON enrollments (user_uid);

-- Revocations waiting out `serve --revocation-delay-h`: at most one per
-- device. Deleted when applied or cancelled (the audit log keeps both);
-- void once the device that asked is itself revoked.
CREATE TABLE pending_revocations (
    device_uid TEXT PRIMARY KEY,
    user_uid TEXT NOT NULL,
    requested_by TEXT NOT NULL,
    requested_at TEXT NOT NULL,
    due_at TEXT NOT NULL,
    source TEXT
);
CREATE INDEX pending_revocations_due ON pending_revocations (due_at);
CREATE INDEX pending_revocations_user ON pending_revocations (user_uid);

-- Every request counts its username's pending requests (the cap of `serve
-- --max-pending-per-user`): this index answers the count and the soonest
-- run-out from its own entries, however many sessions the name has had.
CREATE INDEX sessions_username_live ON sessions (username, status, runs_out_at) WHERE live = 1;
-- The account view lists a username's live sessions, newest first,
-- whatever their age, without walking its closed ones.
CREATE INDEX sessions_username_live_requested ON sessions (username, request_datetime) WHERE live = 1;
CREATE INDEX audit_user ON audit (user_uid);
