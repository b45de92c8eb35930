//! Service URLs, enrollment links and login links in the forms people type
//! and paste: one normal form for each service, and junk refused with a
//! clear reason.

use countersign_core::{
    EnrollmentLink, LinkError, LoginLink, ServiceUrl, ShortUid, ShortUidError, uid_from_random,
};
use proptest::prelude::*;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;

fn check(text: &str, expected: Result<&str, LinkError>) {
    let got = ServiceUrl::parse(text);
    assert_eq!(
        got.as_ref().map(ServiceUrl::as_str),
        expected.as_ref().map(|s| *s),
        "{text:?}"
    );
    if let Ok(url) = got {
        // The normal form is a fixed point.
        assert_eq!(
            ServiceUrl::parse(url.as_str()).as_ref(),
            Ok(&url),
            "{text:?}"
        );
    }
}

#[test]
fn service_urls_are_kept_in_one_form() {
    check("http://127.0.0.1:8080", Ok("http://127.0.0.1:8080"));
    check(" HTTPS://CS.Example/ ", Ok("https://cs.example"));
    check("\thttps://cs.example\n", Ok("https://cs.example"));
    check(
        "https://cs.example/Prefix/",
        Ok("https://cs.example/Prefix"),
    );
    check("https://cs.example/a%20b//", Ok("https://cs.example/a%20b"));
    check("https://cs.example///", Ok("https://cs.example"));
    check(
        "https://Cs-1_b.Example/A/b",
        Ok("https://cs-1_b.example/A/b"),
    );
}

#[test]
fn default_ports_are_dropped_and_others_kept() {
    check("https://cs.example:443", Ok("https://cs.example"));
    check("http://cs.example:80/", Ok("http://cs.example"));
    check("https://cs.example:0443/x", Ok("https://cs.example/x"));
    check("https://cs.example:/", Ok("https://cs.example"));
    check("http://cs.example:443", Ok("http://cs.example:443"));
    check("https://cs.example:80", Ok("https://cs.example:80"));
    check("http://localhost:08080", Ok("http://localhost:8080"));
}

#[test]
fn ipv6_hosts_are_bracketed_and_canonical() {
    check("http://[::1]:8080", Ok("http://[::1]:8080"));
    check("http://[0:0:0:0:0:0:0:1]/", Ok("http://[::1]"));
    check(
        "https://[2001:DB8::1]:443/cs",
        Ok("https://[2001:db8::1]/cs"),
    );
    check("http://::1/", Err(LinkError::BadHost));
    check("http://[::1", Err(LinkError::BadHost));
    check("http://[not-v6]/", Err(LinkError::BadHost));
    check("http://[::1]8080", Err(LinkError::BadHost));
    check("http://[::1]:x", Err(LinkError::BadPort));
}

#[test]
fn everything_else_is_refused_with_its_reason() {
    use LinkError::*;
    check("", Err(Empty));
    check("   ", Err(Empty));
    check("cs.example", Err(NoScheme));
    check(":8080", Err(NoScheme));
    check("ftp://cs.example", Err(Scheme));
    check("javascript://cs.example", Err(Scheme));
    check("https://", Err(BadHost));
    check("https://:8080", Err(BadHost));
    check("https://user:pw@cs.example", Err(Credentials));
    check("https://good.example@evil.example/", Err(Credentials));
    check("https://cs.example/?x=1", Err(QueryOrFragment));
    check("https://cs.example#top", Err(QueryOrFragment));
    check("https://cs example", Err(BadCharacter));
    check("https://cs.example\\evil", Err(BadCharacter));
    check("https://cs.example/\u{7}", Err(BadCharacter));
    check("https://cs.example/\u{a0}x", Err(BadCharacter));
    check("https://cs.example:99999", Err(BadPort));
    check("https://cs.example:0", Err(BadPort));
    check("https://cs.example:8o", Err(BadPort));
    check("https://cs.example:+80", Err(BadPort));
    check("https://cs..example", Err(BadHost));
    check("https://cs.example.", Err(BadHost));
    check("https://bücher.example", Err(BadHost));
    check("https://cs%2eexample", Err(BadHost));
    check("https://cs.example/a/../b", Err(DotSegment));
    check("https://cs.example/./", Err(DotSegment));
    let long = format!("https://cs.example/{}", "a".repeat(2048));
    check(&long, Err(TooLong));
}

#[test]
fn two_spellings_of_one_service_are_equal() {
    let a = ServiceUrl::parse("HTTPS://CS.EXAMPLE:443/").unwrap();
    let b = ServiceUrl::parse("https://cs.example").unwrap();
    assert_eq!(a, b);
    assert_eq!(a.to_string(), "https://cs.example");
    assert_eq!(format!("{a:?}"), "ServiceUrl(https://cs.example)");
    assert_eq!("https://cs.example/".parse::<ServiceUrl>(), Ok(b));
}

