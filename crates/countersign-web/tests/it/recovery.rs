//! The Devices page's pending invites and revocations, and the Sessions
//! page's audit trail, rendered: who made or asked what, when it is due,
//! Cancel only where this device may cancel, refusals in words, requester
//! text escaped, and "Older entries" only when there are more.

use std::cell::RefCell;
use std::rc::Rc;

use chrono::{DateTime, TimeDelta, Utc};
use countersign_core::api::{
    AuditAction, AuditRecord, AuditSubject, DeviceInfo, InviteInfo, PendingRevocation,
};
use countersign_core::{DenyReason, Digest, Keypair, uid_from_random};
use countersign_web::components::audit_trail::{AuditTrail, AuditTrailProps, describe, note};
use countersign_web::components::pending_invites::{PendingInvites, PendingInvitesProps};
use countersign_web::components::pending_revocations::{
    PendingRevocations, PendingRevocationsProps,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::wasm_bindgen_test as test;
use web_sys::{Element, HtmlElement};
use yew::{Callback, Renderer};

use crate::components::{root, settle};

fn at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_790_000_000, 0).unwrap()
}

fn device(seed: u8, name: &str, enrolled: DateTime<Utc>) -> DeviceInfo {
    DeviceInfo {
        uid: uid_from_random([seed; 16]),
        user_uid: uid_from_random([99; 16]),
        name: name.into(),
        public_key: Keypair::from_seed(&[seed; 32]).public_key(),
        created_at: enrolled,
        revoked_at: None,
    }
}

/// An invite id: a digest whose text starts with `c` repeated.
fn digest(c: char) -> Digest {
    Digest::from_text(&format!("{}A", c.to_string().repeat(42))).unwrap()
}

fn button(root: &Element, label: &str) -> Option<HtmlElement> {
    root.query_selector(&format!("button[aria-label='{label}']"))
        .unwrap()
        .map(|b| b.dyn_into().unwrap())
}

fn text(root: &Element) -> String {
    root.text_content().unwrap()
}

#[test]
async fn a_pending_revocation_names_both_devices_and_only_they_may_cancel() {
    let laptop = device(1, "Laptop", at());
    let phone = device(2, "Phone", at() + TimeDelta::days(1));
    let other = device(3, "Tablet", at() + TimeDelta::days(2));
    let pending = PendingRevocation {
        device: laptop.uid,
        requested_by: phone.uid,
        requested_at: at() + TimeDelta::days(3),
        due_at: at() + TimeDelta::days(5),
    };
    for (this, may_cancel) in [(laptop.uid, true), (phone.uid, true), (other.uid, false)] {
        let root = root();
        let cancelled = Rc::new(RefCell::new(Vec::new()));
        let seen = cancelled.clone();
        let props = PendingRevocationsProps {
            pending: vec![pending.clone()],
            devices: vec![laptop.clone(), phone.clone(), other.clone()],
            this_device: this,
            on_cancel: Callback::from(move |p: PendingRevocation| seen.borrow_mut().push(p.device)),
        };
        Renderer::<PendingRevocations>::with_root_and_props(root.clone(), props).render();
        settle().await;
        let shown = text(&root);
        assert!(shown.contains("Laptop"), "{shown}");
        assert!(shown.contains("Phone"), "{shown}");
        assert!(
            shown.contains("2026-09-26 14:13:20 UTC"),
            "the due time: {shown}"
        );
        let cancel = button(&root, "Cancel the revocation of Laptop");
        assert_eq!(cancel.is_some(), may_cancel);
        if let Some(cancel) = cancel {
            cancel.click();
            settle().await;
            assert_eq!(*cancelled.borrow(), [laptop.uid]);
        }
    }
}

#[test]
async fn pending_invites_say_who_made_them_and_cancel_the_one_clicked() {
    let laptop = device(1, "Laptop", at());
    let by_laptop = InviteInfo {
        id: digest('A'),
        invited_by: Some(laptop.uid),
        expires_at: at() + TimeDelta::days(1),
    };
    let by_admin = InviteInfo {
        id: digest('B'),
        invited_by: None,
        expires_at: at() + TimeDelta::days(2),
    };
    let root = root();
    let cancelled = Rc::new(RefCell::new(Vec::new()));
    let seen = cancelled.clone();
    let props = PendingInvitesProps {
        invites: vec![by_laptop.clone(), by_admin.clone()],
        devices: vec![laptop],
        on_cancel: Callback::from(move |i: InviteInfo| seen.borrow_mut().push(i.id)),
    };
    Renderer::<PendingInvites>::with_root_and_props(root.clone(), props).render();
    settle().await;
    let rows = root.query_selector_all("tbody tr").unwrap();
    assert_eq!(rows.length(), 2);
    let first = rows.get(0).unwrap().text_content().unwrap();
    assert!(first.contains("Laptop"), "{first}");
    assert!(first.contains("2026-09-22 14:13:20 UTC"), "{first}");
    let second = rows.get(1).unwrap().text_content().unwrap();
    assert!(second.contains("your admin"), "{second}");
    let short: String = by_admin.id.to_text().chars().take(8).collect();
    button(
        &root,
        &format!("Cancel the link {short} made by your admin"),
    )
    .unwrap()
    .click();
    settle().await;
    assert_eq!(*cancelled.borrow(), [by_admin.id]);

    let root = self::root();
    let props = PendingInvitesProps {
        invites: Vec::new(),
        devices: Vec::new(),
        on_cancel: Callback::noop(),
    };
    Renderer::<PendingInvites>::with_root_and_props(root.clone(), props).render();
    settle().await;
    assert!(text(&root).contains("No enrollment links are waiting"));
}

