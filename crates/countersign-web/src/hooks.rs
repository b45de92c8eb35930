//! The account hook shared by the Devices and Sessions pages: this
//! browser's keys, the one in use, and the account it reads.

use countersign_browser::keys::DeviceKey;
use countersign_core::api::AccountView;
use yew::{Callback, UseStateHandle, hook, use_effect_with, use_state};

use crate::services;

/// Where the account stands.
#[derive(Debug, Clone, PartialEq)]
pub enum Loaded {
    /// Still reading.
    Loading,
    /// This browser holds no device key for this service.
    NoKeys,
    /// Read, with the key that read it.
    Ready(Box<(DeviceKey, AccountView)>),
    /// It could not be read.
    Failed(String),
}

/// The account and how to change which key reads it, or read it again.
#[derive(Clone)]
pub struct UseAccount {
    /// The keys to choose from.
    pub keys: UseStateHandle<Vec<DeviceKey>>,
    /// The index of the key in use.
    pub selected: UseStateHandle<usize>,
    /// The account.
    pub loaded: UseStateHandle<Loaded>,
    /// Reads the account again (after a change).
    pub reload: Callback<()>,
}

/// Reads the account of the selected device key.
#[hook]
pub fn use_account() -> UseAccount {
    let keys = use_state(Vec::<DeviceKey>::new);
    let selected = use_state(|| 0usize);
    let loaded = use_state(|| Loaded::Loading);
    let generation = use_state(|| 0u32);
    {
        let (keys, loaded) = (keys.clone(), loaded.clone());
        let selected_now = *selected;
        use_effect_with((selected_now, *generation), move |_| {
            yew::platform::spawn_local(async move {
                let local = match services::local_keys().await {
                    Ok(local) => local,
                    Err(error) => return loaded.set(Loaded::Failed(services::explain(&error))),
                };
                keys.set(local.clone());
                let Some(key) = local.get(selected_now).or(local.first()).cloned() else {
                    return loaded.set(Loaded::NoKeys);
                };
                loaded.set(match services::account(&key).await {
                    Ok(account) => Loaded::Ready(Box::new((key, account))),
                    Err(error) => Loaded::Failed(services::explain(&error)),
                });
            });
        });
    }
    let reload = {
        let generation = generation.clone();
        Callback::from(move |()| generation.set(generation.wrapping_add(1)))
    };
    UseAccount {
        keys,
        selected,
        loaded,
        reload,
    }
}
