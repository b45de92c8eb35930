//! A database written by an older service (schema version 1, approved rows
//! without a `login_expires_at`) opened by this one: migration 2 fills in
//! when each live session runs out and which device approved it, so the
//! sweeper and the revocation cascade find the sessions written before;
//! migration 3 gives each live session the verification code its requester
//! was shown (derived then), so a request pending across the upgrade is
//! approved with that code.

use chrono::{DateTime, SecondsFormat, TimeDelta, TimeZone, Utc};
use countersign_core::api::{AuditAction, AuditSubject};
use countersign_core::{
    Claim, DEFAULT_LOGIN_LIFETIME, Freshness, Keypair, LoginRequest, LoginSession, Signer,
    Statement, TokenSet, Username, VerificationCode, uid_from_random,
};
use countersign_server::store::{Cas, CodeCheck, Store, Swap, audit_event};
use sqlx::AnyPool;
use uuid::Uuid;

use crate::common::*;

on_both_backends!(an_older_database_is_brought_up_to_date);

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 29, 9, 0, 0).unwrap()
}

fn text(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

fn requested(seed: u8) -> LoginSession {
    let request = LoginRequest {
        username: Username::new("ada").unwrap(),
        public_key: Keypair::from_seed(&[seed; 32]).public_key(),
        public_cert: Keypair::from_seed(&[seed + 1; 32]).public_key(),
        hostname: None,
        login_message: None,
        scope: TokenSet::empty(),
        permissions: TokenSet::empty(),
    };
    let ip = "192.0.2.1".parse().unwrap();
    LoginSession::request(
        request,
        uid_from_random([seed; 16]),
        ip,
        t0(),
        TimeDelta::minutes(10),
    )
    .unwrap()
}

/// `session` after `claim`, signed by the device at `at`.
fn signed_by(session: &mut LoginSession, device: Uuid, key: &Keypair, logout: bool) {
    let at = t0() + TimeDelta::minutes(1);
    let (uid, details) = (session.uid(), session.details_digest().unwrap());
    let claim = if logout {
        Claim::Logout {
            session: uid,
            details,
        }
    } else {
        Claim::Approve {
            session: uid,
            details,
            code: VerificationCode::new(42).unwrap(),
        }
    };
    let statement = Statement::new(claim, service_url(), Signer::Device(device), at).sign(key);
    let proof = session
        .verify_device(
            &statement,
            &key.public_key(),
            &service_url(),
            at,
            Freshness::default(),
        )
        .unwrap();
    if logout {
        session.set_logged_out(&proof, at).unwrap();
    } else {
        let user = uid_from_random([0xee; 16]);
        session
            .set_approved(user, &proof, at, DEFAULT_LOGIN_LIFETIME)
            .unwrap();
    }
}

/// Writes `session` as schema version 1 stored it: no run-out time, no
/// approving device, and (for `old_body`) no `login_expires_at` in the body.
async fn insert_v1(pool: &AnyPool, session: &LoginSession, old_body: bool) {
    let mut body = session.to_json_value();
    if old_body {
        body.as_object_mut().unwrap().remove("login_expires_at");
    }
    sqlx::query(
        "INSERT INTO sessions (uid, short_uid, username, request_datetime, status, live, \
         expires_at, version, body) VALUES ($1, $2, $3, $4, $5, $6, $7, 1, $8)",
    )
    .bind(session.uid().to_string())
    .bind(session.short_uid().to_string())
    .bind("ada")
    .bind(text(session.request_datetime()))
    .bind(session.status().as_str())
    .bind(i64::from(!session.status().is_final()))
    .bind(text(session.expires_at()))
    .bind(body.to_string())
    .execute(pool)
    .await
    .unwrap();
}

async fn an_older_database_is_brought_up_to_date(db: Db) {
    let Some((url, dir)) = database(db).await else {
        return;
    };
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&url).await.unwrap();
    let schema = include_str!("../../migrations/0001_init.sql");
    let schema = match db {
        Db::Sqlite => schema.to_owned(),
        Db::Postgres => {
            schema.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
        }
    };
    sqlx::raw_sql(&schema).execute(&pool).await.unwrap();
    sqlx::raw_sql(
        "CREATE TABLE schema_version (version BIGINT PRIMARY KEY); \
         INSERT INTO schema_version (version) VALUES (1);",
    )
    .execute(&pool)
    .await
    .unwrap();

    let key = Keypair::from_seed(&[0xdd; 32]);
    let device = uid_from_random([0xdd; 16]);
    let user = uid_from_random([0xee; 16]);
    sqlx::query("INSERT INTO users (uid, username, created_at) VALUES ($1, 'ada', $2)")
        .bind(user.to_string())
        .bind(text(t0()))
        .execute(&pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO devices (uid, user_uid, name, public_key, created_at) \
         VALUES ($1, $2, 'phone', $3, $4)",
    )
    .bind(device.to_string())
    .bind(user.to_string())
    .bind(key.public_key().to_text())
    .bind(text(t0()))
    .execute(&pool)
    .await
    .unwrap();
    let pending = requested(1);
    let mut approved = requested(3);
    signed_by(&mut approved, device, &key, false);
    let mut closed = requested(5);
    signed_by(&mut closed, device, &key, false);
    signed_by(&mut closed, device, &key, true);
    insert_v1(&pool, &pending, false).await;
    insert_v1(&pool, &approved, true).await;
    insert_v1(&pool, &closed, true).await;
    pool.close().await;

    let store = Store::connect(&url).await.unwrap();
    let run_out = async |at: DateTime<Utc>| -> Vec<Uuid> {
        let mut uids: Vec<Uuid> = store
            .run_out(at, 10)
            .await
            .unwrap()
            .into_iter()
            .map(|found| found.session.uid())
            .collect();
        uids.sort();
        uids
    };
    let login_end = approved.login_time().unwrap() + DEFAULT_LOGIN_LIFETIME;
    let just_before = |t: DateTime<Utc>| t - TimeDelta::milliseconds(1);
    assert!(run_out(just_before(pending.expires_at())).await.is_empty());
    assert_eq!(run_out(pending.expires_at()).await, [pending.uid()]);
    assert_eq!(run_out(just_before(login_end)).await, [pending.uid()]);
    let mut both = vec![pending.uid(), approved.uid()];
    both.sort();
    assert_eq!(
        run_out(login_end).await,
        both,
        "the old login's default end"
    );

    // The cascade finds the old approved row by its approving device.
    let now = t0() + TimeDelta::hours(1);
    let entry = audit_event(
        AuditSubject::Device,
        AuditAction::Revoke,
        now,
        Some(user),
        Some(device),
        None,
    );
    let logged_out = store
        .revoke_device(device, &entry, &[], |found| {
            let mut session = found.clone();
            session.log_out_for_revocation(device, now).ok()?;
            let mut entry = entry.clone();
            entry.session_uid = Some(session.uid());
            Some((session, entry))
        })
        .await
        .unwrap()
        .unwrap();
    let uids: Vec<Uuid> = logged_out.iter().map(|found| found.session.uid()).collect();
    assert_eq!(uids, [approved.uid()]);
    assert_eq!(logged_out[0].version, 2);

    // The request pending across the upgrade: approved with the code its
    // requester was shown, and with no other.
    let old = crate::matching::derived_code(
        pending.uid(),
        pending.public_key().unwrap(),
        pending.public_cert().unwrap(),
    );
    let found = store.session(pending.uid()).await.unwrap().unwrap();
    let mut approving = pending.clone();
    signed_by(&mut approving, device, &key, false);
    let entry = audit_event(
        AuditSubject::Session,
        AuditAction::Approve,
        now,
        Some(user),
        Some(device),
        None,
    );
    let wrong = VerificationCode::new(if old == 10 { 11 } else { 10 }).unwrap();
    for (typed, expected) in [
        (wrong, Swap::WrongCode),
        (VerificationCode::new(old).unwrap(), Swap::Done),
    ] {
        let swap = store
            .compare_and_set(
                Cas::new(&approving, found.version, &entry).code(CodeCheck::Typed(typed)),
            )
            .await
            .unwrap();
        assert_eq!(swap, expected, "{typed}");
    }
    drop(store);
    if let Some(dir) = dir {
        std::fs::remove_dir_all(dir).unwrap();
    }
}
