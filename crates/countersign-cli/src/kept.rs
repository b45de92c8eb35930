//! Approved sessions kept under the user's config directory, one JSON file
//! per session (`sessions/<uid>.json`), with the two secret seeds that let
//! this program log the session out later.

use std::ffi::OsString;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use countersign_core::{Keypair, LoginSession, ServiceUrl, ShortUid, TokenSet, Username};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::CliError;
use crate::files::{self, FileError};
use crate::seed::Seed;

/// One approved session, as kept.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct KeptSession {
    /// The session uid.
    pub uid: Uuid,
    /// Its short id.
    pub short_uid: ShortUid,
    /// The service that holds it.
    pub server: ServiceUrl,
    /// Who it is for.
    pub username: Username,
    /// The URL the approver opened.
    pub login_url: String,
    /// The hostname the request claimed.
    pub hostname: Option<String>,
    /// The scope asked for.
    pub scope: TokenSet,
    /// The permissions asked for.
    pub permissions: TokenSet,
    /// When it was requested.
    pub requested_at: DateTime<Utc>,
    /// When the request would have expired.
    pub expires_at: DateTime<Utc>,
    /// When it was approved.
    pub approved_at: Option<DateTime<Utc>>,
    /// The device that approved it.
    pub device_uid: Option<Uuid>,
    /// The user who approved it, whom its authorisations name. Sessions
    /// kept by earlier versions lack it; `sign` then asks the service.
    #[serde(default)]
    pub user_uid: Option<Uuid>,
    /// When the login ends. Sessions kept by earlier versions lack it.
    #[serde(default)]
    pub login_expires_at: Option<DateTime<Utc>>,
    /// The seed of the session key (`public_key`).
    pub key_secret: Seed,
    /// The seed of the signing key (`public_certificate`), which signs the
    /// logout.
    pub cert_secret: Seed,
}

impl KeptSession {
    /// What to keep of `session`, approved, requested with these seeds from
    /// `server`.
    pub fn new(
        session: &LoginSession,
        server: &ServiceUrl,
        login_url: &str,
        key_secret: Seed,
        cert_secret: Seed,
    ) -> Self {
        Self {
            uid: session.uid(),
            short_uid: session.short_uid(),
            server: server.clone(),
            username: session.username().clone(),
            login_url: login_url.to_owned(),
            hostname: session.hostname().map(str::to_owned),
            scope: session.scope().clone(),
            permissions: session.permissions().clone(),
            requested_at: session.request_datetime(),
            expires_at: session.expires_at(),
            approved_at: session.login_time(),
            device_uid: session.device_uid(),
            user_uid: session.user_uid(),
            login_expires_at: session.login_expires_at(),
            key_secret,
            cert_secret,
        }
    }

    /// Where its service comes from, as refusals say it: "the service of
    /// the kept session ab.cd.ef.01".
    pub fn named(&self) -> String {
        format!("the service of the kept session {}", self.short_uid)
    }

    /// The key pair behind `public_certificate`.
    pub fn cert_key(&self) -> Keypair {
        self.cert_secret.keypair()
    }
}

/// The directory of kept sessions.
#[derive(Debug, Clone)]
pub struct SessionDir {
    dir: PathBuf,
}

impl SessionDir {
    /// `$XDG_CONFIG_HOME/countersign/sessions`, else
    /// `$HOME/.config/countersign/sessions`. As the XDG spec says, a
    /// relative `XDG_CONFIG_HOME` is ignored.
    pub fn locate() -> Result<Self, CliError> {
        let absolute =
            |value: Option<OsString>| value.map(PathBuf::from).filter(|path| path.is_absolute());
        let config = absolute(std::env::var_os("XDG_CONFIG_HOME"))
            .or_else(|| absolute(std::env::var_os("HOME")).map(|home| home.join(".config")))
            .ok_or(CliError::NoConfigDir)?;
        Ok(Self::at(config.join("countersign").join("sessions")))
    }

    /// The kept sessions in `dir`.
    pub fn at(dir: PathBuf) -> Self {
        Self { dir }
    }

    /// The directory.
    pub fn path(&self) -> &Path {
        &self.dir
    }

    /// Where the session `uid` is kept.
    pub fn file_of(&self, uid: Uuid) -> PathBuf {
        self.dir.join(format!("{uid}.json"))
    }

