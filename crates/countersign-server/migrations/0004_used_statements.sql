-- Written for SQLite; PostgreSQL runs it as it is. Account statements
-- (invite_device, read_account, revoke_device, enroll_device) are
-- single-use: the SHA-256 of each accepted one's signature is recorded
-- under this primary key, in the transaction of the statement's effect, so
-- of any number of copies sent to any number of instances exactly one is
-- accepted. A row is kept until its statement is stale on every instance
-- (`expires_at`), then swept.
CREATE TABLE used_statements (
    signature_hash TEXT PRIMARY KEY,
    expires_at TEXT NOT NULL
);
CREATE INDEX used_statements_expiry ON used_statements (expires_at);
