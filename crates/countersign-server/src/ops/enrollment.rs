//! Users and how their devices join: a user added with a one-time
//! enrollment link, a device enrolled by that link's token and proof of
//! key possession, by another device of the user (sponsored), or by a
//! link one of the user's devices made (an invitation).

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use countersign_core::api::PasskeyAssertion;
use countersign_core::api::{
    AddedUser, AuditAction, AuditSubject, DeviceInfo, ErrorCode, UserInfo,
};
use countersign_core::{Claim, SignedStatement, Signer, Username, uid_from_random};
use sha2::{Digest as _, Sha256};

use crate::clock::{Clock, Random};
use crate::error::ApiError;
use crate::ops::passkeys;
use crate::ops::signer::{refuse_user, signing_device};
use crate::state::AppState;
use crate::store::{ADMIN_SOURCE, Store, UsedStatement, audit_event};

/// The public hash under which an enrollment token is stored: the service
/// keeps no usable copy of the link.
pub fn token_hash(token: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(token.as_bytes()))
}

/// A new enrollment token and its hash.
fn new_token(random: &Random) -> Result<(String, String), getrandom::Error> {
    let token = URL_SAFE_NO_PAD.encode(random.bytes::<32>()?);
    let hash = token_hash(&token);
    Ok((token, hash))
}

/// The link that enrolls a device with `token`. The token is in the
/// fragment, which browsers never send: it reaches no server or proxy log
/// and no `Referer` header; the enrollment page reads it there and sends it
/// in a request body.
pub fn enrollment_url(public_url: &str, token: &str) -> String {
    format!("{}/enroll#token={token}", public_url.trim_end_matches('/'))
}

