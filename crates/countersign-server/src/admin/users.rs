//! `admin user add|list|show|enroll-link|disable|enable`: users, the links
//! that enroll their devices, and the switch that locks them out (their
//! live logins logged out, their requests and statements refused) and lets
//! them back in.

use countersign_core::api::{AddedUser, AuditAction, AuditSubject, DeviceInfo, UserInfo};
use serde::Serialize;
use uuid::Uuid;

use super::{Failure, LINK_TTL, contended, json, say, store_error, user_named};
use crate::clock::{Clock, Random};
use crate::ops::enrollment;
use crate::store::ADMIN_SOURCE;
use crate::store::{AuditEntry, Store, StoreError, UserState, audit_event};

/// A user as `admin user show --json` prints them: whether they are
/// disabled, and every device, revoked ones included.
#[derive(Debug, Serialize)]
pub struct UserDetails {
    /// The user.
    #[serde(flatten)]
    pub user: UserState,
    /// Their devices, oldest first.
    pub devices: Vec<DeviceInfo>,
}

/// What `admin user disable --json` and `enable --json` print.
#[derive(Debug, Serialize)]
struct Switched {
    /// The user as they are now.
    #[serde(flatten)]
    user: UserState,
    /// The live sessions the disable logged out (none for an enable).
    logged_out: Vec<Uuid>,
}

async fn state_of(store: &Store, name: &str) -> Result<UserState, String> {
    store
        .user_state(name)
        .await
        .map_err(store_error)?
        .ok_or_else(|| format!("no user named {name:?}"))
}

fn state_word(user: &UserState) -> String {
    match user.disabled_at {
        Some(at) => format!("disabled {}", at.to_rfc3339()),
        None => "enabled".into(),
    }
}

/// One device as a line of text.
pub(super) fn device_line(device: &DeviceInfo, username: &str) -> String {
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
) -> Result<(), Failure> {
    let added = enrollment::add_user(
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
        say(json(&added)?)?;
    } else {
        say(format_args!(
            "Added {}. Open this link once, within a day, to enroll their first device:",
            added.username
        ))?;
        say(added.enrollment_url)?;
    }
    Ok(())
}

/// `admin user list`: every user, by name, and whether they are disabled.
pub async fn user_list(store: &Store, as_json: bool) -> Result<(), Failure> {
    for user in store.user_states().await.map_err(store_error)? {
        if as_json {
            say(json(&user)?)?;
        } else {
            say(format_args!(
                "{}  {}  {}",
                user.user.username,
                user.user.uid,
                state_word(&user)
            ))?;
        }
    }
    Ok(())
}

/// `admin user show NAME`: the user and their devices.
pub async fn user_show(store: &Store, name: &str, as_json: bool) -> Result<(), Failure> {
    let user = state_of(store, name).await?;
    let devices = store.devices_of(user.user.uid).await.map_err(store_error)?;
    if as_json {
        say(json(&UserDetails { user, devices })?)?;
    } else {
        say(format_args!(
            "{}  {}  {}",
            user.user.username,
            user.user.uid,
            state_word(&user)
        ))?;
        if devices.is_empty() {
            say("no devices")?;
        }
        for device in &devices {
            say(device_line(device, &user.user.username))?;
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
) -> Result<(), Failure> {
    let user = user_named(store, name).await?;
    let url = enrollment::operator_enrollment_link(
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
        say(json(&link)?)?;
    } else {
        say(format_args!(
            "Open this link once, within a day, to enroll a device for {}:",
            user.username
        ))?;
        say(url)?;
    }
    Ok(())
}

/// `admin user disable NAME`: the user's live sessions are logged out in
/// the same transaction, and from then on requests for the username and
/// statements from their devices are refused with `user_disabled`.
pub async fn user_disable(store: &Store, name: &str, as_json: bool) -> Result<(), Failure> {
    let user = user_named(store, name).await?;
    let now = Clock::system().now();
    let entry = audit_event(
        AuditSubject::User,
        AuditAction::Disable,
        now,
        Some(user.uid),
        None,
        Some(ADMIN_SOURCE.into()),
    );
    let log_out = disable_logout(user.uid, now);
    let logged_out = match store.disable_user(&user, &entry, log_out).await {
        Ok(Some(logged_out)) => logged_out,
        Ok(None) => return Err(format!("{name:?} is already disabled").into()),
        Err(StoreError::Contended) => return Err(contended("the user's sessions").into()),
        Err(error) => return Err(store_error(error).into()),
    };
    let logged_out: Vec<Uuid> = logged_out.iter().map(|found| found.session.uid()).collect();
    let user = state_of(store, name).await?;
    if as_json {
        say(json(&Switched { user, logged_out })?)?;
    } else {
        say(format_args!(
            "Disabled {name}; {} live session(s) logged out.",
            logged_out.len()
        ))?;
    }
    Ok(())
}

/// What disabling `user` does to each of their live sessions: logs it out
/// as the operator, with its audit entry; `None` for one past its time,
/// which the sweeper expires.
fn disable_logout(
    user: Uuid,
    now: chrono::DateTime<chrono::Utc>,
) -> impl Fn(&countersign_core::LoginSession) -> Option<(countersign_core::LoginSession, AuditEntry)>
{
    move |found| {
        let mut session = found.clone();
        session.log_out_by_operator(now).ok()?;
        let entry = super::sessions::operator_logout_entry(
            found,
            &session,
            Some(user),
            "the user was disabled by an operator",
        );
        Some((session, entry))
    }
}

/// `admin user enable NAME`: requests and statements are accepted again;
/// the sessions the disable logged out stay logged out.
pub async fn user_enable(store: &Store, name: &str, as_json: bool) -> Result<(), Failure> {
    let user: UserInfo = user_named(store, name).await?;
    let entry = audit_event(
        AuditSubject::User,
        AuditAction::Enable,
        Clock::system().now(),
        Some(user.uid),
        None,
        Some(ADMIN_SOURCE.into()),
    );
    if !store
        .enable_user(user.uid, &entry)
        .await
        .map_err(store_error)?
    {
        return Err(format!("{name:?} is not disabled").into());
    }
    let user = state_of(store, name).await?;
    if as_json {
        let logged_out = Vec::new();
        say(json(&Switched { user, logged_out })?)?;
    } else {
        say(format_args!("Enabled {name}."))?;
    }
    Ok(())
}
