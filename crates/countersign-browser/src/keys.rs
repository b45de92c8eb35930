//! Device keys held in this browser. The private half is never readable by
//! page scripts where the browser can prevent it: a non-extractable WebCrypto
//! Ed25519 key kept in IndexedDB. Where WebCrypto lacks Ed25519, a key made
//! in wasm is stored sealed by a non-extractable AES-GCM key, opened only
//! for the moment of signing; that is weaker, and said so by
//! [`is_extractable`]: any script of the same origin can read the sealed
//! seed and the AES key from IndexedDB and ask WebCrypto to decrypt it.
//! Nothing here sends or logs a private key.

use countersign_core::client::ServiceUrl;
use countersign_core::{
    Claim, DeviceName, Keypair, PublicKey, Signature, SignedStatement, Signer, Statement,
    uid_from_random,
};
use js_sys::{Array, Function, Object, Uint8Array};
use uuid::Uuid;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::CryptoKey;

use crate::error::{BrowserError, describe};
use crate::{clock, idb, js};

/// How a device key is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// A non-extractable WebCrypto Ed25519 key.
    WebCrypto,
    /// An ed25519-dalek key sealed by a non-extractable AES-GCM key. The
    /// AES key cannot be exported, but it can be used: a script of the same
    /// origin can decrypt the seed with it, so the private half is readable
    /// by page scripts.
    Wrapped,
}

/// Which backend to use when making a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Preference {
    /// WebCrypto Ed25519 if the browser has it, else the wrapped key.
    Best,
    /// The wrapped key, even where WebCrypto has Ed25519 (for tests).
    Wrapped,
}

/// What a new device is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewDevice {
    /// The user it approves for.
    pub user_uid: Uuid,
    /// Their username.
    pub username: String,
    /// The service it is for.
    pub server: ServiceUrl,
    /// The name its owner gives it.
    pub name: DeviceName,
}

/// A device key kept in this browser: everything but the private half.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceKey {
    /// The device uid.
    pub device_uid: Uuid,
    /// Its user.
    pub user_uid: Uuid,
    /// Its user's name.
    pub username: String,
    /// The service it is registered with. Keys are found by this URL, in
    /// its normal form.
    pub server: ServiceUrl,
    /// Its name.
    pub name: DeviceName,
    /// Its public key.
    pub public_key: PublicKey,
    /// How the private half is kept.
    pub backend: Backend,
}

/// Random bytes from crypto.getRandomValues.
#[allow(
    clippy::disallowed_methods,
    reason = "the browser glue's one random source"
)]
fn random<const N: usize>() -> Result<[u8; N], BrowserError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes)
        .map_err(|e| BrowserError::Unsupported(format!("no random source: {e}")))?;
    Ok(bytes)
}

fn subtle() -> Result<web_sys::SubtleCrypto, BrowserError> {
    Ok(js::window()?
        .crypto()
        .map_err(|_| BrowserError::Unsupported("no WebCrypto".into()))?
        .subtle())
}

/// Calls `crypto.subtle[method](...args)` and awaits the promise.
async fn call_subtle(method: &str, args: &[JsValue]) -> Result<JsValue, BrowserError> {
    js::wait(subtle_promise(method, args)?, BrowserError::Unsupported).await
}

/// `crypto.subtle[method](...args)`, not yet awaited.
fn subtle_promise(method: &str, args: &[JsValue]) -> Result<js_sys::Promise, BrowserError> {
    let subtle = subtle()?;
    let function: Function = js::get_as(&subtle, method)
        .ok_or_else(|| BrowserError::Unsupported(format!("no crypto.subtle.{method}")))?;
    let args: Array = args.iter().collect();
    let promise = function
        .apply(&subtle, &args)
        .map_err(|e| BrowserError::Unsupported(describe(&e)))?;
    promise
        .dyn_into::<js_sys::Promise>()
        .map_err(|_| BrowserError::Unsupported(format!("crypto.subtle.{method} is not async")))
}

fn algorithm(name: &str) -> Object {
    js::object(&[("name", JsValue::from_str(name))])
}

fn usages(list: &[&str]) -> JsValue {
    list.iter()
        .map(|u| JsValue::from_str(u))
        .collect::<Array>()
        .into()
}

