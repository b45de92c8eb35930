//! What a device's signed statement about a session is checked against,
//! read in one query: the device, its user's name and whether an operator
//! disabled them, and the device's passkey. Every approval reads this, and
//! four reads were four round trips (or hand-offs to SQLite's threads).

use countersign_core::api::DeviceInfo;
use sqlx::Row as _;
use uuid::Uuid;

use super::accounts::device_row;
use super::{Store, StoreError, StoredPasskey};

/// A device that signs a statement, with what its statement is checked
/// against.
#[derive(Debug, Clone)]
pub struct Approver {
    /// The device as stored.
    pub device: DeviceInfo,
    /// Its user's name; `None` if the user's row is missing (which the
    /// schema's foreign key rules out).
    pub username: Option<String>,
    /// Whether an operator disabled its user.
    pub user_disabled: bool,
    /// Its passkey, if it has one.
    pub passkey: Option<StoredPasskey>,
}

impl Store {
    /// The device with this uid and what a statement it signs is checked
    /// against, in one read.
    pub async fn approver(&self, device: Uuid) -> Result<Option<Approver>, StoreError> {
        let _timer = self.timed(super::StoreOp::AccountRead);
        let row = sqlx::query(
            "SELECT devices.uid, devices.user_uid, devices.name, devices.public_key, \
             devices.created_at, devices.revoked_at, users.username, \
             users.disabled_at, \
             passkeys.credential_id, passkeys.credential, passkeys.sign_count \
             FROM devices LEFT JOIN users ON users.uid = devices.user_uid \
             LEFT JOIN passkeys ON passkeys.device_uid = devices.uid WHERE devices.uid = $1",
        )
        .bind(device.to_string())
        .fetch_optional(&self.pool)
        .await?;
        let Some(row) = row else {
            return Ok(None);
        };
        let passkey = match row.try_get::<Option<String>, _>("credential_id")? {
            Some(credential_id) => {
                let count: i64 = row.try_get("sign_count")?;
                Some(StoredPasskey {
                    credential_id,
                    credential: row.try_get("credential")?,
                    sign_count: u32::try_from(count)
                        .map_err(|_| StoreError::Corrupt(format!("sign count {count}")))?,
                })
            }
            None => None,
        };
        Ok(Some(Approver {
            device: device_row(&row)?,
            username: row.try_get("username")?,
            user_disabled: row.try_get::<Option<String>, _>("disabled_at")?.is_some(),
            passkey,
        }))
    }
}
