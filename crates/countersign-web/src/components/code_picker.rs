//! Number matching: pick the code the requesting program shows.

use countersign_core::VerificationCode;
use yew::{Callback, Html, Properties, component, html};

/// The codes to pick from and the pick.
#[derive(Properties, PartialEq)]
pub struct CodePickerProps {
    /// Three codes, one of them right.
    pub choices: Vec<VerificationCode>,
    /// The code picked so far.
    pub picked: Option<VerificationCode>,
    /// Called with a picked code.
    pub on_pick: Callback<VerificationCode>,
    /// Whether picking is off (while a decision is sent).
    #[prop_or_default]
    pub disabled: bool,
}

/// A radio group of large codes, usable by keyboard alone.
#[component]
pub fn CodePicker(props: &CodePickerProps) -> Html {
    html! {
        <fieldset class="codes">
            <legend>{ "Which code does the program show?" }</legend>
            <div class="code-row">
                { for props.choices.iter().map(|code| {
                    let code = *code;
                    let id = format!("code-{code}");
                    let on_pick = props.on_pick.clone();
                    html! {
                        <label class="code" for={id.clone()}>
                            <input
                                type="radio"
                                name="code"
                                id={id}
                                value={code.to_string()}
                                checked={props.picked == Some(code)}
                                disabled={props.disabled}
                                onchange={Callback::from(move |_| on_pick.emit(code))}
                            />
                            <span>{ code.to_string() }</span>
                        </label>
                    }
                }) }
            </div>
        </fieldset>
    }
}