/// A fresh non-extractable Ed25519 pair, or `None` where WebCrypto lacks
/// Ed25519. Engines without it (Firefox before 129, Safari before 17)
/// reject with a `NotSupportedError`, each with its own message; any other
/// failure is an error, not a reason to fall back quietly to the weaker
/// wrapped key.
async fn webcrypto_pair() -> Result<Option<(CryptoKey, PublicKey)>, BrowserError> {
    let generated = subtle_promise(
        "generateKey",
        &[
            algorithm("Ed25519").into(),
            JsValue::FALSE,
            usages(&["sign", "verify"]),
        ],
    )?;
    let pair = match JsFuture::from(generated).await {
        Ok(pair) => pair,
        Err(e) if is_not_supported(&e) => return Ok(None),
        Err(e) => return Err(BrowserError::Unsupported(describe(&e))),
    };
    let half = |name| {
        js::get_as::<CryptoKey>(&pair, name)
            .ok_or_else(|| BrowserError::Unsupported(format!("generateKey gave no {name}")))
    };
    let (private, public) = (half("privateKey")?, half("publicKey")?);
    let raw = call_subtle("exportKey", &[JsValue::from_str("raw"), public.into()]).await?;
    let bytes = js::bytes::<32>(&raw, "public key")?;
    let public_key = PublicKey::from_bytes(&bytes)
        .map_err(|e| BrowserError::Unsupported(format!("WebCrypto's public key: {e}")))?;
    Ok(Some((private, public_key)))
}

/// Whether WebCrypto refused an algorithm it does not have.
fn is_not_supported(error: &JsValue) -> bool {
    error
        .dyn_ref::<web_sys::DomException>()
        .is_some_and(|e| e.name() == "NotSupportedError")
}

/// A key made in wasm, sealed by a fresh non-extractable AES-GCM key.
async fn wrapped_pair() -> Result<(Object, PublicKey), BrowserError> {
    let mut seed = random::<32>()?;
    let public_key = Keypair::from_seed(&seed).public_key();
    let aes = js::object(&[("name", "AES-GCM".into()), ("length", 256.into())]);
    let wrap_key = call_subtle(
        "generateKey",
        &[aes.into(), JsValue::FALSE, usages(&["encrypt", "decrypt"])],
    )
    .await?;
    let iv = random::<12>()?;
    let params = js::object(&[("name", "AES-GCM".into()), ("iv", js::uint8(&iv).into())]);
    let sealed = call_subtle(
        "encrypt",
        &[params.into(), wrap_key.clone(), js::uint8(&seed).into()],
    )
    .await;
    seed.fill(0);
    let sealed = Uint8Array::new(&sealed?);
    let parts = js::object(&[
        ("wrap_key", wrap_key),
        ("iv", js::uint8(&iv).into()),
        ("sealed", sealed.into()),
    ]);
    Ok((parts, public_key))
}

/// Makes a device key, keeps it in IndexedDB, and returns its public part.
pub async fn create(new: NewDevice, preference: Preference) -> Result<DeviceKey, BrowserError> {
    let device_uid = uid_from_random(random()?);
    let record = js::object(&[
        ("device_uid", device_uid.to_string().into()),
        ("user_uid", new.user_uid.to_string().into()),
        ("username", new.username.as_str().into()),
        // The normal form, so that every spelling of the service finds it.
        ("server", new.server.as_str().into()),
        ("name", new.name.as_str().into()),
        ("created_ms", clock::now_ms().into()),
    ]);
    let native = match preference {
        Preference::Best => webcrypto_pair().await?,
        Preference::Wrapped => None,
    };
    let (backend, public_key) = match native {
        Some((private, public_key)) => {
            set(&record, "private_key", private.into());
            (Backend::WebCrypto, public_key)
        }
        None => {
            let (parts, public_key) = wrapped_pair().await?;
            for key in ["wrap_key", "iv", "sealed"] {
                set(&record, key, js::get(&parts, key));
            }
            (Backend::Wrapped, public_key)
        }
    };
    set(&record, "public_key", public_key.to_text().into());
    set(&record, "backend", JsValue::from_str(backend_name(backend)));
    idb::put(&record).await?;
    Ok(DeviceKey {
        device_uid,
        user_uid: new.user_uid,
        username: new.username,
        server: new.server,
        name: new.name,
        public_key,
        backend,
    })
}

fn set(object: &Object, key: &str, value: JsValue) {
    let _ = js_sys::Reflect::set(object, &JsValue::from_str(key), &value);
}

fn backend_name(backend: Backend) -> &'static str {
    match backend {
        Backend::WebCrypto => "webcrypto",
        Backend::Wrapped => "wrapped",
    }
}

