//! Components rendered in a real browser: what a person sees and can do.

use std::time::Duration;

use countersign_core::VerificationCode;
use countersign_web::components::code_input::{CodeInput, CodeInputProps};
use countersign_web::components::notice::{Notice, NoticeProps, Tone};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test as test;
use web_sys::{Element, HtmlInputElement};
use yew::{Callback, Renderer};

pub fn root() -> Element {
    let document = web_sys::window().unwrap().document().unwrap();
    let div = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&div).unwrap();
    div
}

pub async fn settle() {
    yew::platform::time::sleep(Duration::from_millis(30)).await;
}

/// Types `text` into the input as a person would, one input event.
fn type_into(input: &HtmlInputElement, text: &str) {
    input.set_value(text);
    let event = web_sys::InputEvent::new("input").unwrap();
    input.dispatch_event(&event).unwrap();
}

#[test]
async fn the_code_is_typed_in_a_labelled_numeric_field_with_no_choices() {
    let root = root();
    let typed = std::rc::Rc::new(std::cell::RefCell::new(Vec::new()));
    let seen = typed.clone();
    let props = CodeInputProps {
        on_code: Callback::from(move |code| seen.borrow_mut().push(code)),
        disabled: false,
    };
    Renderer::<CodeInput>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let input: HtmlInputElement = root
        .query_selector("input#code")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    assert_eq!(input.type_(), "text");
    assert_eq!(input.get_attribute("inputmode").as_deref(), Some("numeric"));
    assert_eq!(input.max_length(), 2);
    assert_eq!(input.value(), "", "nothing is filled in");
    let label = root.query_selector("label[for='code']").unwrap().unwrap();
    assert_eq!(
        label.text_content().unwrap(),
        "Type the code the program shows"
    );
    assert!(
        root.query_selector("input[type=radio]").unwrap().is_none(),
        "no codes to pick from"
    );
    let help = root.query_selector("#code-help").unwrap().unwrap();
    assert!(help.text_content().unwrap().contains("One try"));

    for text in ["4", "42", "05", "4x", " 73 "] {
        type_into(&input, text);
    }
    settle().await;
    let code = |n| Some(VerificationCode::new(n).unwrap());
    assert_eq!(*typed.borrow(), [None, code(42), None, None, code(73)]);
}

#[test]
async fn the_code_field_is_off_while_sending() {
    let root = root();
    let props = CodeInputProps {
        on_code: Callback::noop(),
        disabled: true,
    };
    Renderer::<CodeInput>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let input: HtmlInputElement = root
        .query_selector("input#code")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    assert!(input.disabled());
}

#[test]
async fn problems_are_announced_as_alerts_and_outcomes_as_status() {
    for (tone, role) in [
        (Tone::Bad, "alert"),
        (Tone::Good, "status"),
        (Tone::Info, "status"),
    ] {
        let root = root();
        let props = NoticeProps {
            tone,
            title: "Heading".into(),
            children: Default::default(),
        };
        Renderer::<Notice>::with_root_and_props(root.clone(), props).render();
        settle().await;
        let section = root.query_selector("section").unwrap().unwrap();
        assert_eq!(section.get_attribute("role").as_deref(), Some(role));
        assert_eq!(
            root.query_selector("h2")
                .unwrap()
                .unwrap()
                .text_content()
                .unwrap(),
            "Heading"
        );
    }
}
