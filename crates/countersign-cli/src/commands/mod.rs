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
use crate::commands::decide::Intent;
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
            let intent = match args.code {
                Some(code) => Intent::Decided(Decision::Approve(
                    VerificationCode::new(code).map_err(|e| CliError::Code(e.to_string()))?,
                )),
                None => Intent::ApproveAskingCode,
            };
            decide::run(args.decide, intent, out, transport)
        }
        Command::Deny(args) => decide::run(args, Intent::Decided(Decision::Deny), out, transport),
        Command::Suspicious(args) => {
            decide::run(args, Intent::Decided(Decision::Suspicious), out, transport)
        }
    }
}
