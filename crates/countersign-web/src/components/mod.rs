//! Pieces of pages, one component per file.

pub mod account_picker;
pub mod audit_trail;
pub mod code_input;
pub mod countdown;
pub mod device_name;
pub mod layout;
pub mod notice;
pub mod passkey_offer;
pub mod pending_invites;
pub mod pending_revocations;
pub mod session_details;
