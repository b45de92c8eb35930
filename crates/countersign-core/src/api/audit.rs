//! The audit log's vocabulary: what an entry is about ([`AuditSubject`])
//! and what happened ([`AuditAction`]), one table each, written as the
//! strings the service has always stored and sent. The service's audit
//! rows, `POST /api/account/audit`'s [`super::AuditRecord`] and the
//! operator's `admin audit --json` export all carry these strings, so a
//! renamed value would break databases and readers already out there:
//! the tables below are append-only.
//!
//! Forward compatibility: a reader meets values newer than itself (an
//! older web app against a newer service; an older `admin` binary, or an
//! older instance beside a newer one, reading rows a newer one wrote).
//! Deserialising, and [`AuditSubject::read`] / [`AuditAction::read`] from
//! a stored row, keep such a value as `Unrecognised` with its text, rather
//! than failing: one entry this version cannot name must not cost the
//! reader the whole page of the trail or the whole export. Unlike
//! [`super::ErrorCode::Unrecognised`], which drops its text (an error
//! answer still has its status and message), the text is kept here
//! because it is all an entry has to say what happened: the web app shows
//! it (escaped) as the service named it, and an export writes it back as
//! it was read. [`FromStr`] is strict instead, for text that must be one
//! of this version's values.

use std::borrow::Cow;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::status::{Action, DenyReason};

/// Writes an open enum of the audit vocabulary from one table: its known
/// variants with their texts, an `Unrecognised(String)` variant for any
/// other text read, `KNOWN`, `as_str`, a lenient `read`, a strict
/// [`FromStr`], [`fmt::Display`] and serde as the text.
macro_rules! vocabulary {
    (
        $(#[$meta:meta])*
        $name:ident {
            $( $(#[$doc:meta])* $variant:ident = $text:literal, )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub enum $name {
            $( $(#[$doc])* $variant, )*
            /// A value this build does not know, read from a newer service
            /// or a row a newer one wrote, with its text. Only reading makes
            /// it: the service never writes it, it is not in `KNOWN`, and
            /// [`FromStr`] refuses its text.
            Unrecognised(String),
        }

        impl $name {
            /// Every value this version writes, in the table's order.
            pub const KNOWN: &[$name] = &[$($name::$variant),*];

            /// The value as it is stored and sent; an unrecognised one's
            /// own text.
            pub fn as_str(&self) -> &str {
                match self {
                    $($name::$variant => $text,)*
                    $name::Unrecognised(text) => text,
                }
            }

            /// Reads any text: one of [`Self::KNOWN`], or `Unrecognised`
            /// with the text, so that a reader older than the writer still
            /// reads the entry.
            pub fn read(text: &str) -> Self {
                text.parse()
                    .unwrap_or_else(|_| $name::Unrecognised(text.to_owned()))
            }
        }

        impl FromStr for $name {
            type Err = UnknownAuditValue;

            /// Reads one of [`Self::KNOWN`] strictly; any other text is
            /// refused. (Deserialising and [`Self::read`] are lenient.)
            fn from_str(text: &str) -> Result<Self, Self::Err> {
                match text {
                    $($text => Ok($name::$variant),)*
                    _ => Err(UnknownAuditValue(text.chars().take(64).collect())),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            /// Any string, as [`Self::read`] reads it.
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let text = <Cow<'de, str>>::deserialize(d)?;
                Ok($name::read(&text))
            }
        }
    };
}

vocabulary! {
    /// What an audit entry is about.
    AuditSubject {
        /// A login session: its request and every transition.
        Session = "session",
        /// A device: enrolled, given a passkey, revoked, or a revocation
        /// asked for or cancelled.
        Device = "device",
        /// A user: added, disabled or enabled by an operator.
        User = "user",
        /// An enrollment link: made or cancelled.
        Enrollment = "enrollment",
    }
}

vocabulary! {
    /// What happened. A session's transitions are the core's [`Action`]s
    /// by their own names (`From<Action>`), plus `request`; the rest are
    /// about devices, users and enrollment links.
    AuditAction {
        /// A session: a requester asked for a login.
        Request = "request",
        /// A session: approved by a device ([`Action::Approve`]).
        Approve = "approve",
        /// A session: denied, by a device or for a wrong code
        /// ([`Action::Deny`]).
        Deny = "deny",
        /// A session: reported as not theirs ([`Action::ReportSuspicious`]).
        ReportSuspicious = "report_suspicious",
        /// A session: ran out ([`Action::Expire`]).
        Expire = "expire",
        /// A session: logged out or cancelled, by its requester, a device,
        /// an operator or a device's revocation ([`Action::Logout`]).
        Logout = "logout",
        /// A device: enrolled (a link redeemed, or sponsored by a device).
        Enroll = "enroll",
        /// A device: given a passkey.
        RegisterPasskey = "register_passkey",
        /// A device: revoked, by a device, the sweeper (a delayed
        /// revocation now due) or an operator.
        Revoke = "revoke",
        /// A device: its revocation by a newer device asked for, waiting
        /// out the delay.
        RevokeRequested = "revoke_requested",
        /// A device: a pending revocation of it cancelled.
        RevocationCancelled = "revocation_cancelled",
        /// A user: added by an operator.
        Add = "add",
        /// A user: disabled by an operator.
        Disable = "disable",
        /// A user: enabled again by an operator.
        Enable = "enable",
        /// An enrollment link: made, by a device or an operator.
        Invite = "invite",
        /// An enrollment link: cancelled by a device of its user.
        Cancel = "cancel",
    }
}

impl From<Action> for AuditAction {
    /// A session transition's entry names its action as the core does.
    fn from(action: Action) -> Self {
        match action {
            Action::Approve => AuditAction::Approve,
            Action::Deny => AuditAction::Deny,
            Action::ReportSuspicious => AuditAction::ReportSuspicious,
            Action::Expire => AuditAction::Expire,
            Action::Logout => AuditAction::Logout,
        }
    }
}

/// The text is not a value of the audit vocabulary this version knows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown audit value {0:?}")]
pub struct UnknownAuditValue(pub String);

/// A deny reason as an audit entry stores it, read leniently: a reason
/// this version does not know (a newer writer's) reads as `None`, so that
/// the entry is still read and still says that the session was denied,
/// which is what this version can tell of it.
pub fn read_deny_reason(text: &str) -> Option<DenyReason> {
    use serde::de::IntoDeserializer as _;
    let reader: serde::de::value::StrDeserializer<'_, serde::de::value::Error> =
        text.into_deserializer();
    DenyReason::deserialize(reader).ok()
}

/// `deserialize_with` for an audit record's `deny_reason`: null, a reason,
/// or (a newer service's reason) `None`, as [`read_deny_reason`].
pub(super) fn lenient_deny_reason<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<DenyReason>, D::Error> {
    let text = <Option<Cow<'de, str>>>::deserialize(d)?;
    Ok(text.as_deref().and_then(read_deny_reason))
}
