//! The command line as clap reads it. Names, flags and exit codes here are
//! relied on by scripts: change them only with care.

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory as _, Parser, Subcommand};

use crate::exit::EXIT_CODES;

/// How `sign`'s output is meant to be used.
const SIGN_EXAMPLE: &str =
    r#"curl -H "$(countersign sign 'GET https://api.example/x')" https://api.example/x"#;

/// Ask for logins and approve them with a device key.
#[derive(Debug, Parser)]
#[command(
    name = "countersign",
    version,
    about = "Ask for a login that a person approves with a device key, and approve logins from a terminal",
    after_help = EXIT_CODES
)]
pub struct Cli {
    /// Print JSON for scripts: one object per line, flushed at once.
    #[arg(long, global = true)]
    pub json: bool,
    /// Allow plain http:// to a service that is not on this machine
    /// (localhost, 127.0.0.0/8 and [::1] are always allowed). Without it,
    /// such a --server, login URL, enrollment link or kept file is refused
    /// (exit 1, code insecure_http) before anything is sent: anyone on the
    /// network between could read and change what is sent.
    #[arg(
        long,
        global = true,
        env = "COUNTERSIGN_INSECURE_HTTP",
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub insecure_http: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

impl Cli {
    /// What clap cannot check: `approve` without `--code` needs a terminal
    /// to ask the code on (`stdin_is_terminal`). The refusal is a usage
    /// error (exit 2), as a missing `--code` always was.
    pub fn check(&self, stdin_is_terminal: bool) -> Result<(), clap::Error> {
        match &self.command {
            Command::Approve(ApproveArgs { code: None, .. }) if !stdin_is_terminal => {
                let mut command = Self::command();
                command.build();
                let message = "approve needs --code <CODE> when stdin is not a terminal \
                               (on a terminal it asks for the code)";
                Err(match command.find_subcommand_mut("approve") {
                    Some(approve) => approve.error(ErrorKind::MissingRequiredArgument, message),
                    None => command.error(ErrorKind::MissingRequiredArgument, message),
                })
            }
            _ => Ok(()),
        }
    }
}

/// The commands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ask for a login for USERNAME and wait until it is approved, denied,
    /// reported as suspicious or expired. An approved session is kept under
    /// the config directory.
    #[command(after_help = EXIT_CODES)]
    Login(LoginArgs),
    /// Show the kept sessions and where they stand now.
    #[command(after_help = EXIT_CODES)]
    Status,
    /// Log out a kept session, signed with its key, and delete its keys.
    #[command(after_help = EXIT_CODES)]
    Logout(LogoutArgs),
    /// Sign an authorisation for RESOURCE with a kept session's key, and
    /// print the `Authorization: Countersign ...` header line that carries
    /// it to a relying party.
    #[command(after_help = format!("Example:\n  {SIGN_EXAMPLE}\n\n{EXIT_CODES}"))]
    Sign(SignArgs),
    /// Device keys kept in a file, to approve logins from a terminal.
    Device {
        /// What to do with a device.
        #[command(subcommand)]
        command: DeviceCommand,
    },
    /// Approve a login, after showing it, with the device key in a file.
    #[command(after_help = EXIT_CODES)]
    Approve(ApproveArgs),
    /// Deny a login, after showing it, with the device key in a file.
    #[command(after_help = EXIT_CODES)]
    Deny(DecideArgs),
    /// Report a login as suspicious ("this wasn't me"), after showing it.
    #[command(after_help = EXIT_CODES)]
    Suspicious(DecideArgs),
}

/// `login`.
#[derive(Debug, Args)]
pub struct LoginArgs {
    /// Who the login is for.
    pub username: String,
    /// The countersign service, such as https://countersign.example.
    #[arg(long, env = "COUNTERSIGN_SERVER")]
    pub server: String,
    /// A message for the approver, such as what the login is for.
    #[arg(long)]
    pub message: Option<String>,
    /// The scope asked for: tokens separated by blanks or commas.
    #[arg(long)]
    pub scope: Option<String>,
    /// The permissions asked for: tokens separated by blanks or commas.
    #[arg(long)]
    pub permissions: Option<String>,
}

