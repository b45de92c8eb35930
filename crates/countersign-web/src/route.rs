//! Every page of the app and its path, in one place, with the queries and
//! links pages read from a route. It names pages but imports none: pages
//! import it (to link to each other), and the page for each route is
//! chosen in `app` (`switch`), which imports both.

use countersign_core::client::{EnrollmentLink, LinkError};
use serde::{Deserialize, Serialize};
use yew_router::Routable;
use yew_router::history::Location;

/// The app's pages.
#[derive(Debug, Clone, PartialEq, Eq, Routable)]
pub enum Route {
    /// Paste a short id or login URL.
    #[at("/")]
    Home,
    /// A login URL: `/s?id=xx.xx.xx.xx`.
    #[at("/s")]
    Approve,
    /// An enrollment link: `/enroll#token=...`, as the service makes them
    /// (browsers never send a fragment, so the token stays out of logs and
    /// `Referer` headers; the page sends it in request bodies), or an older
    /// link's `/enroll?token=...`.
    #[at("/enroll")]
    Enroll,
    /// This user's devices.
    #[at("/devices")]
    Devices,
    /// This user's sessions.
    #[at("/sessions")]
    Sessions,
    /// Anything else.
    #[not_found]
    #[at("/404")]
    NotFound,
}

/// The query of a login URL.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApproveQuery {
    /// The short id as written.
    pub id: String,
}

/// The enrollment link this page was opened with: the page's origin and
/// `location`, read as the core reads every enrollment link (the token in
/// the query or in the fragment).
pub fn enrollment_link(location: &Location) -> Result<EnrollmentLink, LinkError> {
    let origin = web_sys::window()
        .and_then(|w| w.location().origin().ok())
        .unwrap_or_default();
    let query = location.query_str().trim_start_matches('?');
    let fragment = location.hash().trim_start_matches('#');
    EnrollmentLink::parse(&format!("{origin}{}?{query}#{fragment}", location.path()))
}
