//! The service's HTTP API as this program calls it: blocking requests with
//! the shared bodies and queries of `countersign_core::api`, and errors
//! that carry the service's refusal as every client reads it (core's
//! `Refusal`).

use std::time::Duration;

use countersign_core::api::paths;
use countersign_core::api::{
    ApprovalView, DeviceInfo, EnrollmentInfo, ErrorBody, ErrorCode, LookupEnrollment,
    RedeemEnrollment, RequestAnswer, WaitQuery, with_query,
};
use countersign_core::client::{Failure, Refusal, ServiceUrl};
use countersign_core::{LoginRequest, LoginSession, ShortUid, SignedStatement};
use serde::Serialize;
use serde::de::DeserializeOwned;
use ureq::http::StatusCode;
use uuid::Uuid;

use crate::show::safe;
use crate::transport::{InsecureHttp, Transport};

/// How long a plain request may take, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// What a long poll may take beyond the time the service holds it.
const WAIT_SLACK: Duration = Duration::from_secs(15);

/// Why a call to the service did not give the answer asked for. The
/// service's own words (its message, what could not be read) are printed
/// with control and invisible characters escaped.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The service refused, with its error body.
    #[error("{} ({})", safe(&.0.message), .0.code)]
    Service(Refusal),
    /// An error status without the service's error body, such as a
    /// proxy's HTML page.
    #[error("{} (http_{status})", plain_status(*status))]
    Status {
        /// The HTTP status.
        status: u16,
    },
    /// The service could not be reached or stopped answering.
    #[error("cannot reach the service at {server}: {}", safe(detail))]
    Network {
        /// Which service.
        server: String,
        /// What failed.
        detail: String,
    },
    /// The service answered something this program cannot read.
    #[error(
        "the service at {server} gave an answer this program cannot read: {}",
        safe(detail)
    )]
    BadAnswer {
        /// Which service.
        server: String,
        /// What was wrong.
        detail: String,
    },
}

impl ApiError {
    /// The service's code, if the service answered with its error body.
    pub fn service_code(&self) -> Option<ErrorCode> {
        match self {
            Self::Service(refusal) => Some(refusal.code),
            Self::Status { .. } | Self::Network { .. } | Self::BadAnswer { .. } => None,
        }
    }

    /// The HTTP status of an error answer, if there was an answer.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Service(Refusal { status, .. }) | Self::Status { status } => Some(*status),
            Self::Network { .. } | Self::BadAnswer { .. } => None,
        }
    }

    /// What a requester's wait (`countersign_core::Waiting`) makes of this
    /// error. An error status without the service's body counts as an
    /// unreadable answer, as in the browser glue: it is a proxy or a
    /// service in trouble, and worth asking again.
    pub fn wait_failure(&self) -> Failure {
        match self {
            Self::Service(refusal) => Failure::Service(refusal.clone()),
            Self::Network { .. } => Failure::Network,
            Self::Status { .. } | Self::BadAnswer { .. } => Failure::Unreadable,
        }
    }
}

/// A client of one service. Clones share their connections.
#[derive(Clone)]
pub struct Api {
    service: ServiceUrl,
    agent: ureq::Agent,
}

impl Api {
    /// A client of the service at `service`, if `transport` allows it;
    /// `from` says where its URL came from, for the refusal.
    pub fn new(
        service: &ServiceUrl,
        transport: Transport,
        from: &str,
    ) -> Result<Self, InsecureHttp> {
        transport.check(service, from)?;
        let config = ureq::Agent::config_builder()
            // Error answers carry a JSON body worth reading.
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .user_agent(concat!("countersign-cli/", env!("CARGO_PKG_VERSION")))
            .build();
        Ok(Self {
            service: service.clone(),
            agent: ureq::Agent::new_with_config(config),
        })
    }

    /// `POST /api/sessions`: asks for a login.
    pub fn request_login(&self, request: &LoginRequest) -> Result<RequestAnswer, ApiError> {
        self.post(paths::SESSIONS, request)
    }

    /// `GET /api/sessions/{uid}/wait?..`: answers when the status is no
    /// longer `query.status`, at expiry, or after about `query.timeout_s`.
    pub fn wait(&self, uid: Uuid, query: &WaitQuery) -> Result<LoginSession, ApiError> {
        let path = with_query(&paths::session_wait(uid), &query.to_query());
        let timeout = Duration::from_secs(query.timeout_s).saturating_add(WAIT_SLACK);
        let request = self
            .agent
            .get(self.service.join(&path))
            .config()
            .timeout_global(Some(timeout))
            .build();
        self.answer(request.call())
    }

    /// `GET /api/sessions/{uid}`: the session as it stands.
    pub fn session(&self, uid: Uuid) -> Result<LoginSession, ApiError> {
        self.get(&paths::session(uid))
    }

    /// `GET /api/approvals/{short_uid}`: what the approval page shows.
    pub fn approval(&self, short: ShortUid) -> Result<ApprovalView, ApiError> {
        self.get(&paths::approval(short))
    }

    /// `POST /api/sessions/{uid}/statements`: a signed decision or logout.
    pub fn act(&self, uid: Uuid, signed: &SignedStatement) -> Result<LoginSession, ApiError> {
        self.post(&paths::session_statements(uid), signed)
    }

    /// `POST /api/enrollments/lookup`: who an enrollment link is for. The
    /// token goes in the body, never in a path.
    pub fn enrollment(&self, token: &str) -> Result<EnrollmentInfo, ApiError> {
        let body = LookupEnrollment {
            token: token.to_owned(),
        };
        self.post(paths::ENROLLMENT_LOOKUP, &body)
    }

    /// `POST /api/enrollments/redeem`: enrolls a device with its proof.
    pub fn enroll(&self, token: &str, proof: &SignedStatement) -> Result<DeviceInfo, ApiError> {
        let body = RedeemEnrollment {
            token: token.to_owned(),
            proof: proof.clone(),
        };
        self.post(paths::ENROLLMENT_REDEEM, &body)
    }

    /// The service this client calls: the one its statements are for.
    pub fn service(&self) -> &ServiceUrl {
        &self.service
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.answer(self.agent.get(self.service.join(path)).call())
    }

    fn post<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T, ApiError> {
        self.answer(self.agent.post(self.service.join(path)).send_json(body))
    }

    /// Reads an answer: the JSON of `T` on success, else the service's
    /// error (or the bare status of an error without its body, such as a
    /// proxy's).
    fn answer<T: DeserializeOwned>(
        &self,
        sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, ApiError> {
        let response = sent.map_err(|e| self.network(&e))?;
        let status = response.status();
        let retry_after = response
            .headers()
            .get("retry-after")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let text = response
            .into_body()
            .read_to_string()
            .map_err(|e| self.network(&e))?;
        if status.is_success() {
            return serde_json::from_str(&text).map_err(|e| ApiError::BadAnswer {
                server: self.service.to_string(),
                detail: e.to_string(),
            });
        }
        Err(match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => {
                ApiError::Service(Refusal::new(status.as_u16(), body, retry_after.as_deref()))
            }
            Err(_) => ApiError::Status {
                status: status.as_u16(),
            },
        })
    }

    fn network(&self, error: &ureq::Error) -> ApiError {
        ApiError::Network {
            server: self.service.to_string(),
            detail: error.to_string(),
        }
    }
}

/// `the service answered HTTP 503 Service Unavailable`.
fn plain_status(status: u16) -> String {
    let reason = StatusCode::from_u16(status)
        .ok()
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    format!("the service answered HTTP {status} {reason}")
        .trim_end()
        .to_owned()
}