/// `logout`.
#[derive(Debug, Args)]
pub struct LogoutArgs {
    /// The kept session's uid or short id; may be left out when only one
    /// session is kept.
    pub session: Option<String>,
}

/// `sign`.
#[derive(Debug, Args)]
pub struct SignArgs {
    /// What is authorised, exactly as the relying party names it, such as
    /// "GET https://api.example/v1/files" or "deploy staging".
    pub resource: String,
    /// Binds the request body: its SHA-256 is signed too. `-` reads the body
    /// from stdin.
    #[arg(long, value_name = "FILE")]
    pub body_file: Option<PathBuf>,
    /// The kept session's uid or short id; may be left out when only one
    /// session is kept.
    #[arg(long)]
    pub session: Option<String>,
}

/// The device commands.
#[derive(Debug, Subcommand)]
pub enum DeviceCommand {
    /// Enroll this terminal as a device with a one-time enrollment link,
    /// keeping the new device key in a file.
    #[command(after_help = EXIT_CODES)]
    Enroll(EnrollArgs),
}

/// `device enroll`.
#[derive(Debug, Args)]
pub struct EnrollArgs {
    /// The link `countersign-server admin user add` printed:
    /// SERVER/enroll?token=TOKEN.
    pub link: String,
    /// Where to keep the device key: a new file, readable by you alone.
    #[arg(long)]
    pub key_file: PathBuf,
    /// The device's name, as its owner will see it in lists of devices.
    #[arg(long)]
    pub name: Option<String>,
}

/// `approve`.
#[derive(Debug, Args)]
pub struct ApproveArgs {
    /// What the approver acts on, and the key to act with.
    #[command(flatten)]
    pub decide: DecideArgs,
    /// The verification code the requesting program shows, for scripts.
    /// Left out, it is asked for on the terminal once the login is shown;
    /// without a terminal (stdin) it must be given.
    #[arg(long)]
    pub code: Option<u8>,
}

/// `deny` and `suspicious` (and the common part of `approve`).
#[derive(Debug, Args)]
pub struct DecideArgs {
    /// The login URL (SERVER/s?id=xx.xx.xx.xx), or just the short id for a
    /// login on the key's own service.
    pub login_url: String,
    /// The device key file made by `countersign device enroll`.
    #[arg(long)]
    pub key_file: PathBuf,
    /// Do not ask for confirmation: for scripts that have checked already.
    #[arg(long)]
    pub yes: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_command_line_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn json_is_accepted_after_any_command() {
        let cli = Cli::try_parse_from(["countersign", "status", "--json"]).unwrap();
        assert!(cli.json);
        let cli = Cli::try_parse_from([
            "countersign",
            "approve",
            "http://h/s?id=abcdef01",
            "--key-file",
            "k.json",
            "--code",
            "42",
            "--yes",
        ])
        .unwrap();
        assert!(!cli.json);
        assert!(matches!(
            cli.command,
            Command::Approve(ApproveArgs { code: Some(42), .. })
        ));
    }

    #[test]
    fn approve_without_a_code_needs_a_terminal_to_ask_on() {
        let parse = |args: &[&str]| {
            let mut all = vec!["countersign", "approve", "ab.cd.ef.01", "--key-file", "k"];
            all.extend_from_slice(args);
            Cli::try_parse_from(all).unwrap()
        };
        assert!(parse(&[]).check(true).is_ok());
        let refused = parse(&["--yes"]).check(false).unwrap_err();
        assert_eq!(refused.kind(), ErrorKind::MissingRequiredArgument);
        assert_eq!(refused.exit_code(), 2);
        let text = refused.render().to_string();
        assert!(text.contains("stdin is not a terminal"), "{text}");
        assert!(text.contains("Usage: countersign approve"), "{text}");
        assert!(parse(&["--code", "42"]).check(false).is_ok());
        let deny = Cli::try_parse_from(["countersign", "deny", "x", "--key-file", "k"]).unwrap();
        assert!(deny.check(false).is_ok());
    }
}
