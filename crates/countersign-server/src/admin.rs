//! `countersign-server admin ...`: what an operator does without a device,
//! straight on the database (safe while `serve` runs: every change is one
//! transaction, and on PostgreSQL it is announced to every instance). Each
//! command prints words for people, or with `--json` one JSON object (NDJSON
//! for lists), and every change is an audit entry with source `admin`.

use chrono::TimeDelta;
use countersign_core::api::{AddedUser, DeviceInfo, UserInfo};
use serde::Serialize;
use uuid::Uuid;

use crate::accounts::{self, ADMIN_SOURCE};
use crate::clock::{Clock, Random};
use crate::store::{Store, StoreError, audit_event};

/// How long a link from `admin user add` or `enroll-link` stays usable.
pub const LINK_TTL: TimeDelta = TimeDelta::days(1);

/// A user as `admin user show --json` prints them: with every device,
/// revoked ones included.
#[derive(Debug, Serialize)]
pub struct UserDetails {
    /// The user.
    #[serde(flatten)]
    pub user: UserInfo,
    /// Their devices, oldest first.
    pub devices: Vec<DeviceInfo>,
}

/// What `admin device revoke --json` prints.
#[derive(Debug, Serialize)]
pub struct Revoked {
    /// The device, now revoked.
    pub device: DeviceInfo,
    /// The sessions its revocation logged out.
    pub logged_out: Vec<Uuid>,
}

fn json(value: &impl Serialize) -> Result<String, String> {
    serde_json::to_string(value).map_err(|e| e.to_string())
}

fn store_error(error: StoreError) -> String {
    format!("the database failed: {error}")
}

async fn user_named(store: &Store, name: &str) -> Result<UserInfo, String> {
    store
        .user_by_name(name)
        .await
        .map_err(store_error)?
        .ok_or_else(|| format!("no user named {name:?}"))
}

fn device_line(device: &DeviceInfo, username: &str) -> String {
    let state = match device.revoked_at {
        Some(at) => format!("revoked {}", at.to_rfc3339()),
        None => "active".into(),
    };
    format!(
        "{}  {username}  {:?}  enrolled {}  {state}",
        device.uid,
        device.name,
        device.created_at.to_rfc3339()
    )
}

/// `admin user add NAME`: a new user and the link for their first device.
pub async fn user_add(
    store: &Store,
    public_url: &str,
    name: &str,
    as_json: bool,
) -> Result<(), String> {
    let added = accounts::add_user(
        store,
        &Clock::system(),
        &Random::system(),
        public_url,
        name,
        LINK_TTL,
    )
    .await
    .map_err(|e| e.to_string())?;
    if as_json {
        println!("{}", json(&added)?);
    } else {
        println!(
            "Added {}. Open this link once, within a day, to enroll their first device:",
            added.username
        );
        println!("{}", added.enrollment_url);
    }
    Ok(())
}

/// `admin user list`: every user, by name.
pub async fn user_list(store: &Store, as_json: bool) -> Result<(), String> {
    for user in store.users().await.map_err(store_error)? {
        if as_json {
            println!("{}", json(&user)?);
        } else {
            println!("{}  {}", user.username, user.uid);
        }
    }
    Ok(())
}

/// `admin user show NAME`: the user and their devices.
pub async fn user_show(store: &Store, name: &str, as_json: bool) -> Result<(), String> {
    let user = user_named(store, name).await?;
    let devices = store.devices_of(user.uid).await.map_err(store_error)?;
    if as_json {
        println!("{}", json(&UserDetails { user, devices })?);
    } else {
        println!("{}  {}", user.username, user.uid);
        if devices.is_empty() {
            println!("no devices");
        }
        for device in &devices {
            println!("{}", device_line(device, &user.username));
        }
    }
    Ok(())
}

/// `admin user enroll-link NAME`: a new one-time link that enrolls a device
/// for an existing user.
pub async fn user_enroll_link(
    store: &Store,
    public_url: &str,
    name: &str,
    as_json: bool,
) -> Result<(), String> {
    let user = user_named(store, name).await?;
    let url = accounts::operator_enrollment_link(
        store,
        &Clock::system(),
        &Random::system(),
        public_url,
        &user,
        LINK_TTL,
    )
    .await
    .map_err(|e| e.to_string())?;
    if as_json {
        let link = AddedUser {
            username: user.username,
            user_uid: user.uid,
            enrollment_url: url,
        };
        println!("{}", json(&link)?);
    } else {
        println!(
            "Open this link once, within a day, to enroll a device for {}:",
            user.username
        );
        println!("{url}");
    }
    Ok(())
}

/// `admin device list [--user NAME]`: devices, by user.
pub async fn device_list(store: &Store, user: Option<&str>, as_json: bool) -> Result<(), String> {
    let users = match user {
        Some(name) => vec![user_named(store, name).await?],
        None => store.users().await.map_err(store_error)?,
    };
    for user in users {
        for device in store.devices_of(user.uid).await.map_err(store_error)? {
            if as_json {
                println!("{}", json(&device)?);
            } else {
                println!("{}", device_line(&device, &user.username));
            }
        }
    }
    Ok(())
}

/// `admin device revoke UID`: the revocation a device of the user could
/// sign, with its logouts, by the operator.
pub async fn device_revoke(store: &Store, uid: &str, as_json: bool) -> Result<(), String> {
    let uid = Uuid::parse_str(uid).map_err(|_| format!("{uid:?} is not a device uid"))?;
    let device = store
        .device(uid)
        .await
        .map_err(store_error)?
        .ok_or_else(|| format!("no device {uid}"))?;
    let now = Clock::system().now();
    let entry = audit_event(
        "device",
        "revoke",
        now,
        Some(device.user_uid),
        None,
        Some(ADMIN_SOURCE.into()),
    );
    let log_out = accounts::revocation_logout(uid, now, device.user_uid, None, ADMIN_SOURCE);
    let logged_out = match store.revoke_device(uid, &entry, log_out).await {
        Ok(Some(logged_out)) => logged_out,
        Ok(None) => return Err(format!("device {uid} is already revoked")),
        Err(StoreError::Contended) => {
            return Err("the device's logins kept changing while it was revoked; try again".into());
        }
        Err(error) => return Err(store_error(error)),
    };
    let device = store
        .device(uid)
        .await
        .map_err(store_error)?
        .ok_or_else(|| format!("no device {uid}"))?;
    let logged_out: Vec<Uuid> = logged_out.iter().map(|found| found.session.uid()).collect();
    if as_json {
        println!("{}", json(&Revoked { device, logged_out })?);
    } else {
        println!(
            "Revoked device {uid} ({:?}); {} login(s) logged out.",
            device.name,
            logged_out.len()
        );
    }
    Ok(())
}
