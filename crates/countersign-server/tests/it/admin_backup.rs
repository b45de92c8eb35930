//! `admin backup FILE` through the real binary while a service uses the
//! database: on SQLite a copy that opens and holds the users, never over an
//! existing file; on PostgreSQL a clear pointer to `pg_dump`.

use crate::admin::admin;
use crate::common::*;
use countersign_server::store::Store;

on_both_backends!(an_operator_backs_up_the_database_while_it_serves);

async fn an_operator_backs_up_the_database_while_it_serves(db: Db) {
    let Some((url, dir)) = database(db).await else {
        return;
    };
    let copies = std::env::temp_dir().join(format!(
        "countersign-backup-{:016x}",
        u64::from_le_bytes(random())
    ));
    std::fs::create_dir_all(&copies).unwrap();
    let file = copies.join("copy.sqlite3");
    let file_text = file.to_str().unwrap().to_owned();
    let service = service_at(&url, dir, |_| {}).await;
    service.user_with_device("ada").await;

    let (ok, out, err) = admin(&url, &["backup", &file_text, "--json"]);
    if db == Db::Postgres {
        assert!(!ok && err.contains("pg_dump"), "{err}");
        assert!(!file.exists());
        std::fs::remove_dir_all(&copies).unwrap();
        return;
    }
    assert!(ok, "{err}");
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["file"], file_text.as_str());
    assert!(report["bytes"].as_u64().unwrap() > 0, "{report}");
    let copy = Store::connect(&format!("sqlite://{file_text}"))
        .await
        .unwrap();
    let ada = copy.user_by_name("ada").await.unwrap().unwrap();
    assert_eq!(copy.devices_of(ada.uid).await.unwrap().len(), 1);
    copy.close().await;

    // Never over an existing file, even an empty one.
    let before = std::fs::metadata(&file).unwrap().len();
    let (ok, _, err) = admin(&url, &["backup", &file_text]);
    assert!(!ok && err.contains("exists"), "{err}");
    assert_eq!(std::fs::metadata(&file).unwrap().len(), before);
    std::fs::remove_dir_all(&copies).unwrap();
}
