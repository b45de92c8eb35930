//! The free-form fields of a login request, validated: scope and permission
//! sets, the claimed hostname, the login message and device names.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::api::ErrorCode;

/// The most tokens a scope or permission set may hold.
pub const MAX_TOKENS: usize = 32;
/// The longest token, in bytes.
pub const MAX_TOKEN_LEN: usize = 64;
/// The longest hostname, in bytes (as DNS allows).
pub const MAX_HOSTNAME_LEN: usize = 253;
/// The longest login message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 500;
/// The longest device name, in characters.
pub const MAX_DEVICE_NAME_CHARS: usize = 64;

/// Why a request field was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FieldError {
    /// A token is empty, too long or has a character outside `!`..=`~`.
    #[error("{field}: token {token:?} must be 1 to {MAX_TOKEN_LEN} visible ASCII characters")]
    BadToken {
        /// Which field.
        field: &'static str,
        /// The token, cut to a readable length.
        token: String,
    },
    /// Too many tokens.
    #[error("{field}: more than {MAX_TOKENS} entries")]
    TooManyTokens {
        /// Which field.
        field: &'static str,
    },
    /// A text field is too long.
    #[error("{field} is longer than {max} characters")]
    TooLong {
        /// Which field.
        field: &'static str,
        /// The limit.
        max: usize,
    },
    /// A text field is empty when given.
    #[error("{field} is empty")]
    Empty {
        /// Which field.
        field: &'static str,
    },
    /// A text field holds a control character.
    #[error("{field} contains a control character")]
    ControlCharacter {
        /// Which field.
        field: &'static str,
    },
    /// A text field holds an invisible format character (a bidirectional
    /// override or isolate, a zero-width mark, a tag character, ...) or a
    /// line or paragraph separator, which could make it look like another
    /// text on the approver's screen.
    #[error("{field} contains an invisible formatting character")]
    FormatCharacter {
        /// Which field.
        field: &'static str,
    },
    /// A hostname holds something other than letters, digits, `-`, `.`, `_`.
    #[error("hostname may hold only letters, digits, '-', '_' and '.'")]
    BadHostname,
}

impl FieldError {
    /// The code the service answers this error with when the field is in a
    /// JSON body. (In a query string, such as a narrowing's scope, the
    /// service answers [`ErrorCode::BadQuery`] instead.)
    pub fn code(&self) -> ErrorCode {
        match self {
            Self::BadToken { .. }
            | Self::TooManyTokens { .. }
            | Self::TooLong { .. }
            | Self::Empty { .. }
            | Self::ControlCharacter { .. }
            | Self::FormatCharacter { .. }
            | Self::BadHostname => ErrorCode::BadField,
        }
    }
}

/// A set of scope or permission tokens, such as `openid` or `files:read`.
///
/// Sets are sorted and deduplicated, so equal sets have equal bytes in every
/// digest. In JSON a set is an array of strings.
///
/// Kept as a sorted vector rather than a `BTreeSet`: a set holds at most
/// [`MAX_TOKENS`] short tokens, and the B-tree's code weighed about 5 KB in
/// each wasm module.
#[derive(Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "Vec<String>", into = "Vec<String>")]
pub struct TokenSet(Vec<String>);

impl TokenSet {
    /// The empty set: nothing granted.
    pub fn empty() -> Self {
        Self::default()
    }

    /// Validates tokens for the named field.
    pub fn new<I, S>(field: &'static str, tokens: I) -> Result<Self, FieldError>
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut set: Vec<String> = Vec::new();
        for token in tokens {
            let token = token.into();
            let visible = token.bytes().all(|b| b.is_ascii_graphic());
            if token.is_empty() || token.len() > MAX_TOKEN_LEN || !visible {
                let token = token.chars().take(MAX_TOKEN_LEN).collect();
                return Err(FieldError::BadToken { field, token });
            }
            // Inserted in order, once: the vector stays sorted and
            // deduplicated, as a set.
            if let Err(at) = set.binary_search(&token) {
                set.insert(at, token);
            }
            if set.len() > MAX_TOKENS {
                return Err(FieldError::TooManyTokens { field });
            }
        }
        Ok(Self(set))
    }

