//! Components rendered in a real browser: what a person sees and can do.

use std::time::Duration;

use countersign_core::VerificationCode;
use countersign_web::components::code_picker::{CodePicker, CodePickerProps};
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

fn codes(values: &[u8]) -> Vec<VerificationCode> {
    values
        .iter()
        .map(|v| VerificationCode::new(*v).unwrap())
        .collect()
}

#[test]
async fn the_code_picker_offers_each_code_as_a_labelled_radio() {
    let root = root();
    let picked = std::rc::Rc::new(std::cell::Cell::new(None));
    let seen = picked.clone();
    let props = CodePickerProps {
        choices: codes(&[12, 34, 56]),
        picked: None,
        on_pick: Callback::from(move |code| seen.set(Some(code))),
        disabled: false,
    };
    Renderer::<CodePicker>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let legend = root.query_selector("legend").unwrap().unwrap();
    assert_eq!(
        legend.text_content().unwrap(),
        "Which code does the program show?"
    );
    let radios = root.query_selector_all("input[type=radio]").unwrap();
    assert_eq!(radios.length(), 3);
    for (i, expected) in ["12", "34", "56"].iter().enumerate() {
        let radio: HtmlInputElement = radios
            .item(u32::try_from(i).unwrap())
            .unwrap()
            .dyn_into()
            .unwrap();
        assert_eq!(radio.value(), *expected);
        let label = root
            .query_selector(&format!("label[for='{}']", radio.id()))
            .unwrap();
        assert!(label.is_some(), "radio {expected} has a label");
        assert!(!radio.disabled());
    }
    let second: HtmlInputElement = radios.item(1).unwrap().dyn_into().unwrap();
    second.click();
    settle().await;
    assert_eq!(picked.get(), Some(VerificationCode::new(34).unwrap()));
}

#[test]
async fn the_code_picker_can_be_turned_off_while_sending() {
    let root = root();
    let props = CodePickerProps {
        choices: codes(&[12, 34, 56]),
        picked: Some(VerificationCode::new(56).unwrap()),
        on_pick: Callback::noop(),
        disabled: true,
    };
    Renderer::<CodePicker>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let radios = root.query_selector_all("input[type=radio]").unwrap();
    for i in 0..radios.length() {
        let radio: HtmlInputElement = radios.item(i).unwrap().dyn_into().unwrap();
        assert!(radio.disabled());
        assert_eq!(radio.checked(), radio.value() == "56");
    }
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
