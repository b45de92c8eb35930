//! One module per command; each returns how the program should exit.

mod cancel;
mod decide;
mod enroll;
mod login;
mod logout;
mod sign;
mod status;

use countersign_core::{Decision, VerificationCode};

use crate::cli::{Command, DeviceCommand};
use crate::error::CliError;
use crate::exit::Exit;
use crate::output::Output;

/// Runs `command`.
pub fn run(command: Command, out: Output) -> Result<Exit, CliError> {
    match command {
        Command::Login(args) => login::run(args, out),
        Command::Status => status::run(out),
        Command::Logout(args) => logout::run(args, out),
        Command::Sign(args) => sign::run(args, out),
        Command::Device {
            command: DeviceCommand::Enroll(args),
        } => enroll::run(args, out),
        Command::Approve(args) => {
            let code =
                VerificationCode::new(args.code).map_err(|e| CliError::Code(e.to_string()))?;
            decide::run(args.decide, Decision::Approve(code), out)
        }
        Command::Deny(args) => decide::run(args, Decision::Deny, out),
        Command::Suspicious(args) => decide::run(args, Decision::Suspicious, out),
    }
}
