//! Usernames, encoded usernames, scopes, permissions and the other free text
//! of a request: validated with clear errors.

use countersign_core::{
    DeviceName, FieldError, LoginSession, SessionError, TokenSet, Username, UsernameError,
    uid_from_random,
};
use proptest::prelude::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn check(name: &str, expected: Result<(), UsernameError>) {
    assert_eq!(Username::new(name).map(|_| ()), expected, "{name:?}");
}

#[test]
fn usernames_are_validated() {
    check("ada", Ok(()));
    check("ada lovelace@example.org", Ok(()));
    check("Ådå/+=?", Ok(()));
    check(&"x".repeat(128), Ok(()));
    check("", Err(UsernameError::Empty));
    check("   ", Err(UsernameError::Empty));
    check(&"x".repeat(129), Err(UsernameError::TooLong));
    check("ada\nlovelace", Err(UsernameError::ControlCharacter));
    check("ada\u{7f}", Err(UsernameError::ControlCharacter));
    check(" ada", Err(UsernameError::SurroundingBlank));
    check("ada ", Err(UsernameError::SurroundingBlank));
}

#[test]
fn encoded_usernames_are_url_safe_base64_without_padding() {
    // Standard base64 of this name holds '/' and '+', and padding.
    let name = Username::new("??>>~").unwrap();
    assert_eq!(name.encoded(), "Pz8-Pn4");
    let session = crate::common::pending();
    assert_eq!(session.encoded_username(), "YWRhQGV4YW1wbGUub3Jn");
}

#[test]
fn token_sets_are_sorted_deduplicated_and_validated() {
    let set = TokenSet::parse_list("scope", "write read, read  admin").unwrap();
    assert_eq!(set.joined(), "admin read write");
    assert!(
        TokenSet::parse_list("scope", "read")
            .unwrap()
            .is_within(&set)
    );
    assert!(
        !TokenSet::parse_list("scope", "delete")
            .unwrap()
            .is_within(&set)
    );
    assert!(TokenSet::empty().is_within(&TokenSet::empty()));
    assert!(matches!(
        TokenSet::new("scope", ["ok", "not ok"]),
        Err(FieldError::BadToken { field: "scope", .. })
    ));
    assert!(matches!(
        TokenSet::new("scope", ["é"]),
        Err(FieldError::BadToken { .. })
    ));
    assert!(matches!(
        TokenSet::new("scope", [""]),
        Err(FieldError::BadToken { .. })
    ));
    // A token given twice counts once towards the limit.
    let repeated: Vec<String> = (0..64).map(|i| format!("t{}", i % 32)).collect();
    let set = TokenSet::new("permissions", repeated).unwrap();
    assert_eq!(set.iter().count(), 32);
    assert_eq!(set.iter().next(), Some("t0"));
    assert_eq!(set.iter().last(), Some("t9"));
    let many: Vec<String> = (0..33).map(|i| format!("t{i}")).collect();
    assert_eq!(
        TokenSet::new("permissions", many),
        Err(FieldError::TooManyTokens {
            field: "permissions"
        })
    );
}

#[test]
fn request_text_fields_are_validated() {
    let attempt = |hostname: Option<&str>, message: Option<&str>| {
        let mut request = crate::common::request();
        request.hostname = hostname.map(str::to_owned);
        request.login_message = message.map(str::to_owned);
        LoginSession::request(
            request,
            uid_from_random([4; 16]),
            "2001:db8::1".parse().unwrap(),
            crate::common::t0(),
            countersign_core::DEFAULT_TTL,
        )
        .map(|_| ())
    };
    assert_eq!(attempt(None, None), Ok(()));
    assert_eq!(
        attempt(Some("laptop-7.corp_net"), Some("hello, world")),
        Ok(())
    );
    assert_eq!(
        attempt(Some("evil host"), None),
        Err(SessionError::Field(FieldError::BadHostname))
    );
    assert_eq!(
        attempt(None, Some("line one\nline two")),
        Err(SessionError::Field(FieldError::ControlCharacter {
            field: "login message"
        }))
    );
    assert_eq!(
        attempt(None, Some(&"m".repeat(501))),
        Err(SessionError::Field(FieldError::TooLong {
            field: "login message",
            max: 500
        }))
    );
    assert_eq!(
        attempt(Some(""), None),
        Err(SessionError::Field(FieldError::Empty { field: "hostname" }))
    );
}

#[test]
fn device_names_are_validated() {
    assert!(DeviceName::new("Work laptop").is_ok());
    assert!(DeviceName::new("").is_err());
    assert!(DeviceName::new("a\rb").is_err());
    assert!(DeviceName::new("d".repeat(65)).is_err());
}

#[test]
fn text_with_invisible_format_characters_is_refused() {
    let attempt = |message: &str| {
        let mut request = crate::common::request();
        request.login_message = Some(message.to_owned());
        LoginSession::request(
            request,
            uid_from_random([4; 16]),
            "2001:db8::1".parse().unwrap(),
            crate::common::t0(),
            countersign_core::DEFAULT_TTL,
        )
        .map(|_| ())
    };
    let refused = Err(SessionError::Field(FieldError::FormatCharacter {
        field: "login message",
    }));
    assert_eq!(
        FieldError::FormatCharacter { field: "x" }.code().as_str(),
        "bad_field"
    );
    // A right-to-left override, a zero-width space, an isolate, a tag
    // character (which can spell hidden text), a soft hyphen, a separator.
    for hidden in [
        "\u{202e}",
        "\u{200b}",
        "\u{2066}",
        "\u{e0041}",
        "\u{00ad}",
        "\u{2028}",
    ] {
        let message = format!("sign in to {hidden}moc.elpmaxe");
        assert_eq!(attempt(&message), refused, "{message:?}");
        assert_eq!(
            DeviceName::new(format!("laptop{hidden}")).map(|_| ()),
            Err(FieldError::FormatCharacter {
                field: "device name"
            }),
            "{hidden:?}"
        );
        assert!(TokenSet::new("scope", [format!("read{hidden}")]).is_err());
        assert_eq!(
            countersign_core::check_hostname(&format!("host{hidden}"))
                .map_err(|error| error.code().as_str()),
            Err("bad_field")
        );
    }
    // Accented, CJK, right-to-left and emoji text is ordinary text.
    for ordinary in [
        "Connexion à l'équipe",
        "東京のサーバーにログイン",
        "שלום עולם",
        "déploiement 🚀",
    ] {
        assert_eq!(attempt(ordinary), Ok(()), "{ordinary:?}");
        assert!(DeviceName::new(ordinary).is_ok(), "{ordinary:?}");
    }
}

proptest! {
    #![proptest_config(crate::common::proptest_config(256))]

    #[test]
    fn any_valid_username_encodes_to_url_safe_text(name in "[^\\p{Cc}]{1,40}") {
        if let Ok(name) = Username::new(name) {
            let encoded = name.encoded();
            prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
        }
    }
}
