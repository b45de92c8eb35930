//! This host's name, as a login request claims it.

use std::process::Command;

use countersign_core::check_hostname;

/// The name this host gives itself, from the kernel, `$HOSTNAME` or the
/// `hostname` command, in that order; `None` when none of them gives a name
/// the service accepts, in which case the request goes without one rather
/// than be refused.
pub fn this_host() -> Option<String> {
    first_acceptable([from_kernel, from_env, from_command])
}

/// The first name the service would accept, asking each source in turn
/// and no further once one has given such a name.
fn first_acceptable(sources: [fn() -> Option<String>; 3]) -> Option<String> {
    sources
        .into_iter()
        .find_map(|source| source().and_then(accept))
}

fn from_kernel() -> Option<String> {
    std::fs::read_to_string("/proc/sys/kernel/hostname").ok()
}

fn from_env() -> Option<String> {
    std::env::var("HOSTNAME").ok()
}

fn from_command() -> Option<String> {
    Command::new("hostname")
        .output()
        .ok()
        .filter(|out| out.status.success())
        .and_then(|out| String::from_utf8(out.stdout).ok())
}

/// The name, trimmed, if the service would accept it (the core's own check).
fn accept(name: String) -> Option<String> {
    let name = name.trim();
    check_hostname(name).ok().map(|()| name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_names_the_service_accepts_are_sent() {
        let check = |name: &str, expected: Option<&str>| {
            assert_eq!(accept(name.to_owned()).as_deref(), expected, "{name:?}");
        };
        check("build-01\n", Some("build-01"));
        check("host_a.example.org", Some("host_a.example.org"));
        check("", None);
        check("  \n", None);
        check("bad host", None);
        check("hôte", None);
        check(&"a".repeat(254), None);
        check(&"a".repeat(253), Some("a".repeat(253).as_str()));
    }

    #[test]
    fn the_first_source_with_an_acceptable_name_is_used() {
        let none = || None;
        let bad = || Some("bad host".to_owned());
        let good = || Some(" build-01\n".to_owned());
        let other = || Some("build-02".to_owned());
        let never = || panic!("asked after a good name");
        assert_eq!(
            first_acceptable([good, never, never]).as_deref(),
            Some("build-01")
        );
        assert_eq!(
            first_acceptable([none, good, never]).as_deref(),
            Some("build-01")
        );
        assert_eq!(
            first_acceptable([bad, none, other]).as_deref(),
            Some("build-02")
        );
        assert_eq!(first_acceptable([none, bad, none]), None);
    }

    #[test]
    fn this_host_is_the_kernels_name_when_the_service_accepts_it() {
        match from_kernel().and_then(accept) {
            // Linux with an ordinary host name: the kernel's is the one sent.
            Some(name) => assert_eq!(this_host(), Some(name)),
            None => {
                if let Some(name) = this_host() {
                    assert_eq!(accept(name.clone()), Some(name));
                }
            }
        }
    }
}
