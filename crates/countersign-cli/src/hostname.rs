//! This host's name, as a login request claims it.

use std::process::Command;

use countersign_core::check_hostname;

/// The name this host gives itself, from the kernel, `$HOSTNAME` or the
/// `hostname` command, in that order; `None` when none of them gives a name
/// the service accepts, in which case the request goes without one rather
/// than be refused.
pub fn this_host() -> Option<String> {
    let from_kernel = || std::fs::read_to_string("/proc/sys/kernel/hostname").ok();
    let from_env = || std::env::var("HOSTNAME").ok();
    let from_command = || {
        Command::new("hostname")
            .output()
            .ok()
            .filter(|out| out.status.success())
            .and_then(|out| String::from_utf8(out.stdout).ok())
    };
    from_kernel()
        .and_then(accept)
        .or_else(|| from_env().and_then(accept))
        .or_else(|| from_command().and_then(accept))
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
    fn this_host_has_an_acceptable_name_or_none() {
        if let Some(name) = this_host() {
            assert_eq!(accept(name.clone()), Some(name));
        }
    }
}
