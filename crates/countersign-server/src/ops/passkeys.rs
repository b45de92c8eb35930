//! Passkeys: a device's WebAuthn credential, registered through a signed
//! statement and then asserted over every approve, deny, suspicious,
//! revoke and invite statement, so that the person confirmed the act.
//!
//! The checks are kanidm's `webauthn-rs-core`: the origin (the service's
//! public URL), the relying party id's hash, the user present and user
//! verified flags, the signature over the authenticator data and client
//! data, the challenge, and a counter that must grow. The challenge of an
//! assertion is not drawn by the service: it is the SHA-256 of the
//! statement's canonical bytes ([`assertion_challenge`]), so the service
//! keeps no state between the page and the statement, and an assertion
//! proves nothing about any other statement.

use std::time::Duration;

use countersign_core::api::{AuditAction, AuditSubject, ErrorCode};
use countersign_core::api::{PasskeyAssertion, PasskeyCredential, PasskeyOptions};
use countersign_core::passkey::{assertion_challenge, base64url};
use countersign_core::{Claim, SignedStatement, Statement};
use url::Url;
use uuid::Uuid;
use webauthn_rs_core::WebauthnCore;
use webauthn_rs_core::error::WebauthnError;
use webauthn_rs_core::proto::{
    AttestationConveyancePreference, AuthenticationState, COSEAlgorithm, Credential,
    PublicKeyCredential, RegisterPublicKeyCredential, RegistrationState, UserVerificationPolicy,
};

use crate::error::ApiError;
use crate::ops::signer::signing_device;
use crate::state::AppState;
use crate::store::{CounterStep, StoredPasskey, UsedStatement, audit_event};

/// How long the browser may wait for the person's gesture, and how long a
/// registration's options stay open.
pub const GESTURE_TIMEOUT: Duration = Duration::from_secs(120);

/// The WebAuthn relying party the service is: its public URL's host and
/// origin.
pub struct Passkeys {
    core: WebauthnCore,
}

impl Passkeys {
    /// The relying party for the service at `public_url`.
    pub fn for_service(public_url: &str) -> Result<Self, ApiError> {
        let origin = Url::parse(public_url).map_err(|_| ApiError::Internal)?;
        let rp_id = origin.host_str().ok_or(ApiError::Internal)?.to_owned();
        let core = WebauthnCore::new_unsafe_experts_only(
            "countersign",
            &rp_id,
            vec![origin],
            GESTURE_TIMEOUT,
            Some(false),
            Some(false),
        );
        Ok(Self { core })
    }

    /// The options for a new passkey of `device` (of user `user`, named
    /// `username`), and the state to keep until the answer.
    pub fn options(
        &self,
        user: Uuid,
        username: &str,
    ) -> Result<(PasskeyOptions, String), ApiError> {
        let builder = self
            .core
            .new_challenge_register_builder(user.as_bytes(), username, username)
            .map_err(|_| ApiError::Internal)?
            .attestation(AttestationConveyancePreference::None)
            .user_verification_policy(UserVerificationPolicy::Required)
            .credential_algorithms(vec![COSEAlgorithm::ES256, COSEAlgorithm::EDDSA]);
        let (challenge, kept) = self
            .core
            .generate_challenge_register(builder)
            .map_err(|_| ApiError::Internal)?;
        let options = challenge.public_key;
        let kept = serde_json::to_string(&kept).map_err(|_| ApiError::Internal)?;
        Ok((
            PasskeyOptions {
                rp_id: options.rp.id,
                rp_name: options.rp.name,
                user_id: base64url(&options.user.id),
                user_name: options.user.name,
                challenge: base64url(&options.challenge),
                algorithms: options.pub_key_cred_params.iter().map(|p| p.alg).collect(),
                timeout_ms: u32::try_from(GESTURE_TIMEOUT.as_millis()).unwrap_or(u32::MAX),
                exclude_credentials: Vec::new(),
            },
            kept,
        ))
    }

    /// Checks a new credential against the registration state `kept`.
    pub fn register(
        &self,
        kept: &str,
        credential: &PasskeyCredential,
    ) -> Result<StoredPasskey, ApiError> {
        let kept: RegistrationState = serde_json::from_str(kept).map_err(|_| ApiError::Internal)?;
        let answer: RegisterPublicKeyCredential = convert(credential)?;
        let credential = self
            .core
            .register_credential(&answer, &kept, None)
            .map_err(refusal)?;
        Ok(StoredPasskey {
            credential_id: base64url(&credential.cred_id),
            sign_count: credential.counter,
            credential: serde_json::to_string(&credential).map_err(|_| ApiError::Internal)?,
        })
    }

