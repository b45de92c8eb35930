//! Verification codes for number matching: the service draws a code for each
//! request and gives it to the requester alone; the approver must type the
//! code the requester shows before approving.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::api::ErrorCode;

/// A two-digit code, 10 to 99. The service draws it at random for each
/// request ([`VerificationCode::from_random`]) and keeps it with the
/// session, out of everything the approval side reads, so an approver who
/// has not seen the requester's screen can only guess it (1 in 90).
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct VerificationCode(u8);

/// The number is not a two-digit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a verification code is a number from 10 to 99, got {0}")]
pub struct BadCode(pub u8);

impl BadCode {
    /// The code the service answers this error with: a verification code is
    /// a field of a signed statement's JSON.
    pub fn code(&self) -> ErrorCode {
        ErrorCode::BadField
    }
}

impl VerificationCode {
    /// The lowest code.
    pub const MIN: u8 = 10;
    /// The highest code.
    pub const MAX: u8 = 99;
    const SPAN: u64 = (Self::MAX - Self::MIN + 1) as u64;

    /// Checks a number that a person typed.
    pub fn new(value: u8) -> Result<Self, BadCode> {
        if (Self::MIN..=Self::MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(BadCode(value))
        }
    }

    /// The code for eight random bytes drawn by the caller. Any code is as
    /// likely as any other to within 2^-57: 2^64 is not a multiple of 90,
    /// but the excess is too small to matter.
    pub fn from_random(random: [u8; 8]) -> Self {
        let offset = u64::from_be_bytes(random) % Self::SPAN;
        // offset < SPAN = 90, so it fits in u8 and the sum stays below 100.
        Self(Self::MIN + u8::try_from(offset).unwrap_or(0))
    }

    /// The number.
    pub fn value(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for VerificationCode {
    type Error = BadCode;
    fn try_from(value: u8) -> Result<Self, Self::Error> {
        Self::new(value)
    }
}

impl From<VerificationCode> for u8 {
    fn from(code: VerificationCode) -> Self {
        code.0
    }
}

impl fmt::Display for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl fmt::Debug for VerificationCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "VerificationCode({})", self.0)
    }
}
