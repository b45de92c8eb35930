//! The shape most account writes share: one statement that must change
//! exactly one row, committed with its audit row and the account
//! statements that asked for it, or nothing written at all.

use sqlx::any::AnyArguments;
use sqlx::query::Query;

use super::used_statements::{UsedStatement, record_in};
use super::{AuditEntry, Store, StoreError, insert_audit};

/// A statement with its values bound, ready to run.
pub(super) type Bound<'q> = Query<'q, sqlx::Any, AnyArguments<'q>>;

impl Store {
    /// In one transaction, in this order: records `used` (none for an
    /// operator's act; [`StoreError::StatementUsed`] for a replay), runs
    /// `change`, and if it changed exactly one row writes `entry` and
    /// commits, answering `true`. Otherwise the transaction is dropped,
    /// the statements recorded with it, and the answer is `false`: a
    /// refused change leaves its statement free to be sent again.
    pub(super) async fn change_one(
        &self,
        change: Bound<'_>,
        entry: &AuditEntry,
        used: &[UsedStatement],
    ) -> Result<bool, StoreError> {
        let mut tx = self.pool.begin().await?;
        record_in(&mut tx, used).await?;
        if change.execute(&mut *tx).await?.rows_affected() != 1 {
            return Ok(false);
        }
        insert_audit(&mut tx, entry).await?;
        tx.commit().await?;
        Ok(true)
    }
}
