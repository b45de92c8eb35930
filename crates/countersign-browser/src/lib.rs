//! Browser glue for countersign, shared by the approval web app and the
//! JavaScript package: device keys that page scripts cannot read (a
//! non-extractable WebCrypto Ed25519 key in IndexedDB, or, where the browser
//! lacks Ed25519, a key made in wasm and kept wrapped by a non-extractable
//! AES-GCM key), typed calls to the service, and the browser's clock. No
//! view code lives here.

pub mod api;
pub mod clock;
mod error;
pub mod flows;
mod idb;
mod js;
pub mod keys;
pub mod passkey;

pub use error::BrowserError;
