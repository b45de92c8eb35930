//! The cap on pending requests for one username (`--max-pending-per-user`):
//! anyone may ask for a login for any name, and without a cap a flood of
//! requests would bury the user's account view and approval page under
//! junk. The INSERT counts it (`store`); this is the refusal's answer.

use chrono::TimeDelta;

use crate::error::ApiError;
use crate::state::AppState;

/// Refuses a request for `username` when as many are pending as the
/// service allows (`429 too_many_pending`): anyone may ask for a login for
/// any name, and without a cap a flood of requests would bury the user's
/// account view and their approval page under junk.
pub async fn refuse_flood(state: &AppState, username: &str) -> Result<(), ApiError> {
    let now = state.clock.now();
    let (pending, first_out) = state.store.pending_for(username, now).await?;
    if pending >= state.config.max_pending_per_user {
        // The soonest a slot frees without anyone deciding: when the
        // oldest pending request runs out.
        let wait = first_out.map_or(TimeDelta::zero(), |at| at - now);
        let retry_after_s = u64::try_from(wait.num_seconds().saturating_add(1)).unwrap_or(1);
        return Err(ApiError::TooManyPending {
            pending,
            retry_after_s,
        });
    }
    Ok(())
}
