//! The countersign approval web app: open a login URL, check the request,
//! and approve it with a device key held in this browser. The binary only
//! starts it; the components live here so that tests can render them.

pub mod app;
pub mod components;
mod hooks;
mod pages;
pub mod route;
mod services;

/// Renders the app into the page's body.
pub fn start() {
    yew::Renderer::<app::App>::new().render();
}
