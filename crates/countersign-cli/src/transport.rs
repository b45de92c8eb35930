//! The rule against plain http: this program talks to a service over
//! https, or over http only to this machine, unless the person says plainly
//! (`--insecure-http`) that they accept a connection anyone on the way can
//! read and change. Every client of a service is made through
//! [`Transport::check`], so no URL, whatever it came from, escapes it.

use countersign_core::ServiceUrl;

/// Plain http to a service that is not on this machine, without
/// `--insecure-http`: the refusal of [`Transport::check`].
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "refusing plain http:// to {service} ({from}): it is not this machine, so anyone on the network between could read and change what is sent; use https://, or pass --insecure-http (or set COUNTERSIGN_INSECURE_HTTP=1) to accept that"
)]
pub struct InsecureHttp {
    /// The service.
    pub service: String,
    /// Where its URL came from.
    pub from: String,
}

/// What the command line allows on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transport {
    insecure_http: bool,
}

impl Transport {
    /// `insecure_http`: plain http to any host is allowed.
    pub fn new(insecure_http: bool) -> Self {
        Self { insecure_http }
    }

    /// Whether this program may talk to `service`; `from` says where the
    /// URL came from ("given with --server", "the service of the kept
    /// session ab.cd.ef.01", ...), for the refusal. Plain http to another host would carry enrollment
    /// tokens, signed statements and the sessions shown to the approver in
    /// the clear, and let anyone on the way answer in the service's name.
    pub fn check(self, service: &ServiceUrl, from: &str) -> Result<(), InsecureHttp> {
        if self.insecure_http || service.is_https() || service.is_loopback() {
            return Ok(());
        }
        Err(InsecureHttp {
            service: service.to_string(),
            from: from.to_owned(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_http_is_for_this_machine_unless_insecure_http_is_given() {
        let check = |url: &str, insecure: bool| {
            let service = ServiceUrl::parse(url).unwrap();
            Transport::new(insecure).check(&service, "--server").is_ok()
        };
        for allowed in [
            "https://countersign.example",
            "https://10.0.0.1:8443",
            "http://localhost:8080",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:8080",
        ] {
            assert!(check(allowed, false), "{allowed}");
        }
        for refused in [
            "http://countersign.example",
            "http://localhost.example",
            "http://0.0.0.0:8080",
            "http://10.0.0.1",
            "http://[::2]",
            "http://[::ffff:127.0.0.1]",
        ] {
            assert!(!check(refused, false), "{refused}");
            assert!(check(refused, true), "{refused}");
        }
    }

    #[test]
    fn the_refusal_says_why_and_what_to_do() {
        let service = ServiceUrl::parse("http://countersign.example/").unwrap();
        let refused = Transport::new(false)
            .check(&service, "the service of the kept session ab.cd.ef.01")
            .unwrap_err();
        let message = refused.to_string();
        for words in [
            "plain http:// to http://countersign.example (the service of the kept session ab.cd.ef.01)",
            "not this machine",
            "https://",
            "--insecure-http",
            "COUNTERSIGN_INSECURE_HTTP=1",
        ] {
            assert!(message.contains(words), "{words:?}: {message}");
        }
    }
}
