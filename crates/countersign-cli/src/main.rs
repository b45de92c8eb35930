//! `countersign`: asks the countersign service for a login and waits until a
//! person approves it with a device key (or cancels it on Ctrl-C), keeps
//! approved sessions, signs requests with them and logs them out, and
//! approves, denies or reports logins from a terminal with a
//! device key kept in a file.

mod api;
mod cli;
mod clock;
mod code_prompt;
mod commands;
mod confirm;
mod device_key;
mod error;
mod exit;
mod files;
mod hostname;
mod interrupt;
mod kept;
mod login_link;
mod output;
mod progress;
mod qr;
mod seed;
mod show;
mod transport;
mod wait;

use std::io::IsTerminal as _;
use std::process::ExitCode;

use clap::Parser as _;

use crate::cli::Cli;
use crate::exit::Exit;
use crate::output::Output;
use crate::transport::Transport;

fn main() -> ExitCode {
    // clap prints usage errors itself and exits with 2.
    let cli = Cli::parse();
    if let Err(usage) = cli.check(std::io::stdin().is_terminal()) {
        usage.exit();
    }
    let out = Output::new(cli.json);
    match commands::run(cli.command, out, Transport::new(cli.insecure_http)) {
        Ok(exit) => exit.into(),
        Err(error) => {
            out.error(&error);
            Exit::Error.into()
        }
    }
}
