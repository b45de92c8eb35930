//! The command line: what to run against and how hard.

use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "\
Usage: countersign-bench --server-bin PATH [--postgres-url URL] [--json]
                         [--duration-s N] [--concurrency N] [--races N]
                         [--only races|waiters]

Starts PATH (a release build of countersign-server) on a fresh SQLite
database, and on PostgreSQL at URL when given, and measures it from
127.0.0.1. Prints a table, or with --json only one JSON object on stdout;
progress goes to stderr.

  --server-bin PATH    the countersign-server binary to run
  --postgres-url URL   also run against this PostgreSQL database (a user
                       named bench-<random> is added to it)
  --json               print one JSON object instead of the table
  --duration-s N       seconds each throughput loop runs (default 3)
  --concurrency N      connections each throughput loop uses, and races
                       run at once (default 32)
  --races N            approve/deny/report races per database (default
                       10000; 0 runs none): on SQLite on one instance, on
                       PostgreSQL spread over two instances
  --only races         run only the races
  --only waiters       only the memory with 10,000 requesters waiting, on
                       fresh servers (the bare one's beside it)
";

#[derive(Debug, Clone)]
pub struct Options {
    pub server_bin: PathBuf,
    pub postgres_url: Option<String>,
    pub json: bool,
    pub duration: Duration,
    pub concurrency: usize,
    /// Races per database.
    pub races: usize,
    /// Run only the races.
    pub only_races: bool,
    /// Run only the waiters' memory.
    pub only_waiters: bool,
}

#[derive(Debug)]
pub enum Mode {
    Bench(Options),
    /// Hidden: run the bare axum server on this port (the bench starts itself
    /// this way for the ceiling).
    Bare(u16),
    Help,
}

/// The options as they are read, before the required ones are checked.
struct Given {
    server_bin: Option<PathBuf>,
    postgres_url: Option<String>,
    json: bool,
    duration_s: u64,
    concurrency: usize,
    races: usize,
    only_races: bool,
    only_waiters: bool,
}

pub fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Mode, String> {
    let mut given = Given {
        server_bin: None,
        postgres_url: None,
        json: false,
        duration_s: 3,
        concurrency: 32,
        races: 10_000,
        only_races: false,
        only_waiters: false,
    };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => {
                (flag.to_owned(), Some(value.to_owned()))
            }
            _ => (arg.clone(), None),
        };
        let value = || {
            inline
                .clone()
                .or_else(|| args.next())
                .ok_or_else(|| format!("{flag} needs a value"))
        };
        if let Some(mode) = read_flag(&mut given, &flag, value)? {
            return Ok(mode);
        }
    }
    let server_bin = given
        .server_bin
        .ok_or("--server-bin PATH is required (try --help)")?;
    Ok(Mode::Bench(Options {
        server_bin,
        postgres_url: given.postgres_url,
        json: given.json,
        duration: Duration::from_secs(given.duration_s),
        concurrency: given.concurrency,
        races: given.races,
        only_races: given.only_races,
        only_waiters: given.only_waiters,
    }))
}

/// Reads one flag into `given`, taking its value from `value` when it has
/// one; a mode that needs nothing more is returned at once.
fn read_flag(
    given: &mut Given,
    flag: &str,
    mut value: impl FnMut() -> Result<String, String>,
) -> Result<Option<Mode>, String> {
    match flag {
        "-h" | "--help" => return Ok(Some(Mode::Help)),
        "--server-bin" => given.server_bin = Some(PathBuf::from(value()?)),
        "--postgres-url" => given.postgres_url = Some(value()?),
        "--json" => given.json = true,
        "--duration-s" => {
            given.duration_s = within(&value()?, 1..=600)
                .ok_or("--duration-s must be a whole number of seconds from 1 to 600")?;
        }
        "--concurrency" => {
            given.concurrency =
                within(&value()?, 1..=1024).ok_or("--concurrency must be from 1 to 1024")?;
        }
        "--races" => {
            given.races =
                within(&value()?, 0..=1_000_000).ok_or("--races must be from 0 to 1000000")?;
        }
        "--only" => match value()?.as_str() {
            "races" => given.only_races = true,
            "waiters" => given.only_waiters = true,
            other => {
                return Err(format!(
                    "--only {other:?}: only races or waiters can run alone"
                ));
            }
        },
        "--bare-server" => {
            let port = value()?.parse().map_err(|_| "--bare-server needs a port")?;
            return Ok(Some(Mode::Bare(port)));
        }
        other => return Err(format!("unknown argument {other:?} (try --help)")),
    }
    Ok(None)
}

/// `text` as a whole number in `range`.
fn within<T: std::str::FromStr + PartialOrd>(
    text: &str,
    range: std::ops::RangeInclusive<T>,
) -> Option<T> {
    text.parse().ok().filter(|n| range.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_arguments() {
        let Mode::Bench(o) =
            parse_args(args(&["--server-bin", "x", "--json", "--duration-s=2"])).unwrap()
        else {
            panic!("not a bench");
        };
        assert_eq!(o.server_bin, PathBuf::from("x"));
        assert!(o.json);
        assert_eq!(o.duration, Duration::from_secs(2));
        assert_eq!(o.concurrency, 32);
        assert!(o.postgres_url.is_none());
        assert_eq!(o.races, 10_000);
        assert!(!o.only_races);
        let Mode::Bench(o) = parse_args(args(&[
            "--server-bin",
            "x",
            "--races",
            "50",
            "--only=races",
        ]))
        .unwrap() else {
            panic!("not a bench");
        };
        assert_eq!((o.races, o.only_races), (50, true));
        let Mode::Bench(o) = parse_args(args(&["--server-bin", "x", "--only", "waiters"])).unwrap()
        else {
            panic!("not a bench");
        };
        assert!(o.only_waiters && !o.only_races);
        assert!(parse_args(args(&["--server-bin", "x", "--only", "logins"])).is_err());
        assert!(parse_args(args(&["--server-bin", "x", "--only", "verify"])).is_err());
        assert!(parse_args(args(&["--server-bin", "x", "--races", "-1"])).is_err());
        assert!(matches!(
            parse_args(args(&["--bare-server", "8080"])),
            Ok(Mode::Bare(8080))
        ));
        assert!(
            parse_args(args(&["--json"])).is_err(),
            "--server-bin is required"
        );
        assert!(parse_args(args(&["--server-bin"])).is_err());
        assert!(parse_args(args(&["--server-bin", "x", "--duration-s", "0"])).is_err());
        assert!(parse_args(args(&["--server-bin", "x", "--what"])).is_err());
    }
}
