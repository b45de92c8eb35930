//! The gates on the wasm modules' gzipped sizes, which fail `cargo xtask
//! test`: each module may grow at most 2 % over its baseline, the size it
//! had when the gate was set. A change that makes a module smaller lowers
//! its baseline here, so the line holds where it now is; the goals the
//! bench marks (`bench.rs`) are lower still.

/// One module's gate.
pub struct Gate {
    /// What the module is, as the report names it.
    pub what: &'static str,
    /// Its gzipped size when the gate was last set, in bytes.
    pub baseline: u64,
}

impl Gate {
    /// The largest gzipped size that passes: the baseline and 2 %.
    pub const fn limit(&self) -> u64 {
        self.baseline + self.baseline / 50
    }

    /// Passes `gz_bytes` if it is within the limit.
    pub fn check(&self, gz_bytes: u64) -> Result<(), String> {
        if gz_bytes <= self.limit() {
            return Ok(());
        }
        Err(format!(
            "the {} is {gz_bytes} bytes gzipped, over its gate of {} (its baseline {} and 2 %): \
             make it smaller, or say in the commit why it must grow and raise the baseline in \
             xtask/src/sizes.rs",
            self.what,
            self.limit(),
            self.baseline
        ))
    }
}

/// The npm package's wasm.
pub const PACKAGE: Gate = Gate {
    what: "npm package's wasm",
    baseline: 174_397,
};

/// The approval web app's wasm.
pub const WEB_APP: Gate = Gate {
    what: "web app's wasm",
    baseline: 239_345,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_module_may_grow_two_percent_and_no_more() {
        let gate = Gate {
            what: "module",
            baseline: 100_000,
        };
        assert_eq!(gate.limit(), 102_000);
        assert!(gate.check(90_000).is_ok());
        assert!(gate.check(102_000).is_ok());
        let refused = gate.check(102_001).unwrap_err();
        assert!(refused.contains("102001 bytes gzipped"), "{refused}");
    }
}
