//! The app's pages, one per route.

pub mod approve;
pub mod devices;
pub mod enroll;
pub mod home;
pub mod not_found;
pub mod sessions;
