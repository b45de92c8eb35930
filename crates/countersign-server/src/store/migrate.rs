//! The schema, brought up to date when the store opens: the SQL files in
//! `migrations/`, in SQLite's dialect and rewritten for PostgreSQL where the
//! two differ, each applied once in a transaction of its own, and the data
//! a migration needs that SQL alone cannot compute on both backends.

use countersign_core::{LoginSession, PublicKey};
use sha2::{Digest as _, Sha256};
use sqlx::Row as _;
use uuid::Uuid;

use super::{Backend, Store, StoreError, time_text};

/// The schema, version by version, in SQLite's dialect.
const MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../../migrations/0001_init.sql")),
    (
        2,
        include_str!("../../migrations/0002_lifetimes_revocation_nonces.sql"),
    ),
    (3, include_str!("../../migrations/0003_drawn_codes.sql")),
    (4, include_str!("../../migrations/0004_used_statements.sql")),
    (5, include_str!("../../migrations/0005_users_disabled.sql")),
    (6, include_str!("../../migrations/0006_passkeys.sql")),
    (7, include_str!("../../migrations/0007_recovery.sql")),
    (8, include_str!("../../migrations/0008_audit_fields.sql")),
];

/// A migration in PostgreSQL's dialect: the two differ only in how the
/// audit log numbers its rows.
pub(super) fn postgres_dialect(sql: &str) -> String {
    sql.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
}

impl Store {
    pub(super) async fn migrate(&self) -> Result<(), StoreError> {
        for (version, sql) in MIGRATIONS {
            let mut tx = self.pool.begin().await?;
            if self.backend == Backend::Postgres {
                // Instances starting together on one database take turns.
                sqlx::query(
                    "SELECT COUNT(*) FROM (SELECT pg_advisory_xact_lock(7243117)) AS locked",
                )
                .execute(&mut *tx)
                .await?;
            }
            sqlx::query("CREATE TABLE IF NOT EXISTS schema_version (version BIGINT PRIMARY KEY)")
                .execute(&mut *tx)
                .await?;
            let done = sqlx::query("SELECT version FROM schema_version WHERE version = $1")
                .bind(*version)
                .fetch_optional(&mut *tx)
                .await?;
            if done.is_none() {
                let sql = match self.backend {
                    Backend::Sqlite => (*sql).to_owned(),
                    Backend::Postgres => postgres_dialect(sql),
                };
                sqlx::raw_sql(&sql).execute(&mut *tx).await?;
                if *version == 2 {
                    fill_run_out_and_approver(&mut tx).await?;
                }
                if *version == 3 {
                    fill_derived_codes(&mut tx).await?;
                }
                sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
                    .bind(*version)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        }
        Ok(())
    }
}

/// Migration 2's data: `runs_out_at` and `device_uid` of the live sessions
/// written before the columns existed, read from their JSON bodies (an
/// approved row's `login_expires_at` may not even be there: the core gives
/// it the default lifetime). Final sessions keep NULLs, which is right for
/// them. Done in Rust, once, because the two backends read JSON and add
/// hours to text times with different functions.
async fn fill_run_out_and_approver(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
) -> Result<(), StoreError> {
    let rows = sqlx::query("SELECT body FROM sessions WHERE live = 1")
        .fetch_all(&mut **tx)
        .await?;
    for row in rows {
        let body: String = row.try_get("body")?;
        let session =
            LoginSession::from_json(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        sqlx::query("UPDATE sessions SET runs_out_at = $1, device_uid = $2 WHERE uid = $3")
            .bind(session.runs_out_at().map(time_text))
            .bind(session.device_uid().map(|uid| uid.to_string()))
            .bind(session.uid().to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// Migration 3's data: the verification code of each session written
/// before codes were drawn and stored, as its requester was shown it then
/// (derived from the uid and the requester's keys), for the live rows
/// whose keys are still held. So a request pending across the upgrade is
/// approved with the code its requester printed. In Rust, once, because
/// neither backend's SQL has SHA-256 on both.
async fn fill_derived_codes(tx: &mut sqlx::Transaction<'_, sqlx::Any>) -> Result<(), StoreError> {
    let rows = sqlx::query("SELECT body FROM sessions WHERE live = 1")
        .fetch_all(&mut **tx)
        .await?;
    for row in rows {
        let body: String = row.try_get("body")?;
        let session =
            LoginSession::from_json(&body).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let (Some(key), Some(cert)) = (session.public_key(), session.public_cert()) else {
            continue;
        };
        sqlx::query("UPDATE sessions SET verification_code = $1 WHERE uid = $2")
            .bind(i64::from(derived_code(&session.uid(), key, cert)))
            .bind(session.uid().to_string())
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

/// The code the service derived before it drew codes at random: SHA-256
/// over length-prefixed fields (a domain, the uid, both keys), its first
/// two bytes as a big-endian number, modulo 90, plus 10. Kept here only to
/// carry requests made before the upgrade over it.
fn derived_code(uid: &Uuid, public_key: &PublicKey, public_cert: &PublicKey) -> u8 {
    let mut hasher = Sha256::new();
    let fields: [&[u8]; 4] = [
        b"countersign/verification-code/v1",
        uid.as_bytes(),
        &public_key.to_bytes(),
        &public_cert.to_bytes(),
    ];
    for field in fields {
        let len = u64::try_from(field.len()).unwrap_or(u64::MAX);
        hasher.update(len.to_be_bytes());
        hasher.update(field);
    }
    let digest: [u8; 32] = hasher.finalize().into();
    let wide = u16::from_be_bytes([digest[0], digest[1]]);
    // wide % 90 < 90, so the sum fits in u8.
    10 + u8::try_from(wide % 90).unwrap_or(0)
}
