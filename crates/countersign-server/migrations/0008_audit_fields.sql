-- Written for SQLite; PostgreSQL runs it as it is. What readers of the
-- audit log branched on is said in columns rather than in a note's words.

-- The device whose revocation logged a session out; until now the note
-- "revocation of device <uid>" of the logout's row, which moves here (only
-- a note of exactly that form: a uid where the server wrote one).
ALTER TABLE audit ADD COLUMN revoked_device TEXT;
UPDATE audit SET revoked_device = substr(note, 22), note = NULL
WHERE subject = 'session' AND action = 'logout'
    AND note LIKE 'revocation of device ________-____-____-____-____________';

-- Why a session was denied beyond a plain refusal (core's `DenyReason`);
-- until now the note `wrong_code` of the denial's row, which moves here.
ALTER TABLE audit ADD COLUMN deny_reason TEXT;
UPDATE audit SET deny_reason = note, note = NULL
WHERE subject = 'session' AND action = 'deny' AND note = 'wrong_code';
