//! Client logic written once for every client of the service (the command
//! line, the browser glue and web app, the npm package): what a decision
//! signs, how a requester waits, and how pasted URLs and links are read.
//! Pure like the rest of the crate: the callers do the IO and pass the time.
//!
//! - [`Decision`] and [`logout_claim`]: the claims an approver or a
//!   requester signs for a session as shown.
//! - [`Refusal`]: the service's refusal (its error body, the HTTP status
//!   and `Retry-After`) as every client holds it; [`ClientCode`]: the codes
//!   clients give their own failures, and [`Code`], either kind.
//! - [`WaitPolicy`] and [`Waiting`]: what to retry while waiting for a
//!   decision, how long to pause, when to give up.
//! - [`ServiceUrl`], [`EnrollmentLink`], [`LoginLink`]: one normal form for
//!   a service's URL, and the links people paste.
//! - [`SessionWatch`]: a relying party's copy of a session, kept current by
//!   the long poll, to verify authorisations offline; [`PollPolicy`] and
//!   [`Polling`]: how every watch paces that long poll (ask again, pause,
//!   stop).

mod client_code;
mod decision;
mod link_error;
mod links;
mod polling;
mod refusal;
mod service_url;
mod wait;
mod watch;

pub use client_code::{ClientCode, Code};
pub use decision::{Decision, logout_claim};
pub use link_error::{LinkError, MAX_URL_LEN};
pub use links::{EnrollmentLink, LoginLink};
pub use polling::{Next, PollPolicy, Polling};
pub use refusal::{Refusal, parse_retry_after};
pub use service_url::ServiceUrl;
pub use wait::{Attempt, Failure, Step, WaitPolicy, Waiting};
pub use watch::{OtherSession, SessionWatch, WatchError, WatchPolicy};
