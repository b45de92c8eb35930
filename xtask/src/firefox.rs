//! Firefox, the second browser engine the wasm suites and an end-to-end flow
//! run in: Firefox ESR from Debian and geckodriver from crates.io, installed
//! when missing or too old, and the environment that points
//! wasm-bindgen-test-runner (or a test) at them rather than at Chromium.

use std::path::PathBuf;
use std::process::Command;

use crate::{cmd, tools};

/// The geckodriver release that drives Firefox ESR 153 (crates.io has it;
/// its GitHub binaries are out of reach here).
const GECKODRIVER_VERSION: &str = "0.37.1";

/// The oldest Firefox the suites pass in: WebCrypto Ed25519 came in 129,
/// and the key store's tests expect it where the browser has it. Debian
/// ships ESR 153.
const MIN_FIREFOX_MAJOR: u32 = 129;

/// Where Firefox and its WebDriver are.
pub struct Firefox {
    /// geckodriver.
    pub driver: PathBuf,
    /// The Firefox binary geckodriver starts (named to it, so the one
    /// checked here is the one tested).
    pub binary: PathBuf,
}

impl Firefox {
    /// Finds Firefox and geckodriver, installing what is missing or too old.
    pub fn ensure() -> Result<Self, String> {
        let binary = ensure_browser()?;
        let driver = ensure_geckodriver()?;
        Ok(Self { driver, binary })
    }

    /// Points `command` at Firefox: wasm-bindgen-test-runner takes
    /// `GECKODRIVER` (and its `GECKODRIVER_ARGS`) before `CHROMEDRIVER`, and
    /// the end-to-end suite reads the same two. `CHROMEDRIVER` is removed
    /// so that nothing can fall back to the other engine unseen.
    pub fn drive<'a>(&self, command: &'a mut Command) -> &'a mut Command {
        command
            .env("GECKODRIVER", &self.driver)
            .env("GECKODRIVER_ARGS", self.driver_args())
            .env("FIREFOX", &self.binary)
            .env_remove("CHROMEDRIVER")
    }

    /// geckodriver's arguments: the Firefox to start. wasm-bindgen-test-runner
    /// splits them as a shell would, so the path is quoted.
    fn driver_args(&self) -> String {
        let path = self.binary.to_string_lossy().replace('\'', r"'\''");
        format!("--binary '{path}'")
    }
}

/// Keeps a command meant for Chromium away from Firefox: a `GECKODRIVER` in
/// the caller's environment would otherwise win over `CHROMEDRIVER`.
pub fn not_firefox(command: &mut Command) -> &mut Command {
    command
        .env_remove("GECKODRIVER")
        .env_remove("GECKODRIVER_ARGS")
}

/// The major version in what `firefox --version` prints
/// ("Mozilla Firefox 153.8.0esr").
fn major_version(text: &str) -> Option<u32> {
    let version = text
        .split_whitespace()
        .find(|w| w.starts_with(|c: char| c.is_ascii_digit()))?;
    version.split('.').next()?.parse().ok()
}

/// The first Firefox on PATH recent enough for the suites.
fn find_browser() -> Option<PathBuf> {
    ["firefox-esr", "firefox"]
        .into_iter()
        .filter_map(cmd::which)
        .find(|binary| {
            cmd::output(&binary.to_string_lossy(), &["--version"])
                .and_then(|text| major_version(&text))
                .is_some_and(|major| major >= MIN_FIREFOX_MAJOR)
        })
}

/// Finds Firefox, installing (or upgrading) Debian's Firefox ESR as root.
fn ensure_browser() -> Result<PathBuf, String> {
    if let Some(binary) = find_browser() {
        return Ok(binary);
    }
    if !tools::is_root() {
        return Err(format!(
            "Firefox {MIN_FIREFOX_MAJOR} or newer is needed for the browser tests: install \
             the Debian package `firefox-esr` (or put `firefox` on PATH), then run again"
        ));
    }
    cmd::run(Command::new("apt-get").arg("update"))?;
    cmd::run(
        Command::new("apt-get")
            .args(["install", "-y", "--no-install-recommends", "firefox-esr"])
            .env("DEBIAN_FRONTEND", "noninteractive"),
    )?;
    find_browser().ok_or_else(|| {
        format!("firefox-esr was installed but no Firefox {MIN_FIREFOX_MAJOR}+ is on PATH")
    })
}

/// Installs geckodriver at the pinned version unless it is already there.
fn ensure_geckodriver() -> Result<PathBuf, String> {
    let driver = tools::cargo_bin("geckodriver");
    let have = cmd::output(&driver.to_string_lossy(), &["--version"]).unwrap_or_default();
    // It prints "geckodriver 0.37.1 (...)" on its first line.
    if have.split_whitespace().nth(1) != Some(GECKODRIVER_VERSION) {
        cmd::run(cmd::cargo().args([
            "install",
            "geckodriver",
            "--version",
            GECKODRIVER_VERSION,
            "--locked",
        ]))?;
    }
    if driver.is_file() {
        Ok(driver)
    } else {
        Err(format!(
            "{} is missing after installing geckodriver",
            driver.display()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_major_version_firefox_prints() {
        assert_eq!(major_version("Mozilla Firefox 153.8.0esr\n"), Some(153));
        assert_eq!(major_version("Mozilla Firefox 115.0"), Some(115));
        assert_eq!(major_version("Mozilla Firefox"), None);
    }

    #[test]
    fn the_driver_is_told_which_firefox_even_with_a_quote_in_its_path() {
        let firefox = Firefox {
            driver: PathBuf::from("/x/geckodriver"),
            binary: PathBuf::from("/opt/it's here/firefox"),
        };
        assert_eq!(
            firefox.driver_args(),
            r"--binary '/opt/it'\''s here/firefox'"
        );
    }
}
