//! A throwaway PostgreSQL server for the tests and the benchmark: a fresh
//! cluster in a temporary directory on a free loopback port, stopped and
//! removed when dropped. PostgreSQL refuses to run as root, so as root the
//! cluster belongs to the `postgres` user.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::cmd;

/// A running throwaway server.
pub struct Postgres {
    bin: PathBuf,
    dir: PathBuf,
    as_postgres: bool,
    /// The URL of its `postgres` database, as the superuser `postgres`.
    pub url: String,
}

fn find_bin() -> Option<PathBuf> {
    let mut versions: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(Result::ok)
        .map(|entry| entry.path().join("bin"))
        .filter(|bin| bin.join("initdb").is_file())
        .collect();
    versions.sort_by_key(|p| {
        p.parent()
            .and_then(Path::file_name)
            .and_then(|v| v.to_str())
            .and_then(|v| v.parse::<u32>().ok())
            .unwrap_or(0)
    });
    versions.pop()
}

fn is_root() -> bool {
    cmd::output("id", &["-u"]).is_some_and(|uid| uid.trim() == "0")
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener
        .local_addr()
        .map(|a| a.port())
        .map_err(|e| e.to_string())
}

impl Postgres {
    /// Installs PostgreSQL from Debian if it is missing (as root), then
    /// starts a fresh cluster.
    pub fn start() -> Result<Self, String> {
        Self::start_quietly(false)
    }

    /// As [`Postgres::start`], printing nothing on stdout when `quiet`.
    pub fn start_quietly(quiet: bool) -> Result<Self, String> {
        let bin = match find_bin() {
            Some(bin) => bin,
            None if is_root() => {
                cmd::run(Command::new("apt-get").arg("update"))?;
                cmd::run(
                    Command::new("apt-get")
                        .args(["install", "-y", "--no-install-recommends", "postgresql"])
                        .env("DEBIAN_FRONTEND", "noninteractive"),
                )?;
                find_bin().ok_or("postgresql was installed but initdb is not found")?
            }
            None => {
                return Err(
                    "PostgreSQL is needed for the PostgreSQL suite: install the Debian \
                            package `postgresql`, then run again"
                        .into(),
                );
            }
        };
        let as_postgres = is_root();
        let port = free_port()?;
        let dir =
            std::env::temp_dir().join(format!("countersign-pg-{port}-{}", std::process::id()));
        std::fs::create_dir_all(&dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let server = Self {
            bin,
            dir: dir.clone(),
            as_postgres,
            url: format!("postgres://postgres@127.0.0.1:{port}/postgres"),
        };
        if as_postgres {
            cmd::run(
                Command::new("chown")
                    .args(["-R", "postgres:postgres"])
                    .arg(&dir),
            )?;
        }
        let data = dir.join("data");
        let data = data.to_string_lossy();
        let silent = |mut command: Command| {
            command.stdout(std::process::Stdio::null());
            command
        };
        cmd::run(&mut silent(server.command(
            "initdb",
            &["-D", &data, "-A", "trust", "-U", "postgres"],
        )))?;
        let options = format!(
            "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
            dir.display()
        );
        let log = dir.join("log");
        cmd::run(&mut silent(server.command(
            "pg_ctl",
            &[
                "-D",
                &data,
                "-o",
                &options,
                "-l",
                &log.to_string_lossy(),
                "-w",
                "start",
            ],
        )))?;
        if quiet {
            eprintln!("PostgreSQL is running at {}", server.url);
        } else {
            println!("PostgreSQL is running at {}", server.url);
        }
        Ok(server)
    }

    fn command(&self, program: &str, args: &[&str]) -> Command {
        let path = self.bin.join(program);
        let mut command = if self.as_postgres {
            let mut command = Command::new("runuser");
            command.args(["-u", "postgres", "--"]).arg(path);
            command
        } else {
            Command::new(path)
        };
        // The `postgres` user may not enter the checkout's directory.
        command.args(args).current_dir(&self.dir);
        command
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.dir.join("data");
        let _ = self
            .command(
                "pg_ctl",
                &["-D", &data.to_string_lossy(), "-m", "fast", "-w", "stop"],
            )
            .stdout(std::process::Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}
