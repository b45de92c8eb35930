-- Written for SQLite; PostgreSQL runs it as it is. An operator can disable
-- a user, and the sweeper deletes what is older than the retention window.

-- When an operator disabled the user (`admin user disable`), NULL while
-- enabled: requests for the username and statements from the user's
-- devices are refused while it is set.
ALTER TABLE users ADD COLUMN disabled_at TEXT;

-- Retention finds final sessions by the time they were requested, and the
-- audit rows that are not about a session (enrollment invites) by time.
CREATE INDEX sessions_final_requested ON sessions (request_datetime) WHERE live = 0;
CREATE INDEX audit_at ON audit (at);
