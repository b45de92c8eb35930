//! Choosing which of this browser's device keys to act with, when it holds
//! keys for several users.

use countersign_browser::keys::DeviceKey;
use web_sys::HtmlSelectElement;
use yew::{Callback, Event, Html, Properties, TargetCast, component, html};

/// The keys and the one in use.
#[derive(Properties, PartialEq)]
pub struct AccountPickerProps {
    /// The keys to choose from.
    pub keys: Vec<DeviceKey>,
    /// The index of the key in use.
    pub selected: usize,
    /// Called with the index of the chosen key.
    pub on_select: Callback<usize>,
}

/// A labelled select, shown only when there is a choice to make.
#[component]
pub fn AccountPicker(props: &AccountPickerProps) -> Html {
    if props.keys.len() < 2 {
        return html! {};
    }
    let on_select = props.on_select.clone();
    let onchange = Callback::from(move |e: Event| {
        let select: HtmlSelectElement = e.target_unchecked_into();
        if let Ok(index) = select.value().parse() {
            on_select.emit(index);
        }
    });
    html! {
        <p class="picker">
            <label for="account">{ "Act as" }</label>
            <select id="account" {onchange}>
                { for props.keys.iter().enumerate().map(|(i, k)| html! {
                    <option value={i.to_string()} selected={i == props.selected}>
                        { format!("{} — {}", k.username, k.name.as_str()) }
                    </option>
                }) }
            </select>
        </p>
    }
}
