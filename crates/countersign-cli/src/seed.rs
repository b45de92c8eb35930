//! Secret key seeds as they are kept in files: URL-safe base64 without
//! padding, never printed by `Debug`.

use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use countersign_core::Keypair;
use serde::{Deserialize, Serialize};

/// The 32-byte seed of an Ed25519 key pair.
#[derive(Clone, PartialEq, Eq)]
pub struct Seed([u8; 32]);

impl Seed {
    /// A seed from random bytes the caller drew.
    pub fn from_random(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The key pair this seed makes.
    pub fn keypair(&self) -> Keypair {
        Keypair::from_seed(&self.0)
    }
}

// The seed is a secret: a `Debug` that printed it would put it in logs.
impl fmt::Debug for Seed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Seed(..)")
    }
}

impl Serialize for Seed {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&URL_SAFE_NO_PAD.encode(self.0))
    }
}

impl<'de> Deserialize<'de> for Seed {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = <std::borrow::Cow<'de, str>>::deserialize(d)?;
        let bytes = URL_SAFE_NO_PAD
            .decode(text.as_bytes())
            .map_err(|_| serde::de::Error::custom("a secret must be URL-safe base64"))?;
        let seed = <[u8; 32]>::try_from(bytes.as_slice())
            .map_err(|_| serde::de::Error::custom("a secret must be 32 bytes"))?;
        Ok(Self(seed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_seed_round_trips_as_unpadded_url_safe_base64_and_is_not_debugged() {
        let seed = Seed::from_random([0xfb; 32]);
        let json = serde_json::to_string(&seed).unwrap();
        assert_eq!(json, format!("\"{}-_s\"", "-_v7".repeat(10)));
        let back: Seed = serde_json::from_str(&json).unwrap();
        assert_eq!(back, seed);
        assert_eq!(format!("{seed:?}"), "Seed(..)");
        assert!(serde_json::from_str::<Seed>("\"AAAA\"").is_err());
        assert!(serde_json::from_str::<Seed>("\"a+b/\"").is_err());
    }
}
