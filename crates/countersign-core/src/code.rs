//! Verification codes for number matching: the requester shows a code, and the
//! approver must pick the same one on the approval page before approving.

use std::fmt;

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::api::ErrorCode;
use crate::encoding::{FieldHasher, PublicKey};

/// A two-digit code, 10 to 99, derived from the session uid and the
/// requester's keys, so both sides compute it and neither can pick it.
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
    const SPAN: u16 = (Self::MAX - Self::MIN + 1) as u16;

    /// Checks a number that a person picked or typed.
    pub fn new(value: u8) -> Result<Self, BadCode> {
        if (Self::MIN..=Self::MAX).contains(&value) {
            Ok(Self(value))
        } else {
            Err(BadCode(value))
        }
    }

    /// The code of a session.
    pub fn derive(uid: &Uuid, public_key: &PublicKey, public_cert: &PublicKey) -> Self {
        let mut hasher = FieldHasher::new("countersign/verification-code/v1");
        hasher
            .field(uid.as_bytes())
            .field(&public_key.to_bytes())
            .field(&public_cert.to_bytes());
        let digest = hasher.finish();
        let wide = u16::from_be_bytes([digest[0], digest[1]]);
        Self::from_offset(wide % Self::SPAN)
    }

    fn from_offset(offset: u16) -> Self {
        // offset < SPAN = 90, so the sum fits in u8.
        Self(Self::MIN + u8::try_from(offset % Self::SPAN).unwrap_or(0))
    }

    fn offset(self) -> u16 {
        u16::from(self.0 - Self::MIN)
    }

    /// The number.
    pub fn value(self) -> u8 {
        self.0
    }

    /// Three codes to pick from: this one and two different decoys, in an
    /// order set by `random` (the caller's random bytes).
    pub fn choices(self, random: [u8; 4]) -> [VerificationCode; 3] {
        let span = Self::SPAN;
        // Two distinct non-zero steps away from the real code give two decoys
        // that differ from it and from each other.
        let first = 1 + u16::from(random[0]) % (span - 1);
        let mut second = 1 + u16::from(random[1]) % (span - 2);
        if second >= first {
            second += 1;
        }
        let decoy = |step: u16| Self::from_offset((self.offset() + step) % span);
        let (a, b) = (decoy(first), decoy(second));
        match random[2] % 3 {
            0 => [self, a, b],
            1 => [a, self, b],
            _ => [a, b, self],
        }
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