#[test]
fn a_service_url_knows_its_host_origin_and_security() {
    let url = ServiceUrl::parse("https://CS.example:8443/pre/").unwrap();
    assert_eq!(url.host(), "cs.example");
    assert_eq!(url.origin(), "https://cs.example:8443");
    assert!(url.is_https());
    assert_eq!(
        url.join("/api/sessions"),
        "https://cs.example:8443/pre/api/sessions"
    );
    assert_eq!(
        url.join("api/sessions"),
        "https://cs.example:8443/pre/api/sessions"
    );
    let v6 = ServiceUrl::parse("http://[::1]:8080").unwrap();
    assert_eq!(v6.host(), "[::1]");
    assert_eq!(v6.origin(), "http://[::1]:8080");
    assert!(!v6.is_https());
}

#[test]
fn loopback_is_localhost_127_slash_8_and_ipv6_one() {
    for (text, loopback) in [
        ("http://localhost:8080", true),
        ("http://LOCALHOST", true),
        ("http://127.0.0.1", true),
        ("http://127.255.1.2:9/x", true),
        ("http://[::1]:8080", true),
        ("http://[0::1]", true),
        ("http://128.0.0.1", false),
        ("http://10.0.0.1", false),
        ("http://[::2]", false),
        ("http://[::ffff:127.0.0.1]", false),
        ("http://localhost.example", false),
        ("http://127.0.0.1.example", false),
        ("https://cs.example", false),
    ] {
        let url = ServiceUrl::parse(text).unwrap();
        assert_eq!(url.is_loopback(), loopback, "{text}");
    }
}

