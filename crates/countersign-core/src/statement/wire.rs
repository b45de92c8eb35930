//! The JSON form of a statement: its fields and the format marker, and how
//! a body that does not decode is told to hold a statement in a format this
//! version no longer accepts (so a service can answer `unsupported_format`
//! rather than a bare `bad_field`).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{Claim, STATEMENT_FORMAT, Signer, Statement, StatementError};
use crate::client::ServiceUrl;

/// A statement as it travels: [`Statement`]'s fields and its format.
#[derive(Serialize, Deserialize)]
pub(super) struct WireStatement {
    /// [`STATEMENT_FORMAT`]; format 1 had no marker.
    #[serde(default)]
    format: Option<String>,
    service: ServiceUrl,
    claim: Claim,
    signer: Signer,
    #[serde(deserialize_with = "crate::wire_time::read")]
    signed_at: DateTime<Utc>,
}

impl From<Statement> for WireStatement {
    fn from(statement: Statement) -> Self {
        Self {
            format: Some(STATEMENT_FORMAT.to_owned()),
            service: statement.service,
            claim: statement.claim,
            signer: statement.signer,
            signed_at: statement.signed_at,
        }
    }
}

impl TryFrom<WireStatement> for Statement {
    type Error = StatementError;

    fn try_from(wire: WireStatement) -> Result<Self, StatementError> {
        if wire.format.as_deref() != Some(STATEMENT_FORMAT) {
            return Err(StatementError::UnsupportedFormat(wire.format));
        }
        Ok(Self {
            claim: wire.claim,
            service: wire.service,
            signer: wire.signer,
            signed_at: wire.signed_at,
        })
    }
}

/// Why a JSON body that failed to decode may have failed: it holds a
/// signed statement (an object with `statement` and `signature`, at any
/// depth) whose `format` is not [`STATEMENT_FORMAT`]. A format-1 statement,
/// which has no marker and names no service, cannot decode as a
/// [`Statement`]; this tells its sender to update rather than to fix a
/// field. `None` when every statement in the body is marked as current
/// (the failure is elsewhere) or there is none.
pub fn format_refusal(body: &Value) -> Option<StatementError> {
    match body {
        Value::Object(fields) => {
            if let (Some(Value::Object(statement)), true) =
                (fields.get("statement"), fields.contains_key("signature"))
            {
                let marker = statement.get("format");
                if marker.and_then(Value::as_str) != Some(STATEMENT_FORMAT) {
                    let named = marker.map(|m| match m {
                        Value::String(text) => text.chars().take(64).collect(),
                        other => other.to_string().chars().take(64).collect(),
                    });
                    return Some(StatementError::UnsupportedFormat(named));
                }
            }
            fields.values().find_map(format_refusal)
        }
        Value::Array(items) => items.iter().find_map(format_refusal),
        _ => None,
    }
}
