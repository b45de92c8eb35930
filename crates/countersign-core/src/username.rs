//! Usernames: validated once, then safe to show, store and put in a path.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::api::ErrorCode;

/// The longest username accepted, in characters.
pub const MAX_USERNAME_CHARS: usize = 128;

/// Why a username was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UsernameError {
    /// The username is empty or only blanks.
    #[error("username is empty")]
    Empty,
    /// The username is too long.
    #[error("username is longer than {MAX_USERNAME_CHARS} characters")]
    TooLong,
    /// The username has a control character (a newline, a tab, ...).
    #[error("username contains a control character")]
    ControlCharacter,
    /// The username starts or ends with a blank, which would make two names
    /// that look the same.
    #[error("username starts or ends with a blank")]
    SurroundingBlank,
}

impl UsernameError {
    /// The code the service answers this error with: a username is a field
    /// of a JSON body.
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::Empty | Self::TooLong | Self::ControlCharacter | Self::SurroundingBlank => {
                ErrorCode::BadField
            }
        }
    }
}

/// A username: 1 to 128 characters, no control characters, no blanks at
/// either end.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Username(String);

impl Username {
    /// Validates a username.
    pub fn new(name: impl Into<String>) -> Result<Self, UsernameError> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(UsernameError::Empty);
        }
        if name.chars().count() > MAX_USERNAME_CHARS {
            return Err(UsernameError::TooLong);
        }
        if name.chars().any(char::is_control) {
            return Err(UsernameError::ControlCharacter);
        }
        if name.trim() != name {
            return Err(UsernameError::SurroundingBlank);
        }
        Ok(Self(name))
    }

    /// The username as given.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The seed's `encoded_username`: URL-safe base64 without padding, safe
    /// in object-store keys and URL paths (the seed's standard base64 could
    /// hold `/`).
    pub fn encoded(&self) -> String {
        crate::encoding::encode(self.0.as_bytes())
    }
}

impl TryFrom<String> for Username {
    type Error = UsernameError;
    fn try_from(name: String) -> Result<Self, Self::Error> {
        Self::new(name)
    }
}

impl From<Username> for String {
    fn from(name: Username) -> Self {
        name.0
    }
}

impl fmt::Display for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Username {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Username({:?})", self.0)
    }
}
