//! This user's login sessions, with status and times; log out any of them.

use countersign_core::{LoginSession, Status};
use yew::{Callback, Html, component, html, use_state};

use crate::components::account_picker::AccountPicker;
use crate::components::notice::{Notice, Tone};
use crate::components::session_details::when;
use crate::hooks::{Loaded, use_account};
use crate::pages::devices::no_keys;
use crate::services;

/// The sessions page.
#[component]
pub fn Sessions() -> Html {
    let account = use_account();
    let problem = use_state(|| None::<String>);
    let on_select = {
        let selected = account.selected.clone();
        Callback::from(move |index| selected.set(index))
    };
    let body = match &*account.loaded {
        Loaded::Loading => html! { <p class="placeholder">{ "Reading your sessions…" }</p> },
        Loaded::NoKeys => no_keys(),
        Loaded::Failed(why) => {
            html! { <Notice tone={Tone::Bad} title="Your sessions cannot be read"><p>{ why }</p></Notice> }
        }
        Loaded::Ready(ready) if ready.1.sessions.is_empty() => html! {
            <p>{ "No logins have been requested for " }<strong>{ &ready.1.user.username }</strong>{ " yet." }</p>
        },
        Loaded::Ready(ready) => {
            let (key, view) = &**ready;
            let logout = {
                let (key, problem, reload) = (key.clone(), problem.clone(), account.reload.clone());
                Callback::from(move |session: LoginSession| {
                    let (key, problem, reload) = (key.clone(), problem.clone(), reload.clone());
                    yew::platform::spawn_local(async move {
                        match services::logout(&key, &session).await {
                            Ok(_) => {
                                problem.set(None);
                                reload.emit(());
                            }
                            Err(error) => problem.set(Some(services::explain(&error))),
                        }
                    });
                })
            };
            html! {
                <>
                    <p>{ "Logins requested for " }<strong>{ &view.user.username }</strong>{ ", newest first." }</p>
                    { (*problem).clone().map(|p| html! { <Notice tone={Tone::Bad} title="Not done"><p>{ p }</p></Notice> }).unwrap_or_default() }
                    <table class="list">
                        <caption class="visually-hidden">{ "Sessions" }</caption>
                        <thead><tr>
                            <th scope="col">{ "Id" }</th><th scope="col">{ "From" }</th><th scope="col">{ "Status" }</th>
                            <th scope="col">{ "Requested" }</th><th scope="col">{ "Logged in" }</th><th scope="col">{ "Logged out" }</th>
                            <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                        </tr></thead>
                        <tbody>
                            { for view.sessions.iter().map(|session| {
                                let logout = logout.clone();
                                let target = session.clone();
                                let open = matches!(session.status(), Status::Approved | Status::Suspicious);
                                html! {
                                    <tr>
                                        <td data-label="Id"><code>{ session.short_uid().to_string() }</code></td>
                                        <td data-label="From">{ session.hostname().unwrap_or("?") }{ " · " }{ session.request_source().to_string() }</td>
                                        <td data-label="Status"><span class={format!("status {}", session.status())}>{ session.status().to_string().replace('_', " ") }</span></td>
                                        <td data-label="Requested">{ when(session.request_datetime()) }</td>
                                        <td data-label="Logged in">{ session.login_time().map(when).unwrap_or_default() }</td>
                                        <td data-label="Logged out">{ session.logout_time().map(when).unwrap_or_default() }</td>
                                        <td>{ if open {
                                            html! { <button type="button" aria-label={format!("Log out {}", session.short_uid())} onclick={Callback::from(move |_| logout.emit(target.clone()))}>{ "Log out" }</button> }
                                        } else { html! {} } }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                </>
            }
        }
    };
    html! {
        <article>
            <h1>{ "Sessions" }</h1>
            <AccountPicker keys={(*account.keys).clone()} selected={*account.selected} {on_select} />
            { body }
        </article>
    }
}
