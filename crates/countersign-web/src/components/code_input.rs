//! Number matching: type the code the requesting program shows. No codes
//! are offered to pick from, and the page never knows the right one: only
//! the service does, and a wrong code denies the request.

use countersign_core::VerificationCode;
use web_sys::HtmlInputElement;
use yew::{Callback, Html, InputEvent, Properties, TargetCast, component, html};

/// The code typed so far and where it goes.
#[derive(Properties, PartialEq)]
pub struct CodeInputProps {
    /// Called on every change: the code once two digits (10 to 99) are
    /// typed, `None` otherwise.
    pub on_code: Callback<Option<VerificationCode>>,
    /// Whether typing is off (while a decision is sent).
    #[prop_or_default]
    pub disabled: bool,
}

/// What the typed text is: a code only as two digits, 10 to 99.
pub fn parse(typed: &str) -> Option<VerificationCode> {
    let typed = typed.trim();
    if typed.len() != 2 || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    typed
        .parse::<u8>()
        .ok()
        .and_then(|n| VerificationCode::new(n).ok())
}

/// A labelled two-digit field with a numeric keyboard on phones.
#[component]
pub fn CodeInput(props: &CodeInputProps) -> Html {
    let oninput = {
        let on_code = props.on_code.clone();
        Callback::from(move |e: InputEvent| {
            let input: HtmlInputElement = e.target_unchecked_into();
            on_code.emit(parse(&input.value()));
        })
    };
    html! {
        <div class="code-entry">
            <label for="code">{ "Type the code the program shows" }</label>
            <input
                id="code"
                name="code"
                type="text"
                inputmode="numeric"
                pattern="[0-9]{2}"
                maxlength="2"
                autocomplete="off"
                aria-describedby="code-help"
                disabled={props.disabled}
                {oninput}
            />
            <p class="hint" id="code-help">{ "Two digits. One try: a code other than the program's denies this request." }</p>
        </div>
    }
}
