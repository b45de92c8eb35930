//! A device key kept in a file, for approving from a terminal: which
//! service and user it is enrolled with, its device uid and name, and its
//! secret seed.

use std::path::{Path, PathBuf};

use countersign_core::{DeviceName, Keypair, Username};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::CliError;
use crate::files;
use crate::seed::Seed;
use crate::server_url::ServerUrl;

/// The key file's contents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceKey {
    /// The service the device is enrolled with.
    pub server: ServerUrl,
    /// The device's user.
    pub username: Username,
    /// The user's uid.
    pub user_uid: Uuid,
    /// The device's uid.
    pub device_uid: Uuid,
    /// The device's name.
    pub name: DeviceName,
    /// The secret seed of the device key.
    pub secret: Seed,
}

impl DeviceKey {
    /// The key pair.
    pub fn keypair(&self) -> Keypair {
        self.secret.keypair()
    }

    /// Reads a key file, refusing one that others may read.
    pub fn load(path: &Path) -> Result<Self, CliError> {
        let text = files::read_private(path)?;
        serde_json::from_str(&text).map_err(|e| CliError::BadFile {
            path: path.to_owned(),
            what: "device key file",
            detail: e.to_string(),
        })
    }

    /// Writes the key to a new owner-only file at `path` (in an owner-only
    /// directory if it has to be made), never over an existing file. The
    /// file is deleted again when the returned guard is dropped unkept.
    pub fn create(&self, path: &Path) -> Result<NewKeyFile, CliError> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            files::private_dir(dir, false)?;
        }
        let json = serde_json::to_string_pretty(self).map_err(|e| CliError::BadFile {
            path: path.to_owned(),
            what: "device key file",
            detail: e.to_string(),
        })?;
        files::create_new_private(path, format!("{json}\n").as_bytes())?;
        Ok(NewKeyFile {
            path: Some(path.to_owned()),
        })
    }
}

/// A key file written before its device is enrolled: deleted on drop unless
/// [`NewKeyFile::keep`] is called once the enrollment is accepted.
#[derive(Debug)]
pub struct NewKeyFile {
    path: Option<PathBuf>,
}

impl NewKeyFile {
    /// The enrollment was accepted: the file stays.
    pub fn keep(mut self) {
        self.path = None;
    }
}

impl Drop for NewKeyFile {
    fn drop(&mut self) {
        if let Some(path) = self.path.take() {
            let _ = files::remove(&path);
        }
    }
}
