//! This user's login sessions, with status and times; log out any of them;
//! older closed ones page by page; and the user's own audit trail, newest
//! first, refusals included.

use countersign_core::api::{AccountView, AuditRecord};
use countersign_core::{LoginSession, Status};
use yew::{Callback, Html, UseStateHandle, component, html, use_effect_with, use_state};

use crate::components::account_picker::AccountPicker;
use crate::components::audit_trail::AuditTrail;
use crate::components::notice::{Tone, notice};
use crate::components::session_details::{shown, when};
use crate::hooks::{Loaded, use_account};
use crate::pages::devices::no_keys;
use crate::services;

/// A list read page by page: what was read so far, the cursor of the next
/// page, and whether one is being read.
#[derive(Debug, Clone, PartialEq)]
struct Paged<T> {
    items: Vec<T>,
    next: Option<String>,
    loading: bool,
    problem: Option<String>,
}

impl<T> Default for Paged<T> {
    fn default() -> Self {
        Self {
            items: Vec::new(),
            next: None,
            loading: false,
            problem: None,
        }
    }
}

/// Reads the page after `paged.next` with `read` and appends it.
fn read_older<T: Clone + 'static, F>(
    paged: UseStateHandle<Paged<T>>,
    read: impl FnOnce(String) -> F + 'static,
) where
    F: std::future::Future<Output = Result<(Vec<T>, Option<String>), String>> + 'static,
{
    let now = (*paged).clone();
    let Some(cursor) = now.next.clone() else {
        return;
    };
    paged.set(Paged {
        loading: true,
        ..now.clone()
    });
    yew::platform::spawn_local(async move {
        paged.set(match read(cursor).await {
            Ok((items, next)) => Paged {
                items: now.items.into_iter().chain(items).collect(),
                next,
                loading: false,
                problem: None,
            },
            Err(problem) => Paged {
                loading: false,
                problem: Some(problem),
                ..now
            },
        });
    });
}

/// The sessions page.
#[component]
pub fn Sessions() -> Html {
    let account = use_account();
    let problem = use_state(|| None::<String>);
    let older = use_state(Paged::<LoginSession>::default);
    let trail = use_state(Paged::<AuditRecord>::default);
    let ready = match &*account.loaded {
        Loaded::Ready(ready) => Some(ready.clone()),
        _ => None,
    };
    // Each read of the account (another key, a logout) starts both lists
    // again from their newest.
    {
        let (older, trail) = (older.clone(), trail.clone());
        use_effect_with(ready.clone(), move |ready| {
            if let Some(ready) = ready.clone() {
                let (key, view) = *ready;
                older.set(Paged {
                    next: view.next.clone(),
                    ..Paged::default()
                });
                trail.set(Paged {
                    loading: true,
                    ..Paged::default()
                });
                yew::platform::spawn_local(async move {
                    trail.set(match services::audit(&key, None).await {
                        Ok(page) => Paged {
                            items: page.entries,
                            next: page.next,
                            ..Paged::default()
                        },
                        Err(error) => Paged {
                            problem: Some(services::explain(&error)),
                            ..Paged::default()
                        },
                    });
                });
            }
        });
    }
    let on_select = {
        let selected = account.selected.clone();
        Callback::from(move |index| selected.set(index))
    };
    let body = match &*account.loaded {
        Loaded::Loading => html! { <p class="placeholder">{ "Reading your sessions…" }</p> },
        Loaded::NoKeys => no_keys(),
        Loaded::Failed(why) => notice(Tone::Bad, "Your sessions cannot be read", &[why]),
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
            let older_sessions = {
                let (older, key) = (older.clone(), key.clone());
                Callback::from(move |_| {
                    let key = key.clone();
                    read_older(older.clone(), move |cursor| async move {
                        services::account_page(&key, cursor)
                            .await
                            .map(|page| (page.sessions, page.next))
                            .map_err(|e| services::explain(&e))
                    });
                })
            };
            let older_entries = {
                let (trail, key) = (trail.clone(), key.clone());
                Callback::from(move |()| {
                    let key = key.clone();
                    read_older(trail.clone(), move |cursor| async move {
                        services::audit(&key, Some(cursor))
                            .await
                            .map(|page| (page.entries, page.next))
                            .map_err(|e| services::explain(&e))
                    });
                })
            };
            let sessions: Vec<LoginSession> =
                view.sessions.iter().chain(&older.items).cloned().collect();
            html! {
                <>
                    { (*problem).as_ref().map(|p| notice(Tone::Bad, "Not done", &[p])).unwrap_or_default() }
                    { sessions_table(view, &sessions, &logout) }
                    { if older.next.is_some() {
                        html! { <button type="button" onclick={older_sessions} disabled={older.loading}>{ "Older sessions" }</button> }
                    } else { html! {} } }
                    { older.problem.as_ref().map(|p| notice(Tone::Bad, "Older sessions cannot be read", &[p])).unwrap_or_default() }
                    <h2>{ "Activity" }</h2>
                    <p>{ "Everything done on your account and to the logins requested for it, newest first: who approved, denied or reported what, from which device and address." }</p>
                    { activity(view, &sessions, &trail, older_entries) }
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

/// The sessions, with Log out on the open ones.
fn sessions_table(
    view: &AccountView,
    sessions: &[LoginSession],
    logout: &Callback<LoginSession>,
) -> Html {
    if sessions.is_empty() {
        return html! {
            <p>{ "No logins have been requested for " }<strong>{ shown(&view.user.username) }</strong>{ " yet." }</p>
        };
    }
    html! {
        <>
            <p>{ "Logins requested for " }<strong>{ shown(&view.user.username) }</strong>{ ", newest first." }</p>
            <table class="list">
                <caption class="visually-hidden">{ "Sessions" }</caption>
                <thead><tr>
                    <th scope="col">{ "Id" }</th><th scope="col">{ "From" }</th><th scope="col">{ "Status" }</th>
                    <th scope="col">{ "Requested" }</th><th scope="col">{ "Logged in" }</th><th scope="col">{ "Logged out" }</th>
                    <th scope="col"><span class="visually-hidden">{ "Actions" }</span></th>
                </tr></thead>
                <tbody>
                    { for sessions.iter().map(|session| {
                        let logout = logout.clone();
                        let target = session.clone();
                        let open = matches!(session.status(), Status::Approved | Status::Suspicious);
                        html! {
                            <tr>
                                <td data-label="Id"><code>{ session.short_uid().to_string() }</code></td>
                                <td data-label="From">{ shown(session.hostname().unwrap_or("?")) }{ " · " }{ session.request_source().to_string() }</td>
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

/// The audit trail, or why it cannot be shown.
fn activity(
    view: &AccountView,
    sessions: &[LoginSession],
    trail: &Paged<AuditRecord>,
    on_older: Callback<()>,
) -> Html {
    if trail.items.is_empty() && trail.loading {
        return html! { <p class="placeholder">{ "Reading your activity…" }</p> };
    }
    html! {
        <>
            <AuditTrail entries={trail.items.clone()} devices={view.devices.clone()} sessions={sessions.to_vec()} more={trail.next.is_some()} loading={trail.loading} {on_older} />
            { trail.problem.as_ref().map(|p| notice(Tone::Bad, "Your activity cannot be read", &[p])).unwrap_or_default() }
        </>
    }
}