#[test]
fn a_service_url_is_a_json_string_in_normal_form() {
    let url: ServiceUrl = serde_json::from_str(r#"" HTTPS://CS.example/ ""#).unwrap();
    assert_eq!(
        serde_json::to_string(&url).unwrap(),
        r#""https://cs.example""#
    );
    assert!(serde_json::from_str::<ServiceUrl>(r#""ftp://x""#).is_err());
}

fn enrollment(text: &str) -> Result<(String, String), LinkError> {
    EnrollmentLink::parse(text).map(|l| (l.service().to_string(), l.token().to_owned()))
}

fn ok(service: &str, token: &str) -> Result<(String, String), LinkError> {
    Ok((service.to_owned(), token.to_owned()))
}

#[test]
fn enrollment_links_name_their_service_and_token() {
    assert_eq!(
        enrollment("http://127.0.0.1:9/enroll?token=Ab-_9"),
        ok("http://127.0.0.1:9", "Ab-_9")
    );
    assert_eq!(
        enrollment("HTTPS://CS.EXAMPLE:443/enroll?token=abc"),
        ok("https://cs.example", "abc")
    );
    assert_eq!(
        enrollment(" https://cs.example/pre/enroll/?token=abc \n"),
        ok("https://cs.example/pre", "abc")
    );
    assert_eq!(
        enrollment("https://cs.example/enroll#token=abc"),
        ok("https://cs.example", "abc")
    );
    assert_eq!(
        enrollment("https://cs.example/enroll?utm=1&token=abc"),
        ok("https://cs.example", "abc")
    );
    assert_eq!(
        enrollment("https://cs.example/enroll?token=abc&utm=1#x"),
        ok("https://cs.example", "abc")
    );
    assert_eq!(
        enrollment("https://cs.example/enroll?token=abc#token=abc"),
        ok("https://cs.example", "abc")
    );
    assert_eq!(
        enrollment("http://[::1]:8080/enroll#utm=1&token=abc"),
        ok("http://[::1]:8080", "abc")
    );
}

#[test]
fn broken_enrollment_links_are_refused() {
    use LinkError::*;
    for (text, error) in [
        ("http://h/enroll?token=", BadToken),
        ("http://h/enroll?token", BadToken),
        ("http://h/enroll?token=a/../b", BadToken),
        ("http://h/enroll?token=ab%2Fc", BadToken),
        ("http://h/enroll?token=abc=", BadToken),
        ("http://h/enroll?token=ab+c", BadToken),
        ("http://h/join?token=abc", NotEnrollmentLink),
        ("http://h/reenroll?token=abc", NotEnrollmentLink),
        ("http://h/enroll", NotEnrollmentLink),
        ("http://h/enroll?tok=abc", NotEnrollmentLink),
        ("abc", NotEnrollmentLink),
        ("http://h/enroll?token=a&token=b", Repeated("token")),
        ("http://h/enroll?token=a#token=b", Repeated("token")),
        ("http://h/enroll?token=ab c", BadCharacter),
        ("ftp://h/enroll?token=abc", Scheme),
        ("https://u@h/enroll?token=abc", Credentials),
        ("", Empty),
    ] {
        assert_eq!(enrollment(text), Err(error), "{text:?}");
    }
}

#[test]
fn an_enrollment_link_is_written_as_the_service_prints_it() {
    let link = EnrollmentLink::parse("https://CS.example/pre/enroll#token=abc").unwrap();
    assert_eq!(link.to_url(), "https://cs.example/pre/enroll#token=abc");
    assert_eq!(EnrollmentLink::parse(&link.to_url()), Ok(link.clone()));
    // The token is a secret: debug output does not show it.
    assert!(!format!("{link:?}").contains("abc"));
    let service = ServiceUrl::parse("https://cs.example").unwrap();
    assert_eq!(
        EnrollmentLink::new(service.clone(), "a.b"),
        Err(LinkError::BadToken)
    );
    assert_eq!(
        EnrollmentLink::new(service, "ab").unwrap().to_url(),
        "https://cs.example/enroll#token=ab"
    );
}

fn login(text: &str) -> Result<(String, String), LinkError> {
    LoginLink::parse(text).map(|l| (l.service.to_string(), l.short_uid.to_string()))
}

#[test]
fn login_links_name_their_service_and_session() {
    let id = "ab.cd.ef.01";
    assert_eq!(
        login("http://127.0.0.1:9/s?id=AB.cd.ef.01"),
        ok("http://127.0.0.1:9", id)
    );
    assert_eq!(
        login("https://x.example/cs/s?id=abcdef01#top"),
        ok("https://x.example/cs", id)
    );
    assert_eq!(
        login(" HTTPS://X.example:443/s/?id=ab-cd-ef-01 "),
        ok("https://x.example", id)
    );
    assert_eq!(
        login("https://x.example/s?x=1&id=abcdef01"),
        ok("https://x.example", id)
    );
    assert_eq!(
        login("http://[::1]:8080/s?id=abcdef01"),
        ok("http://[::1]:8080", id)
    );
}

#[test]
fn broken_login_links_are_refused() {
    use LinkError::*;
    for (text, error) in [
        ("https://x.example/t?id=abcdef01", NotLoginLink),
        ("https://x.example/s", NotLoginLink),
        ("https://x.example/s?short=abcdef01", NotLoginLink),
        ("ab.cd.ef.01", NotLoginLink),
        (
            "https://x.example/s?id=zz",
            ShortUid(ShortUidError::Malformed),
        ),
        ("https://x.example/s?id=", ShortUid(ShortUidError::Empty)),
        (
            "https://x.example/s?id=abcdef01&id=abcdef02",
            Repeated("id"),
        ),
        ("https://x.example/s?id=ab cd", BadCharacter),
    ] {
        assert_eq!(login(text), Err(error), "{text:?}");
    }
}

#[test]
fn a_bare_short_id_is_on_the_service_given() {
    let home = ServiceUrl::parse("https://home.example").unwrap();
    let bare = LoginLink::parse_or_id(" AB-CD-EF-01 ", &home).unwrap();
    assert_eq!(bare.service, home);
    assert_eq!(bare.to_url(), "https://home.example/s?id=ab.cd.ef.01");
    let elsewhere = LoginLink::parse_or_id("https://x.example/s?id=abcdef01", &home).unwrap();
    assert_eq!(elsewhere.service.as_str(), "https://x.example");
    assert!(LoginLink::parse_or_id("nope", &home).is_err());
}

proptest! {
    #![proptest_config(crate::common::proptest_config(128))]

    #[test]
    fn any_login_link_round_trips(bytes in any::<[u8; 16]>(), port in 1u16.., https in any::<bool>()) {
        let scheme = if https { "https" } else { "http" };
        let service = ServiceUrl::parse(&format!("{scheme}://cs.example:{port}/p")).unwrap();
        let link = LoginLink { service, short_uid: ShortUid::of(&uid_from_random(bytes)) };
        prop_assert_eq!(LoginLink::parse(&link.to_url()), Ok(link));
    }

    #[test]
    fn any_token_round_trips_in_both_forms(token in "[A-Za-z0-9_-]{1,64}") {
        let link = EnrollmentLink::parse(&format!("https://cs.example/enroll?token={token}")).unwrap();
        prop_assert_eq!(link.token(), token.as_str());
        prop_assert_eq!(EnrollmentLink::parse(&format!("https://cs.example/enroll#token={token}")), Ok(link.clone()));
        prop_assert_eq!(EnrollmentLink::parse(&link.to_url()), Ok(link));
    }

    #[test]
    fn pasted_junk_is_refused_without_a_panic(text in "\\PC{0,80}") {
        let _ = ServiceUrl::parse(&text);
        let _ = EnrollmentLink::parse(&text);
        let _ = LoginLink::parse(&text);
    }
}
