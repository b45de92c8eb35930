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
use crate::transport::Transport;

/// Runs `command`.
pub fn run(command: Command, out: Output, transport: Transport) -> Result<Exit, CliError> {
    match command {
        Command::Login(args) => login::run(args, out, transport),
        Command::Status => status::run(out, transport),
        Command::Logout(args) => logout::run(args, out, transport),
        Command::Sign(args) => sign::run(args, out, transport),
        Command::Device {
            command: DeviceCommand::Enroll(args),
        } => enroll::run(args, out, transport),
        Command::Approve(args) => {
            let code =
                VerificationCode::new(args.code).map_err(|e| CliError::Code(e.to_string()))?;
            decide::run(args.decide, Decision::Approve(code), out, transport)
        }
        Command::Deny(args) => decide::run(args, Decision::Deny, out, transport),
        Command::Suspicious(args) => decide::run(args, Decision::Suspicious, out, transport),
    }
}
