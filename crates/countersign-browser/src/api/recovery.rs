//! The calls of account recovery and the account's history: a revocation
//! that may wait out the service's delay, cancelling it or an enrollment
//! link, and the account view and audit trail read in pages.

use countersign_core::SignedStatement;
use countersign_core::api::AttestedStatement;
use countersign_core::api::paths;
use countersign_core::api::{
    AccountView, AuditPage, InviteInfo, PageQuery, PendingRevocation, RevokeAnswer,
};

use super::Api;
use crate::error::BrowserError;

impl Api {
    /// Revokes a device: done at once (200), or, for a device enrolled
    /// before the signer, pending until its due time (202) unless that
    /// device cancels it.
    pub async fn revoke(&self, signed: &SignedStatement) -> Result<RevokeAnswer, BrowserError> {
        self.post(paths::DEVICE_REVOKE, signed).await
    }

    /// [`Api::revoke`] with the passkey's assertion, if any.
    pub async fn revoke_attested(
        &self,
        attested: &AttestedStatement,
    ) -> Result<RevokeAnswer, BrowserError> {
        self.post(paths::DEVICE_REVOKE, attested).await
    }

    /// Cancels a pending revocation with a signed `cancel_revocation`
    /// statement (with the passkey's assertion, if any); answers the
    /// revocation that no longer happens.
    pub async fn cancel_revocation(
        &self,
        attested: &AttestedStatement,
    ) -> Result<PendingRevocation, BrowserError> {
        self.post(paths::REVOCATION_CANCEL, attested).await
    }

    /// Cancels an enrollment link not yet used with a signed
    /// `cancel_invite` statement; answers the link, expired now.
    pub async fn cancel_invite(
        &self,
        signed: &SignedStatement,
    ) -> Result<InviteInfo, BrowserError> {
        self.post(paths::ENROLLMENT_CANCEL, signed).await
    }

    /// One page of the signer's account: the first (no cursor) lists every
    /// live session, the pending invites and revocations; `page.before`
    /// (a previous page's `next`) goes on to older closed sessions.
    pub async fn account_page(
        &self,
        signed: &SignedStatement,
        page: &PageQuery,
    ) -> Result<AccountView, BrowserError> {
        // The page's query string comes with its `?`.
        self.post(&format!("{}{}", paths::ACCOUNT, page.to_query()), signed)
            .await
    }

    /// One page of the signer's audit trail, newest first, with a signed
    /// `read_audit` statement; `page.before` goes on to older entries.
    pub async fn audit(
        &self,
        signed: &SignedStatement,
        page: &PageQuery,
    ) -> Result<AuditPage, BrowserError> {
        self.post(
            &format!("{}{}", paths::ACCOUNT_AUDIT, page.to_query()),
            signed,
        )
        .await
    }
}
