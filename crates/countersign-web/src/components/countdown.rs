//! A live countdown to a request's expiry.

use std::cell::Cell;
use std::rc::Rc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use countersign_browser::clock::now;
use yew::{Callback, Html, Properties, component, html, use_effect_with, use_state};

/// When to count down to.
#[derive(Properties, PartialEq)]
pub struct CountdownProps {
    /// The expiry.
    pub until: DateTime<Utc>,
    /// Called once when the time has run out.
    #[prop_or_default]
    pub on_expired: Callback<()>,
}

/// "4:59 left", ticking every second.
#[component]
pub fn Countdown(props: &CountdownProps) -> Html {
    let current = use_state(now);
    {
        let current = current.clone();
        let until = props.until;
        let on_expired = props.on_expired.clone();
        use_effect_with(until, move |_| {
            // Cleared on unmount, so the loop stops with the page.
            let alive = Rc::new(Cell::new(true));
            let running = alive.clone();
            yew::platform::spawn_local(async move {
                while running.get() {
                    yew::platform::time::sleep(Duration::from_millis(1000)).await;
                    if !running.get() {
                        break;
                    }
                    let t = now();
                    current.set(t);
                    if t >= until {
                        on_expired.emit(());
                        break;
                    }
                }
            });
            move || alive.set(false)
        });
    }
    let left = (props.until - *current).num_seconds().max(0);
    let text = if left == 0 {
        "expired".to_owned()
    } else {
        format!("{}:{:02} left", left / 60, left % 60)
    };
    html! {
        <span class={if left < 60 { "countdown soon" } else { "countdown" }}>{ text }</span>
    }
}
