//! Short uids and login URLs: derived, formatted, parsed back in every form
//! people write them, and bad input refused with a clear error.

use countersign_core::{ShortUid, ShortUidError, uid_from_random};
use proptest::prelude::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn check(input: &str, expected: Result<&str, ShortUidError>) {
    let parsed = ShortUid::parse(input).map(|s| s.to_string());
    assert_eq!(parsed, expected.map(str::to_owned), "parsing {input:?}");
}

#[test]
fn parses_every_written_form() {
    check("ab.cd.ef.01", Ok("ab.cd.ef.01"));
    check("AB.CD.EF.01", Ok("ab.cd.ef.01"));
    check("ab-cd-ef-01", Ok("ab.cd.ef.01"));
    check("abcdef01", Ok("ab.cd.ef.01"));
    check("ABCDEF01", Ok("ab.cd.ef.01"));
    check("  ab.Cd.eF.01 \n", Ok("ab.cd.ef.01"));
    check("\tab-cd-ef-01\t", Ok("ab.cd.ef.01"));
}

#[test]
fn refuses_everything_else() {
    use ShortUidError::{Empty, Malformed};
    check("", Err(Empty));
    check("   ", Err(Empty));
    check("ab.cd.ef", Err(Malformed));
    check("ab.cd.ef.01.23", Err(Malformed));
    check("ab.cd-ef.01", Err(Malformed));
    check("abc.d.ef.01", Err(Malformed));
    check("ab.cd.ef.0g", Err(Malformed));
    check("abcdef0", Err(Malformed));
    check("abcdef012", Err(Malformed));
    check("+b.cd.ef.01", Err(Malformed));
    check("+bcdef01", Err(Malformed));
    check("ab..cd.ef", Err(Malformed));
    check("ab cd ef 01", Err(Malformed));
    check("éé.cd.ef", Err(Malformed));
    check("ab.cd.ef.é", Err(Malformed));
}

#[test]
fn errors_say_what_is_expected() {
    let message = ShortUid::parse("nope").unwrap_err().to_string();
    assert!(message.contains("xx.xx.xx.xx"), "{message}");
}

#[test]
fn is_the_first_eight_hex_digits_of_the_uid() {
    let uid = uid_from_random([0xab, 0xcd, 0xef, 0x01, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9, 9]);
    let short = ShortUid::of(&uid);
    assert_eq!(short.to_string(), "ab.cd.ef.01");
    assert!(uid.simple().to_string().starts_with("abcdef01"));
    assert!(short.matches(&uid));
}

#[test]
fn login_urls_have_the_documented_form() {
    let short = ShortUid::parse("ab.cd.ef.01").unwrap();
    assert_eq!(
        short.login_url("https://cs.example"),
        "https://cs.example/s?id=ab.cd.ef.01"
    );
    assert_eq!(
        short.login_url("https://cs.example/base/"),
        "https://cs.example/base/s?id=ab.cd.ef.01"
    );
}

#[test]
fn login_urls_parse_back() {
    let expected = Ok(ShortUid::parse("ab.cd.ef.01").unwrap());
    for url in [
        "https://cs.example/s?id=ab.cd.ef.01",
        "http://127.0.0.1:8080/s?id=AB-CD-EF-01",
        "https://cs.example/base/s?lang=en&id=abcdef01#top",
        " https://cs.example/s?id=ab.cd.ef.01 ",
    ] {
        assert_eq!(ShortUid::from_login_url(url), expected, "{url}");
        assert_eq!(ShortUid::from_url_or_id(url), expected, "{url}");
    }
    assert_eq!(ShortUid::from_url_or_id("ab.cd.ef.01"), expected);
}

#[test]
fn other_urls_are_not_login_urls() {
    for url in [
        "https://cs.example/x?id=ab.cd.ef.01",
        "https://cs.example/s",
        "https://cs.example/s?uid=ab.cd.ef.01",
        "ab.cd.ef.01",
    ] {
        assert_eq!(
            ShortUid::from_login_url(url),
            Err(ShortUidError::NotLoginUrl),
            "{url}"
        );
    }
    assert_eq!(
        ShortUid::from_login_url("https://cs.example/s?id=zz"),
        Err(ShortUidError::Malformed)
    );
}

proptest! {
    #![proptest_config(crate::common::proptest_config(256))]

    #[test]
    fn any_uid_round_trips_through_every_form(bytes in any::<[u8; 16]>(), upper in any::<bool>()) {
        let uid = uid_from_random(bytes);
        let short = ShortUid::of(&uid);
        let dotted = short.to_string();
        let forms = [dotted.clone(), dotted.replace('.', "-"), dotted.replace('.', "")];
        for form in forms {
            let form = if upper { form.to_uppercase() } else { form };
            prop_assert_eq!(ShortUid::parse(&form), Ok(short));
        }
        let url = short.login_url("http://localhost:8080");
        prop_assert_eq!(ShortUid::from_login_url(&url), Ok(short));
        prop_assert!(short.matches(&uid));
    }

    #[test]
    fn any_text_parses_or_errors_without_panicking(text in "\\PC{0,16}") {
        if let Ok(short) = ShortUid::parse(&text) {
            prop_assert_eq!(ShortUid::parse(&short.to_string()), Ok(short));
        }
        let _ = ShortUid::from_url_or_id(&text);
    }
}
