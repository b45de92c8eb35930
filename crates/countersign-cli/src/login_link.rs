//! The login URL a service answers, checked before it is printed or drawn
//! as a QR code: a hostile or broken service could otherwise put terminal
//! escape sequences, bidirectional overrides or invisible characters in
//! front of the person, or send the approver somewhere else.

use countersign_core::ServiceUrl;
use countersign_core::ShortUid;
use countersign_core::client::LoginLink;

use crate::api::ApiError;
use crate::show::safe;

/// The login URL to print for the session `short` asked for on `server`,
/// given that the service answered `answered`: the session's own link, in
/// this program's normal form, if `answered` is exactly that link (printable
/// ASCII, on `server`, `?id=SHORT` and nothing more); else a refusal.
pub fn checked(server: &ServiceUrl, short: ShortUid, answered: &str) -> Result<String, ApiError> {
    let expected = LoginLink {
        service: server.clone(),
        short_uid: short,
    };
    let printable = |c: char| c.is_ascii_graphic();
    let plain = answered.chars().all(printable)
        && !answered.contains('#')
        && answered
            .split_once('?')
            .is_some_and(|(_, query)| query == format!("id={short}"))
        && LoginLink::parse(answered).is_ok_and(|link| link == expected);
    if plain {
        Ok(expected.to_url())
    } else {
        Err(ApiError::BadAnswer {
            server: server.to_string(),
            detail: format!(
                "a login URL that is not this session's link on {server} ({})",
                safe(&answered.chars().take(200).collect::<String>())
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_sessions_own_link_on_the_service_asked_is_accepted() {
        let server = ServiceUrl::parse("https://countersign.example").unwrap();
        let short = ShortUid::parse("ab.cd.ef.01").unwrap();
        let check = |answered: &str| checked(&server, short, answered);
        let own = "https://countersign.example/s?id=ab.cd.ef.01";
        assert_eq!(check(own).unwrap(), own);
        // Another spelling of the same service is printed in its normal form.
        assert_eq!(
            check("https://Countersign.example:443/s?id=ab.cd.ef.01").unwrap(),
            own
        );
        for refused in [
            "https://countersign.example/s?id=ab.cd.ef.01\u{1b}]8;;https://e.example\u{1b}\\",
            "https://countersign.example/s?id=ab.cd.ef.01\u{202e}",
            "https://countersign.example/s\u{200b}?id=ab.cd.ef.01",
            "https://countersign.example/s?id=ab.cd.ef.01&x=\u{2066}",
            "https://countersign.example/s?id=ab.cd.ef.01\u{7}",
            "https://countersign.example/s?id=ab.cd.ef.01 ",
            "https://countersign.example/s?id=ab.cd.ef.01&next=https://e.example",
            "https://countersign.example/s?id=ab.cd.ef.01#x",
            "https://countersign.example/s?id=00.11.22.33",
            "https://e.example/s?id=ab.cd.ef.01",
            "http://countersign.example/s?id=ab.cd.ef.01",
            "https://countersign.example/x/s?id=ab.cd.ef.01",
            "https://countersign.example/enroll?token=x",
            "",
        ] {
            let error = check(refused).unwrap_err().to_string();
            assert!(
                error.contains(
                    "a login URL that is not this session's link on https://countersign.example"
                ),
                "{refused:?}: {error}"
            );
            assert!(
                !error.contains(['\u{1b}', '\u{202e}', '\u{200b}', '\u{2066}', '\u{7}']),
                "{error:?}"
            );
        }
    }
}
