//! The Prometheus text exposition format (0.0.4): a family's `HELP` and
//! `TYPE` lines, then its samples, one a line.

use std::fmt::{Display, Write as _};

use crate::store::histogram::{BOUNDS, Snapshot};

/// What a family of samples is.
#[derive(Debug, Clone, Copy)]
pub enum Kind {
    /// Only goes up (until the process restarts).
    Counter,
    /// Goes up and down.
    Gauge,
    /// Buckets, a count and a sum.
    Histogram,
}

/// The text being written.
#[derive(Debug, Default)]
pub struct Exposition(String);

impl Exposition {
    /// Starts a family named `name`.
    pub fn family(&mut self, name: &str, kind: Kind, help: &str) {
        let kind = match kind {
            Kind::Counter => "counter",
            Kind::Gauge => "gauge",
            Kind::Histogram => "histogram",
        };
        // Writing to a `String` cannot fail.
        let _ = writeln!(self.0, "# HELP {name} {help}");
        let _ = writeln!(self.0, "# TYPE {name} {kind}");
    }

    /// One sample: `name{label="value",...} value`.
    pub fn sample(&mut self, name: &str, labels: &[(&str, &str)], value: impl Display) {
        self.0.push_str(name);
        if !labels.is_empty() {
            self.0.push('{');
            for (i, (label, text)) in labels.iter().enumerate() {
                if i > 0 {
                    self.0.push(',');
                }
                let _ = write!(self.0, "{label}=\"");
                escape_into(&mut self.0, text);
                self.0.push('"');
            }
            self.0.push('}');
        }
        let _ = writeln!(self.0, " {value}");
    }

    /// A histogram's samples: each bucket (`le`), `+Inf`, the sum in
    /// seconds and the count, with `labels` on each.
    pub fn histogram(&mut self, name: &str, labels: &[(&str, &str)], read: &Snapshot) {
        let bucket = format!("{name}_bucket");
        for ((_, le), count) in BOUNDS.iter().zip(read.cumulative) {
            let mut with_le = labels.to_vec();
            with_le.push(("le", le));
            self.sample(&bucket, &with_le, count);
        }
        let mut with_le = labels.to_vec();
        with_le.push(("le", "+Inf"));
        self.sample(&bucket, &with_le, read.count);
        // Nanoseconds to seconds: nine decimals say it exactly.
        let seconds = format!(
            "{}.{:09}",
            read.sum_ns / 1_000_000_000,
            read.sum_ns % 1_000_000_000
        );
        self.sample(&format!("{name}_sum"), labels, seconds);
        self.sample(&format!("{name}_count"), labels, read.count);
    }

    /// The text written.
    pub fn finish(self) -> String {
        self.0
    }
}

/// A label value as the format quotes it: backslash, double quote and
/// line feed escaped. The service's labels are its own names, but a
/// value that needs it must still not break the line.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '"' => out.push_str("\\\""),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::histogram::Histogram;
    use std::time::Duration;

    #[test]
    fn writes_families_samples_and_histograms() {
        let mut text = Exposition::default();
        text.family("x_total", Kind::Counter, "Things.");
        text.sample("x_total", &[], 3);
        text.sample("x_total", &[("a", "b\"c"), ("d", "e\\f\ng")], 4);
        let histogram = Histogram::default();
        histogram.observe(Duration::from_millis(2));
        histogram.observe(Duration::from_millis(1500));
        text.family("t_seconds", Kind::Histogram, "Times.");
        text.histogram("t_seconds", &[("op", "read")], &histogram.snapshot());
        let text = text.finish();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "# HELP x_total Things.");
        assert_eq!(lines[1], "# TYPE x_total counter");
        assert_eq!(lines[2], "x_total 3");
        assert_eq!(lines[3], r#"x_total{a="b\"c",d="e\\f\ng"} 4"#);
        assert!(lines.contains(&r#"t_seconds_bucket{op="read",le="0.001"} 0"#));
        assert!(lines.contains(&r#"t_seconds_bucket{op="read",le="0.0025"} 1"#));
        assert!(lines.contains(&r#"t_seconds_bucket{op="read",le="2.5"} 2"#));
        assert!(lines.contains(&r#"t_seconds_bucket{op="read",le="+Inf"} 2"#));
        assert!(lines.contains(&r#"t_seconds_sum{op="read"} 1.502000000"#));
        assert!(lines.contains(&r#"t_seconds_count{op="read"} 2"#));
    }
}
