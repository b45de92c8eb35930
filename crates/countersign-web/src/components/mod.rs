//! Pieces of pages, one component per file.

pub mod account_picker;
pub mod code_input;
pub mod countdown;
pub mod layout;
pub mod notice;
pub mod passkey_offer;
pub mod session_details;
