//! `--data-dir` and `--database-url`, which `serve` and every `admin`
//! command take: where the store is, and opening it.

use std::path::PathBuf;

use clap::Args;
use countersign_server::store::Store;

#[derive(Args)]
pub struct Database {
    /// Keep the SQLite database in this directory (the default: ./countersign-data).
    #[arg(long, env = "COUNTERSIGN_DATA_DIR", conflicts_with = "database_url")]
    data_dir: Option<PathBuf>,
    /// Use this database instead: sqlite://FILE or postgres://...
    #[arg(long, env = "COUNTERSIGN_DATABASE_URL")]
    database_url: Option<String>,
}

impl Database {
    fn url(&self) -> Result<String, String> {
        if let Some(url) = &self.database_url {
            return Ok(url.clone());
        }
        let dir = self
            .data_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("countersign-data"));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        Ok(format!(
            "sqlite://{}?mode=rwc",
            dir.join("countersign.sqlite3").display()
        ))
    }

    pub async fn open(&self) -> Result<Store, String> {
        let url = self.url()?;
        Store::connect(&url)
            .await
            .map_err(|e| format!("cannot open the database: {e}"))
    }
}
