//! The device-key functions in headless Chromium (they need IndexedDB):
//! listing and forgetting kept keys, and the checks made before anything is
//! signed or sent. The full enroll-and-approve flow against a running
//! service is in tests/js/www.test.mjs.

use countersign_browser::keys::{self, NewDevice, Preference};
use countersign_core::client::ServiceUrl;
use countersign_core::{DeviceName, uid_from_random};
use countersign_wasm::devices::{
    approve, deny, enroll_device, forget_device, list_devices, revoke_device,
};
use js_sys::JSON;
use wasm_bindgen::JsValue;
use wasm_bindgen_test::wasm_bindgen_test as test;

fn object(value: serde_json::Value) -> JsValue {
    JSON::parse(&value.to_string()).unwrap()
}

async fn kept(username: &str, server: &str) -> keys::DeviceKey {
    keys::create(
        NewDevice {
            user_uid: uid_from_random([9; 16]),
            username: username.into(),
            server: ServiceUrl::parse(server).unwrap(),
            name: DeviceName::new("Test browser").unwrap(),
        },
        Preference::Best,
    )
    .await
    .unwrap()
}

#[test]
async fn kept_keys_are_listed_filtered_and_forgotten() {
    let ada = kept("ada", "https://cs.example").await;
    let bob = kept("bob", "https://other.example").await;
    let uid = ada.device_uid.to_string();

    let all = list_devices(JsValue::UNDEFINED).await.unwrap();
    let listed = all.iter().find(|d| d.device_uid() == uid).unwrap();
    assert_eq!(listed.username(), "ada");
    assert_eq!(listed.server(), "https://cs.example");
    assert_eq!(listed.name(), "Test browser");
    assert_eq!(listed.public_key(), ada.public_key.to_text());
    assert_eq!(listed.backend(), "webcrypto");

    // A trailing slash names the same service.
    let filter = object(serde_json::json!({"server": "https://cs.example/", "username": "ada"}));
    let for_ada = list_devices(filter).await.unwrap();
    assert!(for_ada.iter().any(|d| d.device_uid() == uid));
    assert!(for_ada.iter().all(|d| d.username() == "ada"));
    let filter = object(serde_json::json!({"server": "https://cs.example", "username": "bob"}));
    assert!(list_devices(filter).await.unwrap().is_empty());

    // Forgetting checks the service when it is named.
    let wrong = object(serde_json::json!({"server": "https://other.example", "deviceUid": uid}));
    assert_eq!(
        forget_device(wrong).await.unwrap_err().code_str(),
        "no_such_device"
    );
    forget_device(object(serde_json::json!({"deviceUid": uid})))
        .await
        .unwrap();
    let all = list_devices(JsValue::UNDEFINED).await.unwrap();
    assert!(all.iter().all(|d| d.device_uid() != uid));
    keys::forget(bob.device_uid).await.unwrap();
}

/// The code of the error a call failed with.
fn code<T>(result: Result<T, countersign_wasm::CountersignError>) -> String {
    match result {
        Ok(_) => panic!("the call succeeded"),
        Err(error) => error.code_str().to_owned(),
    }
}

#[test]
async fn links_and_arguments_are_checked_before_anything_is_sent() {
    let enroll =
        |url: &str, name: &str| object(serde_json::json!({"enrollmentUrl": url, "name": name}));
    assert_eq!(
        code(enroll_device(enroll("https://cs.example/s?id=ab.cd.ef.01", "Laptop")).await),
        "not_enrollment_link"
    );
    assert_eq!(
        code(enroll_device(enroll("https://cs.example/enroll", "Laptop")).await),
        "not_enrollment_link"
    );
    assert_eq!(
        code(enroll_device(enroll("https://cs.example/enroll?token=x", " ")).await),
        "bad_field"
    );
    assert_eq!(
        code(enroll_device(object(serde_json::json!({"enrollmentUrl": "x"}))).await),
        "bad_argument"
    );
    let decision = |url: &str| object(serde_json::json!({"loginUrl": url}));
    assert_eq!(
        code(deny(decision("https://cs.example/enroll?token=x")).await),
        "not_login_url"
    );
    assert_eq!(
        code(deny(decision("https://cs.example/s?id=zz")).await),
        "bad_short_uid"
    );
    let approval = |code: serde_json::Value| {
        object(serde_json::json!({"loginUrl": "https://cs.example/s?id=ab.cd.ef.01", "code": code}))
    };
    assert_eq!(
        code(approve(approval(serde_json::json!(4.5))).await),
        "bad_argument"
    );
    assert_eq!(
        code(deny(approval(serde_json::json!(42))).await),
        "bad_argument",
        "deny takes no code"
    );
    let revoke = object(serde_json::json!({
        "deviceUid": uid_from_random([1; 16]).to_string(),
        "targetDeviceUid": uid_from_random([2; 16]).to_string(),
    }));
    assert_eq!(code(revoke_device(revoke).await), "no_such_device");
    let revoke = object(serde_json::json!({"deviceUid": "nope", "targetDeviceUid": "x"}));
    assert_eq!(code(revoke_device(revoke).await), "bad_uid");
}

#[test]
async fn an_unreachable_service_is_a_network_error() {
    // The test page's origin serves no countersign API on this port.
    let options = serde_json::json!({
        "loginUrl": "http://127.0.0.1:9/s?id=ab.cd.ef.01",
        "code": 42,
    });
    let error = approve(object(options)).await.unwrap_err();
    assert_eq!(error.code_str(), "network");
}