    /// Keeps a session, atomically, in an owner-only file in an owner-only
    /// directory. Returns the file.
    pub fn keep(&self, session: &KeptSession) -> Result<PathBuf, CliError> {
        if let Some(countersign) = self.dir.parent() {
            files::private_dir(countersign, true)?;
        }
        files::private_dir(&self.dir, true)?;
        let path = self.file_of(session.uid);
        let json = serde_json::to_string_pretty(session).map_err(|e| CliError::BadFile {
            path: path.clone(),
            what: "kept session",
            detail: e.to_string(),
        })?;
        files::write_atomic(&path, format!("{json}\n").as_bytes())?;
        Ok(path)
    }

    /// Every kept session, by request time. Files that cannot be read are
    /// reported to `skipped` and left alone.
    pub fn list(&self, skipped: &mut dyn FnMut(&CliError)) -> Result<Vec<KeptSession>, CliError> {
        let entries = match std::fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(e) => return Err(FileError::new("list", &self.dir, e).into()),
        };
        let mut sessions = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| FileError::new("list", &self.dir, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            // Temporary files of a write in progress (or interrupted) start
            // with a dot and are not sessions.
            if name.starts_with('.') || !name.ends_with(".json") {
                continue;
            }
            match read(&entry.path()) {
                Ok(session) => sessions.push(session),
                Err(error) => skipped(&error),
            }
        }
        sessions.sort_by_key(|s| (s.requested_at, s.uid));
        Ok(sessions)
    }

    /// The kept session named by `id` (a uid or short id, in any of their
    /// forms), or the only one when `id` is `None`.
    pub fn find(&self, id: Option<&str>) -> Result<KeptSession, CliError> {
        let sessions =
            self.list(&mut |error| crate::output::note(&format!("countersign: skipping {error}")))?;
        let names = || {
            sessions
                .iter()
                .map(|s| format!("{} ({})", s.short_uid, s.username))
                .collect::<Vec<_>>()
        };
        let Some(id) = id else {
            return match sessions.as_slice() {
                [] => Err(CliError::NoKeptSession),
                [only] => Ok(only.clone()),
                _ => Err(CliError::WhichSession(names())),
            };
        };
        let by_uid = Uuid::parse_str(id.trim()).ok();
        let by_short = ShortUid::parse(id).ok();
        let found = sessions.iter().find(|s| {
            by_uid.is_some_and(|uid| uid == s.uid)
                || by_short.is_some_and(|short| short == s.short_uid)
        });
        match found {
            Some(session) => Ok(session.clone()),
            None if sessions.is_empty() => Err(CliError::NoKeptSession),
            None => Err(CliError::UnknownSession(id.to_owned(), names().join(", "))),
        }
    }

    /// Deletes a kept session's file, keys and all.
    pub fn forget(&self, session: &KeptSession) -> Result<(), CliError> {
        Ok(files::remove(&self.file_of(session.uid))?)
    }
}

fn read(path: &Path) -> Result<KeptSession, CliError> {
    let text = files::read_private(path)?;
    serde_json::from_str(&text).map_err(|e| CliError::BadFile {
        path: path.to_owned(),
        what: "kept session",
        detail: e.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_session_kept_by_an_earlier_version_still_loads_and_reaches_its_service() {
        // Earlier versions kept `http://h:80` as typed; the one normal form
        // now drops the default port.
        let old = format!(
            r#"{{
  "uid": "0192a6b4-7c3d-7e8f-9a0b-1c2d3e4f5a6b",
  "short_uid": "ab.cd.ef.01",
  "server": "http://h:80",
  "username": "ada",
  "login_url": "http://h:80/s?id=ab.cd.ef.01",
  "hostname": null,
  "scope": [],
  "permissions": [],
  "requested_at": "2026-11-29T09:00:00Z",
  "expires_at": "2026-11-29T09:10:00Z",
  "approved_at": "2026-11-29T09:01:00Z",
  "device_uid": null,
  "key_secret": "{seed}",
  "cert_secret": "{seed}"
}}"#,
            seed = "A".repeat(43)
        );
        let kept: KeptSession = serde_json::from_str(&old).unwrap();
        assert_eq!(kept.server, ServiceUrl::parse("http://h").unwrap());
        assert_eq!(
            kept.server.join(countersign_core::api::paths::SESSIONS),
            "http://h/api/sessions"
        );
        let again = serde_json::to_value(&kept).unwrap();
        assert_eq!(again["server"], "http://h");
        assert_eq!(kept.user_uid, None);
        assert_eq!(kept.login_expires_at, None);
    }
}
