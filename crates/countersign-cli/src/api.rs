//! The service's HTTP API as this program calls it: blocking requests with
//! JSON bodies, and errors that carry the service's own code and message.

use std::time::Duration;

use countersign_core::{LoginRequest, LoginSession, ShortUid, SignedStatement, Status};
use serde::Serialize;
use serde::de::DeserializeOwned;
use ureq::http::StatusCode;
use uuid::Uuid;

use crate::answers::{ApprovalPage, EnrolledDevice, Enrollment, ErrorBody, Requested};
use crate::server_url::ServerUrl;

/// How long a plain request may take, connection included.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long to wait to connect.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one long poll asks the service to hold the request.
pub const WAIT_S: u64 = 25;
/// What a long poll may take beyond the time the service holds it.
const WAIT_SLACK: Duration = Duration::from_secs(15);

/// Why a call to the service did not give the answer asked for.
#[derive(Debug, Clone, thiserror::Error)]
pub enum ApiError {
    /// The service answered with an error.
    #[error("{message} ({code})")]
    Service {
        /// The HTTP status.
        status: u16,
        /// The service's stable code.
        code: String,
        /// The service's message.
        message: String,
    },
    /// The service could not be reached or stopped answering.
    #[error("cannot reach the service at {server}: {detail}")]
    Network {
        /// Which service.
        server: String,
        /// What failed.
        detail: String,
    },
    /// The service answered something this program cannot read.
    #[error("the service at {server} gave an answer this program cannot read: {detail}")]
    BadAnswer {
        /// Which service.
        server: String,
        /// What was wrong.
        detail: String,
    },
}

impl ApiError {
    /// Whether trying again later may succeed: the network failed, the
    /// service is overloaded or failed inside, or asks to slow down.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Network { .. } => true,
            Self::Service { status, .. } => *status >= 500 || *status == 429,
            Self::BadAnswer { .. } => false,
        }
    }

    /// The service's code, if the service answered with an error.
    pub fn service_code(&self) -> Option<&str> {
        match self {
            Self::Service { code, .. } => Some(code),
            Self::Network { .. } | Self::BadAnswer { .. } => None,
        }
    }
}

/// A client of one service.
pub struct Api {
    server: ServerUrl,
    agent: ureq::Agent,
}

impl Api {
    /// A client of the service at `server`.
    pub fn new(server: &ServerUrl) -> Self {
        let config = ureq::Agent::config_builder()
            // Error answers carry a JSON body worth reading.
            .http_status_as_error(false)
            .timeout_connect(Some(CONNECT_TIMEOUT))
            .timeout_global(Some(REQUEST_TIMEOUT))
            .user_agent(concat!("countersign-cli/", env!("CARGO_PKG_VERSION")))
            .build();
        Self {
            server: server.clone(),
            agent: ureq::Agent::new_with_config(config),
        }
    }

    /// `POST /api/sessions`: asks for a login.
    pub fn request_login(&self, request: &LoginRequest) -> Result<Requested, ApiError> {
        self.post("/api/sessions", request)
    }

    /// `GET /api/sessions/{uid}/wait`: answers when the status is no longer
    /// `seen`, at expiry, or after about [`WAIT_S`] seconds.
    pub fn wait(&self, uid: Uuid, seen: Status) -> Result<LoginSession, ApiError> {
        let path = format!("/api/sessions/{uid}/wait?status={seen}&timeout_s={WAIT_S}");
        let timeout = Duration::from_secs(WAIT_S) + WAIT_SLACK;
        let request = self
            .agent
            .get(self.server.join(&path))
            .config()
            .timeout_global(Some(timeout))
            .build();
        self.answer(request.call())
    }

    /// `GET /api/sessions/{uid}`: the session as it stands.
    pub fn session(&self, uid: Uuid) -> Result<LoginSession, ApiError> {
        self.get(&format!("/api/sessions/{uid}"))
    }

    /// `GET /api/approvals/{short_uid}`: what the approval page shows.
    pub fn approval(&self, short: ShortUid) -> Result<ApprovalPage, ApiError> {
        self.get(&format!("/api/approvals/{short}"))
    }

    /// `POST /api/sessions/{uid}/statements`: a signed decision or logout.
    pub fn act(&self, uid: Uuid, signed: &SignedStatement) -> Result<LoginSession, ApiError> {
        self.post(&format!("/api/sessions/{uid}/statements"), signed)
    }

    /// `GET /api/enrollments/{token}`: who an enrollment link is for.
    pub fn enrollment(&self, token: &str) -> Result<Enrollment, ApiError> {
        self.get(&format!("/api/enrollments/{token}"))
    }

    /// `POST /api/enrollments/{token}`: enrolls a device with its proof.
    pub fn enroll(&self, token: &str, proof: &SignedStatement) -> Result<EnrolledDevice, ApiError> {
        self.post(&format!("/api/enrollments/{token}"), proof)
    }

    fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, ApiError> {
        self.answer(self.agent.get(self.server.join(path)).call())
    }

    fn post<T: DeserializeOwned>(&self, path: &str, body: &impl Serialize) -> Result<T, ApiError> {
        self.answer(self.agent.post(self.server.join(path)).send_json(body))
    }

    /// Reads an answer: the JSON of `T` on success, else the service's
    /// error (or a plain description of a non-JSON error, such as a
    /// proxy's).
    fn answer<T: DeserializeOwned>(
        &self,
        sent: Result<ureq::http::Response<ureq::Body>, ureq::Error>,
    ) -> Result<T, ApiError> {
        let response = sent.map_err(|e| self.network(&e))?;
        let status = response.status();
        let text = response
            .into_body()
            .read_to_string()
            .map_err(|e| self.network(&e))?;
        if status.is_success() {
            return serde_json::from_str(&text).map_err(|e| ApiError::BadAnswer {
                server: self.server.to_string(),
                detail: e.to_string(),
            });
        }
        Err(match serde_json::from_str::<ErrorBody>(&text) {
            Ok(body) => ApiError::Service {
                status: status.as_u16(),
                code: body.error.code.to_string(),
                message: body.error.message,
            },
            Err(_) => ApiError::Service {
                status: status.as_u16(),
                code: format!("http_{}", status.as_u16()),
                message: plain_status(status),
            },
        })
    }

    fn network(&self, error: &ureq::Error) -> ApiError {
        ApiError::Network {
            server: self.server.to_string(),
            detail: error.to_string(),
        }
    }
}

fn plain_status(status: StatusCode) -> String {
    format!(
        "the service answered HTTP {} {}",
        status.as_u16(),
        status.canonical_reason().unwrap_or("")
    )
    .trim_end()
    .to_owned()
}