    /// Checks `assertion` as the person's confirmation of `statement` with
    /// the passkey `stored`: answers the counter to move to.
    pub fn verify(
        &self,
        stored: &StoredPasskey,
        statement: &Statement,
        assertion: &PasskeyAssertion,
    ) -> Result<u32, ApiError> {
        let mut credential: Credential =
            serde_json::from_str(&stored.credential).map_err(|_| ApiError::Internal)?;
        // The counter column is the truth: the record keeps the one it was
        // registered with.
        credential.counter = stored.sign_count;
        let answer: PublicKeyCredential = convert(assertion)?;
        // The library keeps its challenge in a state it makes only with a
        // random challenge; its serialised form is public, so the state for
        // this statement's challenge is read from it.
        let expected: AuthenticationState = serde_json::from_value(serde_json::json!({
            "credentials": [],
            "policy": "required",
            "challenge": base64url(&assertion_challenge(statement)),
            "appid": null,
            "allow_backup_eligible_upgrade": true,
        }))
        .map_err(|_| ApiError::Internal)?;
        let result = self
            .core
            .authenticate_single_credential(&answer, &expected, &credential)
            .map_err(refusal)?;
        Ok(result.counter())
    }
}

/// A client's WebAuthn JSON, in the library's types.
fn convert<T: serde::Serialize, U: serde::de::DeserializeOwned>(value: &T) -> Result<U, ApiError> {
    serde_json::to_value(value)
        .and_then(serde_json::from_value)
        .map_err(|_| {
            ApiError::new(
                ErrorCode::BadAssertion,
                "the passkey's answer is not WebAuthn's JSON (base64url fields)",
            )
        })
}

/// The refusal for the library's verdict.
fn refusal(error: WebauthnError) -> ApiError {
    let (code, message) = match error {
        WebauthnError::CredentialPossibleCompromise => (
            ErrorCode::CounterRegressed,
            "the passkey's signature counter did not grow: the assertion was replayed \
             or the authenticator cloned",
        ),
        WebauthnError::UserNotVerified => (
            ErrorCode::UserVerificationRequired,
            "the authenticator did not verify the person (fingerprint, face or PIN)",
        ),
        WebauthnError::UserNotPresent => (
            ErrorCode::BadAssertion,
            "the authenticator did not see the person (no touch or gesture)",
        ),
        WebauthnError::InvalidRPOrigin => (
            ErrorCode::BadAssertion,
            "the passkey was used on another origin than this service's",
        ),
        WebauthnError::InvalidRPIDHash => (
            ErrorCode::BadAssertion,
            "the passkey answered for another relying party than this service",
        ),
        WebauthnError::MismatchedChallenge => (
            ErrorCode::BadAssertion,
            "the passkey's answer was not made for this statement (its challenge differs)",
        ),
        WebauthnError::CredentialNotFound => (
            ErrorCode::BadAssertion,
            "the passkey used is not the one registered for this device",
        ),
        _ => (
            ErrorCode::BadAssertion,
            "the passkey's answer does not verify",
        ),
    };
    ApiError::new(code, message)
}

/// What the service asks of a device statement, by the device's passkey
/// and the operator's policy: with a passkey, an assertion over the
/// statement, which must verify (answered: the counter to move, in the
/// transaction of the statement's effect); without one, nothing unless
/// key-file approvers are not allowed (`--require-user-verification`).
pub async fn check_statement(
    state: &AppState,
    device: Uuid,
    statement: &Statement,
    assertion: Option<&PasskeyAssertion>,
) -> Result<Option<CounterStep>, ApiError> {
    let stored = state.store.passkey(device).await?;
    check_stored(state, stored, device, statement, assertion)
}

