//! `admin backup FILE`: a consistent copy of the SQLite database, made with
//! `VACUUM INTO` while `serve` goes on (it reads one snapshot, as any
//! reader in WAL mode does, and writers are not blocked). PostgreSQL has
//! its own tools: the command says to use `pg_dump`.

use std::path::Path;

use serde::Serialize;

use super::{Failure, json, say, store_error};
use crate::store::{Backend, Store};

/// What `admin backup --json` prints.
#[derive(Debug, Serialize)]
struct Backup<'a> {
    /// The copy made.
    file: &'a str,
    /// Its size.
    bytes: u64,
}

/// `admin backup FILE`: refuses a FILE that exists (a backup never
/// overwrites), and answers a clear error on PostgreSQL.
pub async fn backup(store: &Store, file: &Path, as_json: bool) -> Result<(), Failure> {
    if store.backend() == Backend::Postgres {
        return Err(
            "admin backup copies a SQLite database; for PostgreSQL use its own tools, \
                    such as pg_dump --format=custom DATABASE_URL > FILE (consistent while \
                    serve runs)"
                .into(),
        );
    }
    let shown = file.display().to_string();
    if file.exists() {
        return Err(
            format!("{shown} exists: a backup never overwrites a file; name a new one").into(),
        );
    }
    let text = file
        .to_str()
        .ok_or_else(|| format!("{shown} is not a UTF-8 path"))?;
    store.vacuum_into(text).await.map_err(store_error)?;
    let bytes = std::fs::metadata(file)
        .map_err(|e| format!("the copy {shown} cannot be read: {e}"))?
        .len();
    if as_json {
        say(json(&Backup { file: text, bytes })?)?;
    } else {
        say(format_args!(
            "Backed up the database to {shown} ({bytes} bytes)."
        ))?;
    }
    Ok(())
}
