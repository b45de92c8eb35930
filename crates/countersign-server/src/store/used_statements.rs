//! Account statements accepted once: the SHA-256 of each one's signature,
//! recorded under a primary key in the same transaction as the statement's
//! effect (or, for a read, in a transaction of its own before the answer),
//! so a replay within the freshness window is refused on every instance;
//! swept once the statement is stale everywhere.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use chrono::{DateTime, TimeDelta, Utc};
use countersign_core::{Freshness, SignedStatement};
use sha2::{Digest as _, Sha256};

use super::{Store, StoreError, time_text};

/// How long a recorded statement outlives its freshness, so that an
/// instance whose clock is behind by up to this much still finds it.
pub const USED_GRACE: TimeDelta = TimeDelta::minutes(1);

/// The mark an accepted account statement leaves: the hash of its signature
/// and until when it is kept.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsedStatement {
    signature_hash: String,
    expires_at: DateTime<Utc>,
}

impl UsedStatement {
    /// The mark of `signed`, kept while any instance (whose clock may be
    /// behind by up to [`USED_GRACE`]) could still find it fresh under
    /// `window`. Only the signer's key makes another valid signature of
    /// the same bytes (the verifier refuses the malleable forms), so a
    /// captured copy always carries the signature recorded.
    pub fn of(signed: &SignedStatement, window: Freshness) -> Self {
        let kept_for = window.max_age + USED_GRACE;
        Self {
            signature_hash: URL_SAFE_NO_PAD.encode(Sha256::digest(signed.signature.to_bytes())),
            expires_at: signed
                .statement
                .signed_at
                .checked_add_signed(kept_for)
                .unwrap_or(DateTime::<Utc>::MAX_UTC),
        }
    }
}

/// Records `used` in `tx`, or [`StoreError::StatementUsed`] if it is there
/// already (a replay): the caller's transaction is then dropped, undoing
/// whatever it did. On PostgreSQL a copy inserted by a transaction still
/// open elsewhere is waited for, so exactly one of them commits.
pub(super) async fn record_in(
    tx: &mut sqlx::Transaction<'_, sqlx::Any>,
    used: &[UsedStatement],
) -> Result<(), StoreError> {
    for mark in used {
        let inserted = sqlx::query(
            "INSERT INTO used_statements (signature_hash, expires_at) VALUES ($1, $2) \
             ON CONFLICT DO NOTHING",
        )
        .bind(mark.signature_hash.clone())
        .bind(time_text(mark.expires_at))
        .execute(&mut **tx)
        .await?
        .rows_affected();
        if inserted != 1 {
            return Err(StoreError::StatementUsed);
        }
    }
    Ok(())
}

impl Store {
    /// Records an account statement whose effect is a read (the account
    /// view), in a transaction of its own, before the answer is made:
    /// [`StoreError::StatementUsed`] if it was accepted before.
    pub async fn record_used(&self, used: &UsedStatement) -> Result<(), StoreError> {
        let _timer = self.timed(super::StoreOp::AccountWrite);
        let mut tx = self.pool.begin().await?;
        record_in(&mut tx, std::slice::from_ref(used)).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Forgets the statements kept until before `now`. Answers how many.
    pub async fn prune_used_statements(&self, now: DateTime<Utc>) -> Result<u64, StoreError> {
        let _timer = self.timed(super::StoreOp::Sweep);
        let deleted = sqlx::query("DELETE FROM used_statements WHERE expires_at < $1")
            .bind(time_text(now))
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(deleted)
    }
}
