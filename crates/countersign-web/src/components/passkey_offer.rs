//! The offer to add a passkey to a device, on the enrollment page just
//! after enrolling and on the Devices page for a device without one: what
//! it is for, the button, and how the registration went.

use countersign_browser::keys::DeviceKey;
use yew::{Callback, Html, Properties, component, html, use_state};

use crate::components::notice::{Tone, notice};
use crate::services;

/// Where the offer stands.
#[derive(Debug, Clone, PartialEq)]
enum Step {
    Offered,
    /// The browser is asking for the person's gesture.
    Adding,
    Added,
    /// Not added: why, in words.
    Failed(String),
}

/// Which device the passkey is for.
#[derive(Properties, PartialEq)]
pub struct PasskeyOfferProps {
    /// This browser's key of the device.
    pub device: DeviceKey,
    /// Called once the service holds the passkey.
    #[prop_or_default]
    pub on_added: Callback<()>,
}

/// Offers to add a passkey to the device, or says the browser cannot.
#[component]
pub fn PasskeyOffer(props: &PasskeyOfferProps) -> Html {
    let step = use_state(|| Step::Offered);
    if !services::passkeys_supported() {
        return html! {
            <p class="hint">{ "This browser cannot make passkeys, so approvals from it are not confirmed with your fingerprint, face or security key." }</p>
        };
    }
    let add = {
        let (step, device, on_added) = (step.clone(), props.device.clone(), props.on_added.clone());
        Callback::from(move |_| {
            step.set(Step::Adding);
            let (step, device, on_added) = (step.clone(), device.clone(), on_added.clone());
            yew::platform::spawn_local(async move {
                match services::add_passkey(&device).await {
                    Ok(()) => {
                        step.set(Step::Added);
                        on_added.emit(());
                    }
                    Err(error) => step.set(Step::Failed(services::explain(&error))),
                }
            });
        })
    };
    let button = |label: &'static str, busy: bool| {
        html! {
            <button class="primary" type="button" onclick={add.clone()} disabled={busy}>{ label }</button>
        }
    };
    let name = props.device.name.as_str();
    match &*step {
        Step::Offered => html! {
            <section class="passkey-offer" aria-labelledby="passkey-offer-title">
                <h2 id="passkey-offer-title">{ "Add a passkey" }</h2>
                <p>{ format!("With a passkey, every approval from “{name}” is confirmed with your fingerprint, face or security key, so nobody else at this browser can approve as you.") }</p>
                { button("Add a passkey", false) }
            </section>
        },
        Step::Adding => html! {
            <section class="passkey-offer" aria-labelledby="passkey-offer-title">
                <h2 id="passkey-offer-title">{ "Add a passkey" }</h2>
                <p role="status">{ "Confirm with your fingerprint, face or security key…" }</p>
                { button("Adding a passkey…", true) }
            </section>
        },
        Step::Added => notice(
            Tone::Good,
            "Passkey added",
            &[&format!(
                "Approvals from “{name}” now ask for your fingerprint, face or security key."
            )],
        ),
        Step::Failed(why) => html! {
            <>
                { notice(Tone::Bad, "No passkey was added", &[why]) }
                { button("Add a passkey", false) }
            </>
        },
    }
}
