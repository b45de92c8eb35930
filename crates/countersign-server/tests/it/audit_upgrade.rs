//! An audit log written before migration 8 (schema version 7), opened by
//! this service: the note `revocation of device <uid>` of a logout moves
//! to `revoked_device` and the note `wrong_code` of a denial to
//! `deny_reason`, on both backends; every other note stays as it was. A
//! subject or action this version does not know (a newer writer's) is read
//! as written.

use countersign_core::DenyReason;
use countersign_core::api::{AuditAction, AuditSubject};
use countersign_server::store::{AuditEntry, AuditFilter, Store};
use sqlx::AnyPool;
use uuid::Uuid;

use crate::common::*;

on_both_backends!(notes_move_to_their_fields);

/// The migrations before 8, as the files ship them.
const BEFORE: [&str; 7] = [
    include_str!("../../migrations/0001_init.sql"),
    include_str!("../../migrations/0002_lifetimes_revocation_nonces.sql"),
    include_str!("../../migrations/0003_drawn_codes.sql"),
    include_str!("../../migrations/0004_used_statements.sql"),
    include_str!("../../migrations/0005_users_disabled.sql"),
    include_str!("../../migrations/0006_passkeys.sql"),
    include_str!("../../migrations/0007_recovery.sql"),
];

/// An audit row as schema version 7 stored it.
async fn insert_v7(pool: &AnyPool, subject: &str, action: &str, note: &str) {
    sqlx::query(
        "INSERT INTO audit (at, session_uid, subject, action, user_uid, source, note) \
         VALUES ('2026-11-29T09:00:00.000Z', $1, $2, $3, $4, '192.0.2.1', $5)",
    )
    .bind(Uuid::from_u128(1).to_string())
    .bind(subject.to_owned())
    .bind(action.to_owned())
    .bind(Uuid::from_u128(2).to_string())
    .bind(note.to_owned())
    .execute(pool)
    .await
    .unwrap();
}

async fn notes_move_to_their_fields(db: Db) {
    let Some((url, dir)) = database(db).await else {
        return;
    };
    sqlx::any::install_default_drivers();
    let pool = AnyPool::connect(&url).await.unwrap();
    sqlx::raw_sql("CREATE TABLE schema_version (version BIGINT PRIMARY KEY)")
        .execute(&pool)
        .await
        .unwrap();
    for (version, sql) in (1_i64..).zip(BEFORE) {
        let sql = match db {
            Db::Sqlite => sql.to_owned(),
            Db::Postgres => {
                sql.replace("INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY")
            }
        };
        sqlx::raw_sql(&sql).execute(&pool).await.unwrap();
        sqlx::query("INSERT INTO schema_version (version) VALUES ($1)")
            .bind(version)
            .execute(&pool)
            .await
            .unwrap();
    }
    let revoked = Uuid::from_u128(0xdead_beef);
    let rows = [
        (
            "session",
            "logout",
            format!("revocation of device {revoked}"),
        ),
        ("session", "deny", "wrong_code".to_owned()),
        // Notes about revocations that are not a logout's stay words.
        (
            "device",
            "revoke_requested",
            format!("revocation of device {revoked} due at 2026-12-01; that device can cancel it"),
        ),
        ("session", "logout", "logged out by an operator".to_owned()),
        (
            "session",
            "logout",
            "revocation of device not-a-uid".to_owned(),
        ),
        ("session", "approve", "wrong_code".to_owned()),
        ("widget", "polish", "from a newer service".to_owned()),
    ];
    for (subject, action, note) in &rows {
        insert_v7(&pool, subject, action, note).await;
    }
    pool.close().await;

    let store = Store::connect(&url).await.unwrap();
    let read: Vec<AuditEntry> = store
        .audit_page(&AuditFilter::default(), 0, 100)
        .await
        .unwrap()
        .into_iter()
        .map(|row| row.entry)
        .collect();
    let fields: Vec<_> = read
        .iter()
        .map(|e| (e.revoked_device, e.deny_reason, e.note.as_deref()))
        .collect();
    assert_eq!(
        fields,
        [
            (Some(revoked), None, None),
            (None, Some(DenyReason::WrongCode), None),
            (None, None, Some(rows[2].2.as_str())),
            (None, None, Some("logged out by an operator")),
            (None, None, Some("revocation of device not-a-uid")),
            (None, None, Some("wrong_code")),
            (None, None, Some("from a newer service")),
        ]
    );
    let last = read.last().unwrap();
    assert_eq!(
        (&last.subject, &last.action),
        (
            &AuditSubject::Unrecognised("widget".into()),
            &AuditAction::Unrecognised("polish".into())
        ),
        "a newer writer's words are read as written"
    );
    let written: Vec<(String, String)> = read
        .iter()
        .map(|e| (e.subject.to_string(), e.action.to_string()))
        .collect();
    let stored: Vec<(String, String)> = rows
        .iter()
        .map(|(subject, action, _)| ((*subject).to_owned(), (*action).to_owned()))
        .collect();
    assert_eq!(written, stored, "subjects and actions unchanged");
    drop(store);
    if let Some(dir) = dir {
        std::fs::remove_dir_all(dir).unwrap();
    }
}
