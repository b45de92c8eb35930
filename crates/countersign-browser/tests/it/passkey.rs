//! A device's passkey in a real browser, short of the gesture (the
//! end-to-end suite drives Chromium's virtual authenticator): a device this
//! browser registered no passkey for sends its statements as before, and a
//! kept id that is not one refuses to sign rather than sending a statement
//! the service would take without the person.

use countersign_browser::BrowserError;
use countersign_browser::keys::{self, Preference};
use countersign_browser::passkey;
use countersign_core::Claim;
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::keys::new_device;

/// The JSON a body is sent as.
fn json<T: serde::Serialize>(body: &T) -> String {
    let serializer = serde_wasm_bindgen::Serializer::json_compatible();
    let value = body.serialize(&serializer).unwrap();
    js_sys::JSON::stringify(&value).unwrap().into()
}

#[test]
fn these_browsers_can_make_passkeys() {
    assert!(passkey::supported());
}

#[test]
async fn without_a_passkey_the_statement_goes_as_it_was_signed() {
    let key = keys::create(new_device("ada"), Preference::Best)
        .await
        .unwrap();
    assert_eq!(passkey::credential_of(key.device_uid), None);
    let claim = Claim::InviteDevice { user: key.user_uid };
    let signed = keys::sign_statement(&key, &key.server, claim)
        .await
        .unwrap();
    let attested = passkey::attest(signed.clone(), key.device_uid)
        .await
        .unwrap();
    assert_eq!(attested.assertion, None);
    // The body reads exactly as a plain signed statement.
    assert_eq!(json(&attested), json(&signed));
    keys::forget(key.device_uid).await.unwrap();
}

#[test]
async fn a_kept_id_that_is_not_base64url_refuses_to_sign() {
    let key = keys::create(new_device("ada"), Preference::Best)
        .await
        .unwrap();
    let storage = web_sys::window().unwrap().local_storage().unwrap().unwrap();
    let slot = format!("countersign-passkey:{}", key.device_uid);
    storage.set_item(&slot, "not base64url!").unwrap();
    let signed = keys::sign_statement(
        &key,
        &key.server,
        Claim::InviteDevice { user: key.user_uid },
    )
    .await
    .unwrap();
    let refused = passkey::attest(signed, key.device_uid).await;
    assert!(
        matches!(refused, Err(BrowserError::Storage(_))),
        "{refused:?}"
    );
    storage.remove_item(&slot).unwrap();
    keys::forget(key.device_uid).await.unwrap();
}
