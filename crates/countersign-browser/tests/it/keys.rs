//! Device keys in a real browser: made, kept in IndexedDB, not extractable
//! where WebCrypto has Ed25519 (and honestly said readable by page scripts
//! where it does not), and making signatures the service's own checks accept.

use countersign_browser::clock;
use countersign_browser::keys::{self, Backend, NewDevice, Preference};
use countersign_core::client::ServiceUrl;
use countersign_core::{
    Claim, DeviceName, Freshness, Keypair, LoginRequest, LoginSession, TokenSet, Username,
    uid_from_random,
};
use wasm_bindgen::prelude::wasm_bindgen;
use wasm_bindgen_test::wasm_bindgen_test as test;

fn service(text: &str) -> ServiceUrl {
    ServiceUrl::parse(text).unwrap()
}

pub(crate) fn new_device(username: &str) -> NewDevice {
    NewDevice {
        user_uid: uid_from_random([9; 16]),
        username: username.into(),
        server: service("https://cs.example"),
        name: DeviceName::new("Test browser").unwrap(),
    }
}

async fn check_backend(preference: Preference, expected: Backend, readable: bool) {
    let key = keys::create(new_device("ada"), preference).await.unwrap();
    assert_eq!(key.backend, expected);

    // Kept: a fresh read of the store finds it, public half intact.
    let listed = keys::list().await.unwrap();
    let found = listed
        .iter()
        .find(|k| k.device_uid == key.device_uid)
        .unwrap();
    assert_eq!(found, &key);

    // Readable by page scripts only where the browser cannot prevent it.
    assert_eq!(
        keys::is_extractable(key.device_uid).await.unwrap(),
        readable
    );

    // Signs bytes that verify with the public key, and only those bytes.
    let signature = keys::sign(key.device_uid, b"hello").await.unwrap();
    assert!(key.public_key.verify(b"hello", &signature));
    assert!(!key.public_key.verify(b"hellO", &signature));

    // Signs an approval the service's checks accept.
    let session_key = Keypair::from_seed(&[1; 32]);
    let request = LoginRequest {
        username: Username::new("ada").unwrap(),
        public_key: session_key.public_key(),
        public_cert: Keypair::from_seed(&[2; 32]).public_key(),
        hostname: None,
        login_message: None,
        scope: TokenSet::empty(),
        permissions: TokenSet::empty(),
    };
    let now = clock::now();
    let session = LoginSession::request(
        request,
        uid_from_random([3; 16]),
        "127.0.0.1".parse().unwrap(),
        now,
        countersign_core::DEFAULT_TTL,
    )
    .unwrap();
    let claim = Claim::Approve {
        session: session.uid(),
        details: session.details_digest().unwrap(),
        code: countersign_core::VerificationCode::new(42).unwrap(),
    };
    let service = key.server.clone();
    let signed = keys::sign_statement(&key, &service, claim).await.unwrap();
    assert_eq!(signed.statement.service, service, "it names the service");
    let proof = session
        .verify_device(
            &signed,
            &key.public_key,
            &service,
            now,
            Freshness::default(),
        )
        .unwrap();
    assert_eq!(proof.action(), countersign_core::Action::Approve);

    keys::forget(key.device_uid).await.unwrap();
    assert!(
        keys::list()
            .await
            .unwrap()
            .iter()
            .all(|k| k.device_uid != key.device_uid)
    );
    assert!(keys::sign(key.device_uid, b"x").await.is_err());
}

#[test]
async fn webcrypto_ed25519_keys_are_kept_and_not_extractable() {
    check_backend(Preference::Best, Backend::WebCrypto, false).await;
}

#[test]
async fn wrapped_keys_are_kept_and_said_readable_by_page_scripts() {
    check_backend(Preference::Wrapped, Backend::Wrapped, true).await;
}

#[test]
async fn keys_are_found_per_user_and_service() {
    let ada = keys::create(new_device("ada"), Preference::Best)
        .await
        .unwrap();
    let bob = keys::create(new_device("bob"), Preference::Wrapped)
        .await
        .unwrap();
    let for_ada = keys::for_user(&service("https://cs.example"), "ada")
        .await
        .unwrap();
    assert!(for_ada.iter().any(|k| k.device_uid == ada.device_uid));
    assert!(for_ada.iter().all(|k| k.username == "ada"));
    assert!(
        keys::for_user(&service("https://other.example"), "ada")
            .await
            .unwrap()
            .is_empty()
    );
    keys::forget(ada.device_uid).await.unwrap();
    keys::forget(bob.device_uid).await.unwrap();
}

// Rewrites a kept record's `server` as older code wrote it: whatever string
// the page had, not the normal form.
#[wasm_bindgen(inline_js = r#"
export async function set_kept_server(deviceUid, server) {
  const done = (request) => new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const db = await done(indexedDB.open('countersign', 1));
  const store = db.transaction('devices', 'readwrite').objectStore('devices');
  const record = await done(store.get(deviceUid));
  record.server = server;
  await done(store.put(record));
  db.close();
}
"#)]
extern "C" {
    async fn set_kept_server(device_uid: String, server: String);
}

#[test]
async fn keys_kept_under_another_spelling_of_the_service_are_found() {
    let key = keys::create(new_device("carol"), Preference::Wrapped)
        .await
        .unwrap();
    set_kept_server(key.device_uid.to_string(), "HTTPS://CS.Example:443/".into()).await;
    let found = keys::for_user(&service("https://cs.example"), "carol")
        .await
        .unwrap();
    assert_eq!(
        found.iter().map(|k| k.device_uid).collect::<Vec<_>>(),
        vec![key.device_uid],
        "found by the normal form of the URL it was kept under"
    );
    assert_eq!(found[0].server.as_str(), "https://cs.example");
    // And it still signs.
    let signature = keys::sign(key.device_uid, b"hello").await.unwrap();
    assert!(key.public_key.verify(b"hello", &signature));
    keys::forget(key.device_uid).await.unwrap();
}

// What any script of the page's origin can do with a wrapped key: read its
// record and have WebCrypto decrypt the seed with the (non-extractable, but
// usable) AES key. Answers the seed, or null if it cannot.
#[wasm_bindgen(inline_js = r#"
export async function unseal_kept_seed(deviceUid) {
  const done = (request) => new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error);
  });
  const db = await done(indexedDB.open('countersign', 1));
  const store = db.transaction('devices', 'readonly').objectStore('devices');
  const record = await done(store.get(deviceUid));
  db.close();
  if (!record || !record.wrap_key) return null;
  try {
    const seed = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: record.iv }, record.wrap_key, record.sealed);
    return new Uint8Array(seed);
  } catch (e) {
    return null;
  }
}
"#)]
extern "C" {
    async fn unseal_kept_seed(device_uid: String) -> wasm_bindgen::JsValue;
}

#[test]
async fn a_page_script_can_unseal_a_wrapped_key_and_is_extractable_says_so() {
    let key = keys::create(new_device("dave"), Preference::Wrapped)
        .await
        .unwrap();
    let seed = unseal_kept_seed(key.device_uid.to_string()).await;
    let seed: [u8; 32] = js_sys::Uint8Array::new(&seed).to_vec().try_into().unwrap();
    // The seed a page script recovered is the device's private half.
    assert_eq!(Keypair::from_seed(&seed).public_key(), key.public_key);
    assert!(keys::is_extractable(key.device_uid).await.unwrap());
    keys::forget(key.device_uid).await.unwrap();
}