    /// Reads tokens separated by blanks or commas, as typed on a command line.
    pub fn parse_list(field: &'static str, text: &str) -> Result<Self, FieldError> {
        Self::new(
            field,
            text.split(|c: char| c == ',' || c.is_whitespace())
                .filter(|t| !t.is_empty()),
        )
    }

    /// Whether every token of `self` is also in `granted`.
    pub fn is_within(&self, granted: &TokenSet) -> bool {
        self.0.iter().all(|t| granted.0.binary_search(t).is_ok())
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The tokens, sorted.
    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    /// The tokens joined by single spaces (tokens hold no blanks).
    pub fn joined(&self) -> String {
        self.iter().collect::<Vec<_>>().join(" ")
    }
}

impl TryFrom<Vec<String>> for TokenSet {
    type Error = FieldError;
    fn try_from(tokens: Vec<String>) -> Result<Self, Self::Error> {
        Self::new("tokens", tokens)
    }
}

impl From<TokenSet> for Vec<String> {
    fn from(set: TokenSet) -> Self {
        set.0
    }
}

impl fmt::Debug for TokenSet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Checks a free text field: not empty, not longer than `max` characters, no
/// control characters (so it can never break a line of a signed statement),
/// and no format characters (so what the approver reads is what was sent:
/// a right-to-left override can make `moc.evil` read `live.com`).
pub fn check_text(field: &'static str, text: &str, max: usize) -> Result<(), FieldError> {
    if text.trim().is_empty() {
        return Err(FieldError::Empty { field });
    }
    if text.chars().count() > max {
        return Err(FieldError::TooLong { field, max });
    }
    if text.chars().any(char::is_control) {
        return Err(FieldError::ControlCharacter { field });
    }
    if text.chars().any(is_format_character) {
        return Err(FieldError::FormatCharacter { field });
    }
    Ok(())
}

/// Unicode's format characters (general category Cf, as of Unicode 15,
/// with the whole U+2060 block, whose gaps may be assigned later), and the
/// line and paragraph separators, which break a line as a control would.
/// None of them is visible, and several reorder or hide what follows them.
pub fn is_format_character(c: char) -> bool {
    matches!(c,
        '\u{00ad}' | '\u{0600}'..='\u{0605}' | '\u{061c}' | '\u{06dd}' | '\u{070f}'
        | '\u{0890}'..='\u{0891}' | '\u{08e2}' | '\u{180e}' | '\u{200b}'..='\u{200f}'
        | '\u{2028}'..='\u{202e}' | '\u{2060}'..='\u{206f}' | '\u{feff}'
        | '\u{fff9}'..='\u{fffb}' | '\u{110bd}' | '\u{110cd}' | '\u{13430}'..='\u{1343f}'
        | '\u{1bca0}'..='\u{1bca3}' | '\u{1d173}'..='\u{1d17a}' | '\u{e0001}'
        | '\u{e0020}'..='\u{e007f}')
}

/// Checks the hostname a requester claims: what a host calls itself, so
/// letters, digits, `-`, `_` and `.` only.
pub fn check_hostname(hostname: &str) -> Result<(), FieldError> {
    check_text("hostname", hostname, MAX_HOSTNAME_LEN)?;
    let allowed = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    if hostname.chars().all(allowed) {
        Ok(())
    } else {
        Err(FieldError::BadHostname)
    }
}

/// A device's name as its owner gave it, such as "Work laptop".
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct DeviceName(String);

impl DeviceName {
    /// Validates a device name.
    pub fn new(name: impl Into<String>) -> Result<Self, FieldError> {
        let name = name.into();
        check_text("device name", &name, MAX_DEVICE_NAME_CHARS)?;
        Ok(Self(name))
    }

    /// The name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for DeviceName {
    type Error = FieldError;
    fn try_from(name: String) -> Result<Self, Self::Error> {
        Self::new(name)
    }
}

impl From<DeviceName> for String {
    fn from(name: DeviceName) -> Self {
        name.0
    }
}

impl fmt::Debug for DeviceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DeviceName({:?})", self.0)
    }
}