/// [`check_statement`] with the device's passkey (`stored`) already read,
/// as an approval reads it with the device.
pub fn check_stored(
    state: &AppState,
    stored: Option<StoredPasskey>,
    device: Uuid,
    statement: &Statement,
    assertion: Option<&PasskeyAssertion>,
) -> Result<Option<CounterStep>, ApiError> {
    let Some(stored) = stored else {
        if state.config.allow_key_file_approvers {
            return Ok(None);
        }
        return Err(ApiError::new(
            ErrorCode::UserVerificationRequired,
            "this service requires user verification: register a passkey for this device \
             (Devices page), then confirm with it",
        ));
    };
    let Some(assertion) = assertion else {
        return Err(ApiError::new(
            ErrorCode::UserVerificationRequired,
            "this device has a passkey: confirm with your fingerprint, face or security key",
        ));
    };
    let count =
        Passkeys::for_service(&state.config.public_url)?.verify(&stored, statement, assertion)?;
    Ok(Some(CounterStep {
        device,
        credential_id: stored.credential_id,
        count,
    }))
}

/// Checks an account statement's assertion (revoke, invite) and moves the
/// counter at once: the statement's effect follows in its own transaction,
/// and is accepted once whatever the counter.
pub async fn check_account_statement(
    state: &AppState,
    device: Uuid,
    statement: &Statement,
    assertion: Option<&PasskeyAssertion>,
) -> Result<(), ApiError> {
    if let Some(step) = check_statement(state, device, statement, assertion).await?
        && !state.store.advance_passkey_counter(&step).await?
    {
        return Err(regressed());
    }
    Ok(())
}

/// The refusal of a counter that did not grow when it was written.
pub fn regressed() -> ApiError {
    ApiError::new(
        ErrorCode::CounterRegressed,
        "the passkey's signature counter did not grow: the assertion was replayed \
         or the authenticator cloned",
    )
}

/// `POST /api/passkeys/options`: a device asks to register a passkey for
/// itself with a `register_passkey` statement (single use); the answer is
/// the options for `navigator.credentials.create()`, kept open for
/// [`GESTURE_TIMEOUT`].
pub async fn options(
    state: &AppState,
    signed: &SignedStatement,
) -> Result<PasskeyOptions, ApiError> {
    let Claim::RegisterPasskey { user, device } = signed.statement.claim else {
        return Err(ApiError::new(
            ErrorCode::WrongClaim,
            "expected a register_passkey statement",
        ));
    };
    let signer = signing_device(state, signed).await?;
    if signer.uid != device || signer.user_uid != user {
        return Err(ApiError::new(
            ErrorCode::WrongUser,
            "a device can only register a passkey for itself",
        ));
    }
    if state.store.passkey(device).await?.is_some() {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "this device already has a passkey",
        ));
    }
    let user = state.store.user(user).await?.ok_or(ApiError::NotFound)?;
    state
        .store
        .record_used(&UsedStatement::of(signed, state.config.freshness))
        .await?;
    let (options, kept) =
        Passkeys::for_service(&state.config.public_url)?.options(user.uid, &user.username)?;
    let expires_at =
        state.clock.now() + chrono::TimeDelta::seconds(GESTURE_TIMEOUT.as_secs() as i64);
    state
        .store
        .put_passkey_registration(device, &kept, expires_at)
        .await?;
    Ok(options)
}

/// `POST /api/passkeys`: the new credential answering the options
/// `device` was given; stored with an audit entry.
pub async fn register(
    state: &AppState,
    device: Uuid,
    credential: &PasskeyCredential,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    let closed = || {
        ApiError::new(
            ErrorCode::NotFound,
            "no passkey registration is open for this device: ask for options again",
        )
    };
    // Anyone may post here (the answer carries no signature; the challenge
    // binds it): the registration is taken only once an answer verifies, so
    // a stranger's answer cannot close it, and then only if it is the one
    // checked (options asked again meanwhile refuse this answer).
    let kept = state
        .store
        .passkey_registration(device, now)
        .await?
        .ok_or_else(closed)?;
    let stored = Passkeys::for_service(&state.config.public_url)?.register(&kept, credential)?;
    if state
        .store
        .take_passkey_registration(device, now)
        .await?
        .as_ref()
        != Some(&kept)
    {
        return Err(closed());
    }
    let found = state
        .store
        .device(device)
        .await?
        .ok_or(ApiError::NotFound)?;
    let entry = audit_event(
        AuditSubject::Device,
        AuditAction::RegisterPasskey,
        now,
        Some(found.user_uid),
        Some(device),
        None,
    );
    if !state.store.add_passkey(device, &stored, &entry).await? {
        return Err(ApiError::new(
            ErrorCode::Conflict,
            "this device already has a passkey, or the credential is another device's",
        ));
    }
    tracing::info!(%device, "passkey registered");
    Ok(())
}