fn record(id: i64, action: AuditAction, note: Option<&str>) -> AuditRecord {
    AuditRecord {
        id,
        at: at() + TimeDelta::seconds(id),
        session_uid: Some(uid_from_random([7; 16])),
        subject: AuditSubject::Session,
        action,
        from_status: Some("approved".into()),
        to_status: None,
        device_uid: Some(uid_from_random([1; 16])),
        source: Some("192.0.2.7".into()),
        revoked_device: None,
        deny_reason: None,
        note: note.map(Into::into),
    }
}

/// A denial for a wrong code, by its field.
fn wrong_code(id: i64) -> AuditRecord {
    AuditRecord {
        deny_reason: Some(DenyReason::WrongCode),
        ..record(id, AuditAction::Deny, None)
    }
}

#[test]
fn refusals_are_told_in_words() {
    assert_eq!(describe(&record(1, AuditAction::Approve, None)), "Approved");
    assert_eq!(describe(&record(2, AuditAction::Deny, None)), "Denied");
    assert_eq!(
        describe(&wrong_code(3)),
        "Denied: the code typed was not the program's"
    );
    assert_eq!(
        describe(&record(3, AuditAction::Deny, Some("wrong_code"))),
        "Denied",
        "a note is words, never read for a reason"
    );
    assert!(describe(&record(4, AuditAction::ReportSuspicious, None)).contains("This wasn't me"));
    // An action or subject this version does not know is named, escaped.
    assert_eq!(
        describe(&record(5, AuditAction::read("re\u{202e}name"), None)),
        "session: re\\u{202e}name"
    );
    let unknown = AuditRecord {
        subject: AuditSubject::read("widget"),
        ..record(6, AuditAction::read("polish"), None)
    };
    assert_eq!(describe(&unknown), "widget: polish");
}

#[test]
fn a_logout_by_revocation_is_told_by_its_field() {
    let laptop = device(1, "Laptop", at());
    let by_revocation = AuditRecord {
        revoked_device: Some(laptop.uid),
        device_uid: None,
        ..record(1, AuditAction::Logout, None)
    };
    assert_eq!(
        describe(&by_revocation),
        "Logged out: the device that approved it was revoked"
    );
    assert_eq!(
        note(&by_revocation, std::slice::from_ref(&laptop)),
        "revocation of device Laptop"
    );
    let elsewhere = uid_from_random([9; 16]);
    let by_unlisted = AuditRecord {
        revoked_device: Some(elsewhere),
        note: Some("and \u{200b} more".into()),
        ..by_revocation.clone()
    };
    assert_eq!(
        note(&by_unlisted, std::slice::from_ref(&laptop)),
        format!("revocation of device {elsewhere}; and \\u{{200b}} more")
    );
    // A note in the old words, with no field, is only words.
    let old_words = record(
        2,
        AuditAction::Logout,
        Some(&format!("revocation of device {}", laptop.uid)),
    );
    assert_eq!(describe(&old_words), "Logged out");
    let cancelled = AuditRecord {
        from_status: Some("pending".into()),
        device_uid: None,
        ..record(3, AuditAction::Logout, None)
    };
    assert_eq!(describe(&cancelled), "Cancelled by the program");
}

#[test]
async fn the_trail_names_device_and_address_escapes_text_and_pages_on() {
    let laptop = device(1, "Laptop", at());
    let older = Rc::new(RefCell::new(0));
    let clicks = older.clone();
    let props = |more: bool| AuditTrailProps {
        entries: vec![
            wrong_code(2),
            record(1, AuditAction::Approve, Some("note with \u{200b} hidden")),
        ],
        devices: vec![laptop.clone()],
        sessions: Vec::new(),
        more,
        loading: false,
        on_older: {
            let clicks = clicks.clone();
            Callback::from(move |()| *clicks.borrow_mut() += 1)
        },
    };
    let root = root();
    Renderer::<AuditTrail>::with_root_and_props(root.clone(), props(true)).render();
    settle().await;
    let rows = root.query_selector_all("tbody tr").unwrap();
    assert_eq!(rows.length(), 2);
    let newest = rows.get(0).unwrap().text_content().unwrap();
    assert!(
        newest.contains("Denied: the code typed"),
        "newest first: {newest}"
    );
    assert!(newest.contains("Laptop"), "{newest}");
    assert!(newest.contains("192.0.2.7"), "{newest}");
    let oldest = rows.get(1).unwrap().text_content().unwrap();
    assert!(oldest.contains("Approved"), "{oldest}");
    assert!(oldest.contains("note with \\u{200b} hidden"), "{oldest}");
    // Device uids in a note are given as names.
    let revoked = AuditRecord {
        subject: AuditSubject::Device,
        note: Some(format!(
            "revocation of device {} asked by device x",
            laptop.uid
        )),
        ..record(3, AuditAction::RevocationCancelled, None)
    };
    assert_eq!(
        note(&revoked, std::slice::from_ref(&laptop)),
        "revocation of device Laptop asked by device x"
    );
    assert!(!text(&root).contains('\u{200b}'));
    let button: HtmlElement = root
        .query_selector("button")
        .unwrap()
        .unwrap()
        .dyn_into()
        .unwrap();
    assert_eq!(button.text_content().unwrap(), "Older entries");
    button.click();
    settle().await;
    assert_eq!(*older.borrow(), 1);

    let root = self::root();
    Renderer::<AuditTrail>::with_root_and_props(root.clone(), props(false)).render();
    settle().await;
    assert!(root.query_selector("button").unwrap().is_none());
}
