//! Where browser engines differ, checked in each engine the suite runs in
//! (Chromium and Firefox): an engine without WebCrypto Ed25519 gets the
//! wrapped key, any other WebCrypto failure is an error and keeps nothing,
//! and errors say the exception's name, which engines agree on, rather than
//! only its message, which they do not.

use countersign_browser::keys::{self, Backend, Preference};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen_test::wasm_bindgen_test as test;

use crate::keys::new_device;

// Makes crypto.subtle.generateKey refuse Ed25519 with a DOMException named
// `name`, as an engine without it does (Firefox before 129 says
// NotSupportedError); other algorithms, such as the wrapped key's AES-GCM,
// are still made. `restore_generate_key` undoes it.
#[wasm_bindgen(inline_js = r#"
export function refuse_ed25519(name) {
  const original = SubtleCrypto.prototype.generateKey;
  Object.defineProperty(crypto.subtle, 'generateKey', {
    configurable: true,
    value(algorithm, ...rest) {
      const wanted = typeof algorithm === 'string' ? algorithm : algorithm.name;
      if (String(wanted).toLowerCase() === 'ed25519') {
        return Promise.reject(new DOMException('refused by the test', name));
      }
      return original.call(crypto.subtle, algorithm, ...rest);
    },
  });
}
export function restore_generate_key() {
  delete crypto.subtle.generateKey;
}

// Spoils a kept wrapped key's sealed seed, as a damaged store would.
export async function spoil_sealed_seed(deviceUid) {
  const done = (request) => new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const db = await done(indexedDB.open('countersign', 1));
  const store = db.transaction('devices', 'readwrite').objectStore('devices');
  const record = await done(store.get(deviceUid));
  record.sealed = new Uint8Array(record.sealed.byteLength);
  await done(store.put(record));
  db.close();
}
"#)]
extern "C" {
    fn refuse_ed25519(name: &str);
    fn restore_generate_key();
    async fn spoil_sealed_seed(device_uid: String);
}

#[test]
async fn without_webcrypto_ed25519_the_best_key_is_the_wrapped_one() {
    refuse_ed25519("NotSupportedError");
    let made = keys::create(new_device("erin"), Preference::Best).await;
    restore_generate_key();
    let key = made.unwrap();
    assert_eq!(key.backend, Backend::Wrapped);
    assert!(keys::is_extractable(key.device_uid).await.unwrap());
    let signature = keys::sign(key.device_uid, b"hello").await.unwrap();
    assert!(key.public_key.verify(b"hello", &signature));
    keys::forget(key.device_uid).await.unwrap();
}

#[test]
async fn another_webcrypto_failure_is_an_error_and_keeps_nothing() {
    let before = keys::list().await.unwrap();
    refuse_ed25519("OperationError");
    let made = keys::create(new_device("frank"), Preference::Best).await;
    restore_generate_key();
    let error = made.unwrap_err();
    assert!(error.to_string().contains("OperationError"), "{error}");
    assert_eq!(
        keys::list().await.unwrap(),
        before,
        "no weaker key made instead"
    );
}

#[test]
async fn a_webcrypto_error_names_its_exception_in_every_engine() {
    let key = keys::create(new_device("grace"), Preference::Wrapped)
        .await
        .unwrap();
    spoil_sealed_seed(key.device_uid.to_string()).await;
    let error = keys::sign(key.device_uid, b"hello").await.unwrap_err();
    // AES-GCM refuses the spoilt seal. Chromium's message for it is empty
    // and Firefox's generic; the name says what happened in both.
    assert!(error.to_string().contains("OperationError"), "{error}");
    keys::forget(key.device_uid).await.unwrap();
}
