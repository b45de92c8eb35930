//! How a device is named in lists: by the name it was enrolled with, or,
//! for one the account no longer lists, by the start of its uid.

use countersign_core::api::DeviceInfo;
use uuid::Uuid;

/// The name of device `uid` among `devices`; its uid's first eight
/// characters when it is not among them.
pub fn device_name(devices: &[DeviceInfo], uid: Uuid) -> String {
    devices
        .iter()
        .find(|device| device.uid == uid)
        .map(|device| device.name.clone())
        .unwrap_or_else(|| format!("device {}", &uid.to_string()[..8]))
}