/// Why a user could not be added.
#[derive(Debug, thiserror::Error)]
pub enum AddUserError {
    /// The name is not a valid username.
    #[error(transparent)]
    Username(#[from] countersign_core::UsernameError),
    /// A user with that name exists.
    #[error("a user named {0:?} already exists")]
    Exists(String),
    /// Storage failed.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
    /// No random bytes.
    #[error("no random bytes: {0}")]
    Random(#[from] getrandom::Error),
}

/// Adds a user and prints nothing: returns the user and the link that
/// enrolls their first device (what `admin user add --json` prints).
pub async fn add_user(
    store: &Store,
    clock: &Clock,
    random: &Random,
    public_url: &str,
    name: &str,
    enrollment_ttl: chrono::TimeDelta,
) -> Result<AddedUser, AddUserError> {
    let username = Username::new(name)?;
    let now = clock.now();
    let user = UserInfo {
        uid: uid_from_random(random.bytes()?),
        username: username.as_str().to_owned(),
    };
    let (token, hash) = new_token(random)?;
    if !store
        .add_user(&user, &hash, now, now + enrollment_ttl)
        .await?
    {
        return Err(AddUserError::Exists(user.username));
    }
    Ok(AddedUser {
        username: user.username,
        user_uid: user.uid,
        enrollment_url: enrollment_url(public_url, &token),
    })
}

/// The user an enrollment token is for, to show on the enrollment page.
pub async fn enrollment(state: &AppState, token: &str) -> Result<UserInfo, ApiError> {
    let user_uid = state
        .store
        .enrollment_user(&token_hash(token), state.clock.now())
        .await?
        .ok_or(ApiError::LinkUnusable)?;
    state.store.user(user_uid).await?.ok_or(ApiError::NotFound)
}

/// The claim a new device signs, checked: it is an enrollment, signed by the
/// new device's own key (proof of possession) and fresh.
fn check_new_device(state: &AppState, proof: &SignedStatement) -> Result<DeviceInfo, ApiError> {
    let Claim::EnrollDevice {
        user,
        device,
        device_key,
        device_name,
    } = &proof.statement.claim
    else {
        return Err(ApiError::new(
            ErrorCode::WrongClaim,
            "expected an enroll_device statement",
        ));
    };
    if proof.statement.signer != Signer::Device(*device) {
        return Err(ApiError::new(
            ErrorCode::WrongSigner,
            "the new device must sign its own enrollment",
        ));
    }
    let now = state.clock.now();
    proof.verify(
        device_key,
        &state.service_url()?,
        now,
        state.config.freshness,
    )?;
    Ok(DeviceInfo {
        uid: *device,
        user_uid: *user,
        name: device_name.as_str().to_owned(),
        public_key: *device_key,
        created_at: now,
        revoked_at: None,
    })
}

/// Enrolls a device with a one-time link's token.
pub async fn enroll_with_token(
    state: &AppState,
    token: &str,
    proof: &SignedStatement,
    source: String,
) -> Result<DeviceInfo, ApiError> {
    let device = check_new_device(state, proof)?;
    let hash = token_hash(token);
    let user_uid = state
        .store
        .enrollment_user(&hash, device.created_at)
        .await?
        .ok_or(ApiError::LinkUnusable)?;
    if user_uid != device.user_uid {
        return Err(ApiError::new(
            ErrorCode::WrongUser,
            "the enrollment link is for another user",
        ));
    }
    refuse_user(&state.store, user_uid).await?;
    let entry = audit_event(
        AuditSubject::Device,
        AuditAction::Enroll,
        device.created_at,
        Some(user_uid),
        Some(device.uid),
        Some(source),
    );
    let used = [UsedStatement::of(proof, state.config.freshness)];
    if !state
        .store
        .add_device(&device, Some(&hash), &entry, &used)
        .await?
    {
        return Err(ApiError::new(
            ErrorCode::EnrollmentUsed,
            "the enrollment link was already used, or the device is already registered",
        ));
    }
    tracing::info!(user = %user_uid, device = %device.uid, "device enrolled");
    Ok(device)
}

/// Enrolls a device on behalf of a device the user already has: the sponsor
/// signs the enrollment, and the new device signs the same claim.
pub async fn enroll_by_device(
    state: &AppState,
    sponsor: &SignedStatement,
    proof: &SignedStatement,
    source: String,
) -> Result<DeviceInfo, ApiError> {
    if sponsor.statement.claim != proof.statement.claim {
        return Err(ApiError::new(
            ErrorCode::ClaimsDiffer,
            "the sponsor and the new device must sign the same enrollment",
        ));
    }
    let sponsor_device = signing_device(state, sponsor).await?;
    let device = check_new_device(state, proof)?;
    if sponsor_device.user_uid != device.user_uid {
        return Err(ApiError::new(
            ErrorCode::WrongUser,
            "the sponsoring device belongs to another user",
        ));
    }
    // This route carries no passkey assertion, and adding a device is an
    // act a passkey must confirm (as an invitation is): a sponsor with one,
    // or any where user verification is required, goes by an invitation.
    if !state.config.allow_key_file_approvers
        || state.store.passkey(sponsor_device.uid).await?.is_some()
    {
        return Err(ApiError::new(
            ErrorCode::UserVerificationRequired,
            "adding a device must be confirmed with the sponsor's passkey: make an enrollment \
             link (invite) from that device instead",
        ));
    }
    let entry = audit_event(
        AuditSubject::Device,
        AuditAction::Enroll,
        device.created_at,
        Some(device.user_uid),
        Some(sponsor_device.uid),
        Some(source),
    );
    let window = state.config.freshness;
    let used = [
        UsedStatement::of(sponsor, window),
        UsedStatement::of(proof, window),
    ];
    if !state.store.add_device(&device, None, &entry, &used).await? {
        return Err(ApiError::new(
            ErrorCode::DeviceExists,
            "this device or key is already registered",
        ));
    }
    Ok(device)
}

/// A new one-time enrollment link for an existing user, made by an
/// operator (`admin user enroll-link`), with its audit entry.
pub async fn operator_enrollment_link(
    store: &Store,
    clock: &Clock,
    random: &Random,
    public_url: &str,
    user: &UserInfo,
    enrollment_ttl: chrono::TimeDelta,
) -> Result<String, AddUserError> {
    let now = clock.now();
    let (token, hash) = new_token(random)?;
    let entry = audit_event(
        AuditSubject::Enrollment,
        AuditAction::Invite,
        now,
        Some(user.uid),
        None,
        Some(ADMIN_SOURCE.into()),
    );
    store
        .add_enrollment(user.uid, None, &hash, now + enrollment_ttl, &entry, &[])
        .await?;
    Ok(enrollment_url(public_url, &token))
}

/// Makes a one-time enrollment link for another device of the signer's user.
pub async fn invite(
    state: &AppState,
    signed: &SignedStatement,
    assertion: Option<&PasskeyAssertion>,
) -> Result<String, ApiError> {
    let Claim::InviteDevice { user } = signed.statement.claim else {
        return Err(ApiError::new(
            ErrorCode::WrongClaim,
            "expected an invite_device statement",
        ));
    };
    let signer = signing_device(state, signed).await?;
    if signer.user_uid != user {
        return Err(ApiError::new(
            ErrorCode::WrongUser,
            "a device can only invite devices for its own user",
        ));
    }
    passkeys::check_account_statement(state, signer.uid, &signed.statement, assertion).await?;
    let (token, hash) = new_token(&state.random)?;
    let now = state.clock.now();
    let entry = audit_event(
        AuditSubject::Enrollment,
        AuditAction::Invite,
        now,
        Some(user),
        Some(signer.uid),
        None,
    );
    // A replay of the invitation is refused here, and mints no link.
    let used = [UsedStatement::of(signed, state.config.freshness)];
    // The link dies with the device that made it.
    state
        .store
        .add_enrollment(
            user,
            Some(signer.uid),
            &hash,
            now + state.config.enrollment_ttl,
            &entry,
            &used,
        )
        .await?;
    Ok(enrollment_url(&state.config.public_url, &token))
}
