//! A small IndexedDB store: one database, one object store of device
//! records keyed by device uid. CryptoKey objects are stored as they are;
//! IndexedDB keeps them, non-extractable, across reloads.

use js_sys::{Array, Promise};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    IdbDatabase, IdbObjectStoreParameters, IdbRequest, IdbTransaction, IdbTransactionMode,
};

use crate::error::{BrowserError, describe};
use crate::js;

const DB_NAME: &str = "countersign";
const DB_VERSION: u32 = 1;
const STORE: &str = "devices";
const KEY_PATH: &str = "device_uid";

fn storage(error: JsValue) -> BrowserError {
    BrowserError::Storage(describe(&error))
}

/// Resolves when the request succeeds, with its result.
async fn done(request: &IdbRequest) -> Result<JsValue, BrowserError> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_success = {
            let request = request.clone();
            Closure::once_into_js(move || {
                let _ = resolve.call1(
                    &JsValue::NULL,
                    &request.result().unwrap_or(JsValue::UNDEFINED),
                );
            })
        };
        let on_error = {
            let request = request.clone();
            Closure::once_into_js(move || {
                let error = request
                    .error()
                    .ok()
                    .flatten()
                    .map(JsValue::from)
                    .unwrap_or_else(|| JsValue::from_str("IndexedDB request failed"));
                let _ = reject.call1(&JsValue::NULL, &error);
            })
        };
        request.set_onsuccess(Some(on_success.unchecked_ref()));
        request.set_onerror(Some(on_error.unchecked_ref()));
    });
    js::wait(promise, BrowserError::Storage).await
}

/// Resolves when the transaction has committed.
async fn committed(transaction: &IdbTransaction) -> Result<(), BrowserError> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::NULL);
        });
        let on_error = Closure::once_into_js(move || {
            let _ = reject.call1(
                &JsValue::NULL,
                &JsValue::from_str("IndexedDB transaction failed"),
            );
        });
        transaction.set_oncomplete(Some(on_complete.unchecked_ref()));
        transaction.set_onerror(Some(on_error.unchecked_ref()));
        transaction.set_onabort(Some(on_error.unchecked_ref()));
    });
    js::wait(promise, BrowserError::Storage).await.map(|_| ())
}

async fn open() -> Result<IdbDatabase, BrowserError> {
    let factory = js::window()?
        .indexed_db()
        .map_err(storage)?
        .ok_or_else(|| BrowserError::Unsupported("no IndexedDB".into()))?;
    let request = factory
        .open_with_u32(DB_NAME, DB_VERSION)
        .map_err(storage)?;
    let on_upgrade = {
        let request = request.clone();
        Closure::once_into_js(move || {
            if let Ok(db) = request.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
                let parameters = IdbObjectStoreParameters::new();
                parameters.set_key_path(&JsValue::from_str(KEY_PATH));
                let _ = db.create_object_store_with_optional_parameters(STORE, &parameters);
            }
        })
    };
    request.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let db = done(&request).await?;
    db.dyn_into::<IdbDatabase>()
        .map_err(|_| BrowserError::Storage("IndexedDB did not open".into()))
}

/// Writes a record, keyed by its `device_uid`.
pub(crate) async fn put(record: &JsValue) -> Result<(), BrowserError> {
    let db = open().await?;
    let transaction = db
        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
        .map_err(storage)?;
    let request = transaction
        .object_store(STORE)
        .map_err(storage)?
        .put(record)
        .map_err(storage)?;
    done(&request).await?;
    committed(&transaction).await?;
    db.close();
    Ok(())
}

/// The record with this device uid.
pub(crate) async fn get(device_uid: &str) -> Result<Option<JsValue>, BrowserError> {
    let db = open().await?;
    let transaction = db.transaction_with_str(STORE).map_err(storage)?;
    let request = transaction
        .object_store(STORE)
        .map_err(storage)?
        .get(&JsValue::from_str(device_uid))
        .map_err(storage)?;
    let value = done(&request).await?;
    db.close();
    Ok((!value.is_undefined()).then_some(value))
}

/// Every record.
pub(crate) async fn all() -> Result<Vec<JsValue>, BrowserError> {
    let db = open().await?;
    let transaction = db.transaction_with_str(STORE).map_err(storage)?;
    let request = transaction
        .object_store(STORE)
        .map_err(storage)?
        .get_all()
        .map_err(storage)?;
    let values = done(&request).await?;
    db.close();
    Ok(values
        .dyn_into::<Array>()
        .map(|a| a.to_vec())
        .unwrap_or_default())
}

/// Deletes the record with this device uid.
pub(crate) async fn delete(device_uid: &str) -> Result<(), BrowserError> {
    let db = open().await?;
    let transaction = db
        .transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite)
        .map_err(storage)?;
    let request = transaction
        .object_store(STORE)
        .map_err(storage)?
        .delete(&JsValue::from_str(device_uid))
        .map_err(storage)?;
    done(&request).await?;
    committed(&transaction).await?;
    db.close();
    Ok(())
}