/// A kept key from its record, or `None` for a record this code cannot
/// read. The service URL is put in its normal form here too: keys kept by
/// older code under another spelling (`https://cs.example/`,
/// `HTTPS://CS.example:443`) are found by the normal one.
fn read(record: &JsValue) -> Option<DeviceKey> {
    let uid = |key| js::get_string(record, key).and_then(|t| Uuid::parse_str(&t).ok());
    let backend = match js::get_string(record, "backend")?.as_str() {
        "webcrypto" => Backend::WebCrypto,
        "wrapped" => Backend::Wrapped,
        _ => return None,
    };
    Some(DeviceKey {
        device_uid: uid("device_uid")?,
        user_uid: uid("user_uid")?,
        username: js::get_string(record, "username")?,
        server: ServiceUrl::parse(&js::get_string(record, "server")?).ok()?,
        name: DeviceName::new(js::get_string(record, "name")?).ok()?,
        public_key: PublicKey::from_text(&js::get_string(record, "public_key")?).ok()?,
        backend,
    })
}

/// Every device key kept in this browser, for every user and service.
pub async fn list() -> Result<Vec<DeviceKey>, BrowserError> {
    Ok(idb::all().await?.iter().filter_map(read).collect())
}

/// The kept keys for one user on one service.
pub async fn for_user(server: &ServiceUrl, username: &str) -> Result<Vec<DeviceKey>, BrowserError> {
    Ok(list()
        .await?
        .into_iter()
        .filter(|k| &k.server == server && k.username == username)
        .collect())
}

/// Signs `message` with the kept device key.
pub async fn sign(device_uid: Uuid, message: &[u8]) -> Result<Signature, BrowserError> {
    let record = idb::get(&device_uid.to_string())
        .await?
        .ok_or(BrowserError::NoSuchDevice)?;
    let key = read(&record).ok_or(BrowserError::NoSuchDevice)?;
    match key.backend {
        Backend::WebCrypto => {
            let private: CryptoKey =
                js::get_as(&record, "private_key").ok_or(BrowserError::NoSuchDevice)?;
            let signature = call_subtle(
                "sign",
                &[
                    algorithm("Ed25519").into(),
                    private.into(),
                    js::uint8(message).into(),
                ],
            )
            .await?;
            Ok(Signature::from_bytes(&js::bytes::<64>(
                &signature,
                "signature",
            )?))
        }
        Backend::Wrapped => {
            let iv = js::get(&record, "iv");
            let params = js::object(&[("name", "AES-GCM".into()), ("iv", iv)]);
            let seed = call_subtle(
                "decrypt",
                &[
                    params.into(),
                    js::get(&record, "wrap_key"),
                    js::get(&record, "sealed"),
                ],
            )
            .await?;
            let mut seed = js::bytes::<32>(&seed, "sealed key")?;
            let signature = Keypair::from_seed(&seed).sign_bytes(message);
            seed.fill(0);
            Ok(signature)
        }
    }
}

/// Makes a statement to `service` now, signed by the kept device key.
pub async fn sign_statement(
    key: &DeviceKey,
    service: &ServiceUrl,
    claim: Claim,
) -> Result<SignedStatement, BrowserError> {
    let signer = Signer::Device(key.device_uid);
    let statement = Statement::new(claim, service.clone(), signer, clock::now());
    let signature = sign(key.device_uid, &statement.canonical_bytes()).await?;
    Ok(SignedStatement {
        statement,
        signature,
    })
}

/// Forgets a device key: this browser can no longer sign with it.
pub async fn forget(device_uid: Uuid) -> Result<(), BrowserError> {
    idb::delete(&device_uid.to_string()).await
}

/// Whether page scripts could read the private half. A WebCrypto key is
/// tried: exporting it must fail. A wrapped key always could: its sealing
/// key cannot be exported, but any script of the same origin can read the
/// record from IndexedDB and ask WebCrypto to decrypt the seed with it, so
/// the seal only keeps the seed out of a plain dump of the store.
pub async fn is_extractable(device_uid: Uuid) -> Result<bool, BrowserError> {
    let record = idb::get(&device_uid.to_string())
        .await?
        .ok_or(BrowserError::NoSuchDevice)?;
    match js::get_string(&record, "backend").as_deref() {
        Some("webcrypto") => {
            let secret = js::get(&record, "private_key");
            Ok(
                call_subtle("exportKey", &[JsValue::from_str("pkcs8"), secret])
                    .await
                    .is_ok(),
            )
        }
        _ => Ok(true),
    }
}
