//! A device key kept in a file, for approving from a terminal: which
//! service and user it is enrolled with, its device uid and name, and its
//! secret seed.

use std::path::{Path, PathBuf};

use countersign_core::{DeviceName, Keypair, ServiceUrl, Username};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::CliError;
use crate::files;
use crate::seed::Seed;

/// The key file's contents.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct DeviceKey {
    /// The service the device is enrolled with.
    pub server: ServiceUrl,
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

#[cfg(test)]
mod tests {
    use countersign_core::LoginLink;

    use super::*;

    /// A key file as earlier versions wrote it: they kept the service URL
    /// with its default port and an IPv6 host as typed.
    fn old_key_file(server: &str) -> String {
        format!(
            r#"{{
  "server": "{server}",
  "username": "ada",
  "user_uid": "5f1d0f4c-2a3e-4c1b-9f0e-1c2d3e4f5a6b",
  "device_uid": "6e2d0f4c-2a3e-4c1b-9f0e-1c2d3e4f5a6c",
  "name": "laptop",
  "secret": "{}"
}}"#,
            "A".repeat(43)
        )
    }

    #[test]
    fn a_key_kept_by_an_earlier_version_still_matches_its_service() {
        for (kept, login) in [
            ("http://cs.example:80", "http://cs.example/s?id=ab.cd.ef.01"),
            (
                "https://cs.example:443/pre",
                "https://CS.example/pre/s?id=abcdef01",
            ),
            (
                "http://[0:0:0:0:0:0:0:1]:8080",
                "http://[::1]:8080/s?id=ab.cd.ef.01",
            ),
            (
                "http://127.0.0.1:8080",
                "http://127.0.0.1:8080/s?id=ab.cd.ef.01",
            ),
        ] {
            let key: DeviceKey = serde_json::from_str(&old_key_file(kept)).unwrap();
            let link = LoginLink::parse(login).unwrap();
            assert_eq!(key.server, link.service, "{kept} and {login}");
            // Written again, it is in the one normal form.
            let again = serde_json::to_value(&key).unwrap();
            assert_eq!(again["server"], link.service.as_str());
        }
        assert_eq!(
            serde_json::from_str::<DeviceKey>(&old_key_file("http://cs.example:80"))
                .unwrap()
                .server
                .as_str(),
            "http://cs.example"
        );
        // Another port is another service.
        let key: DeviceKey = serde_json::from_str(&old_key_file("http://cs.example:8080")).unwrap();
        let link = LoginLink::parse("http://cs.example/s?id=ab.cd.ef.01").unwrap();
        assert_ne!(key.server, link.service);
    }
}
