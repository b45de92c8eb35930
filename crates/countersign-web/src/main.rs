//! The countersign approval web app: open a login URL, check the request,
//! and approve it with a device key held in this browser.

mod app;
mod components;
mod hooks;
mod pages;
mod route;
mod services;

fn main() {
    yew::Renderer::<app::App>::new().render();
}
