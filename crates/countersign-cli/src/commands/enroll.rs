//! `countersign device enroll`: enroll this terminal as a device of the
//! user an enrollment link is for, keeping the new device key in a file.

use countersign_core::client::EnrollmentLink;
use countersign_core::{
    Claim, DeviceName, MAX_DEVICE_NAME_CHARS, Signer, Statement, Username, uid_from_random,
};
use serde_json::json;

use crate::api::Api;
use crate::cli::EnrollArgs;
use crate::clock;
use crate::device_key::DeviceKey;
use crate::error::CliError;
use crate::exit::Exit;
use crate::files::FileError;
use crate::hostname;
use crate::output::Output;
use crate::transport::Transport;

/// Runs `device enroll`.
///
/// The key file is written before the enrollment is sent, so that a device
/// the service accepted always has its key; it is deleted again if the
/// service refuses, and kept (with a warning) if the answer is lost.
pub fn run(args: EnrollArgs, out: Output, transport: Transport) -> Result<Exit, CliError> {
    let link = EnrollmentLink::parse(&args.link)
        .map_err(|e| CliError::url("enrollment link", &args.link, e))?;
    // Before anything else: over plain http the one-time token would
    // travel in the clear.
    let api = Api::new(link.service(), transport, "in the enrollment link")?;
    let name = DeviceName::new(args.name.unwrap_or_else(default_name))?;
    // Checked again, atomically, when the file is created; checking first
    // spares a used-up request when the path is plainly taken.
    if args.key_file.symlink_metadata().is_ok() {
        let taken = std::io::Error::new(
            std::io::ErrorKind::AlreadyExists,
            "a file is already there; it is never overwritten",
        );
        return Err(FileError::new("create", &args.key_file, taken).into());
    }
    let enrollment = api
        .enrollment(link.token())
        .map_err(CliError::LinkRefused)?;
    let key = DeviceKey {
        server: link.service().clone(),
        username: Username::new(enrollment.username)?,
        user_uid: enrollment.user_uid,
        device_uid: uid_from_random(clock::random()?),
        name,
        secret: crate::seed::Seed::from_random(clock::random()?),
    };
    let file = key.create(&args.key_file)?;
    let keypair = key.keypair();
    let claim = Claim::EnrollDevice {
        user: key.user_uid,
        device: key.device_uid,
        device_key: keypair.public_key(),
        device_name: key.name.clone(),
    };
    let signer = Signer::Device(key.device_uid);
    let proof = Statement::new(claim, link.service().clone(), signer, clock::now()).sign(&keypair);
    let device = match api.enroll(link.token(), &proof) {
        Ok(device) => {
            file.keep();
            device
        }
        Err(error) if error.status().is_some_and(|status| status < 500) => {
            // Refused: the device does not exist, so neither should its key.
            drop(file);
            return Err(error.into());
        }
        Err(error) => {
            file.keep();
            return Err(CliError::EnrollmentUnknown {
                path: args.key_file,
                error,
            });
        }
    };
    out.json(&json!({
        "device_uid": device.uid,
        "user_uid": key.user_uid,
        "username": key.username,
        "server": key.server,
        "name": key.name,
        "key_file": args.key_file,
        "enrolled_at": device.created_at,
    }));
    out.text(&format!(
        "Enrolled device {:?} for {} on {}.",
        key.name.as_str(),
        crate::show::safe(key.username.as_str()),
        key.server
    ));
    out.text(&format!(
        "Its key is in {} (readable by you alone); keep it safe.",
        args.key_file.display()
    ));
    Ok(Exit::Success)
}

/// "countersign on HOST", cut to the longest name a device may have.
fn default_name() -> String {
    let name = match hostname::this_host() {
        Some(host) => format!("countersign on {host}"),
        None => "countersign command line".to_owned(),
    };
    name.chars().take(MAX_DEVICE_NAME_CHARS).collect()
}
