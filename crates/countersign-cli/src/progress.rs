//! The spinner and countdown on stderr while `login` waits, drawn by a
//! thread of its own because the main thread is blocked in a long poll.
//! Only on a terminal: a log or a pipe gets plain notes and no spinner.

use std::io::{IsTerminal as _, Write as _};
use std::sync::mpsc::{self, RecvTimeoutError};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::clock;

const FRAMES: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TICK: Duration = Duration::from_millis(100);
/// Moves to the start of the line and clears it.
const CLEAR_LINE: &str = "\r\x1b[2K";

/// A running spinner, or nothing when stderr is not a terminal.
pub struct Progress {
    running: Option<Running>,
    /// Held while writing to stderr, so a note and a spinner frame never
    /// interleave.
    stderr: Arc<Mutex<()>>,
}

struct Running {
    stop: mpsc::Sender<()>,
    thread: JoinHandle<()>,
}

impl Progress {
    /// Starts a spinner that says `label` and counts down to `until`.
    pub fn start(label: String, until: DateTime<Utc>) -> Self {
        let stderr = Arc::new(Mutex::new(()));
        if !std::io::stderr().is_terminal() {
            return Self {
                running: None,
                stderr,
            };
        }
        let (stop, stopped) = mpsc::channel();
        let lock = Arc::clone(&stderr);
        let thread = std::thread::spawn(move || {
            for frame in FRAMES.iter().cycle() {
                {
                    let _held = lock.lock().unwrap_or_else(PoisonError::into_inner);
                    let left = countdown(until - clock::now());
                    let mut err = std::io::stderr().lock();
                    let _ = write!(err, "{CLEAR_LINE}{frame} {label} {left}");
                    let _ = err.flush();
                }
                match stopped.recv_timeout(TICK) {
                    Err(RecvTimeoutError::Timeout) => {}
                    Ok(()) | Err(RecvTimeoutError::Disconnected) => break,
                }
            }
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "{CLEAR_LINE}");
            let _ = err.flush();
        });
        Self {
            running: Some(Running { stop, thread }),
            stderr,
        }
    }

    /// Prints a note on its own line, above the spinner.
    pub fn say(&self, note: &str) {
        let _held = self.stderr.lock().unwrap_or_else(PoisonError::into_inner);
        let clear = if self.running.is_some() {
            CLEAR_LINE
        } else {
            ""
        };
        crate::output::note(&format!("{clear}{note}"));
    }

    /// Stops the spinner and clears its line.
    pub fn stop(mut self) {
        self.halt();
    }

    fn halt(&mut self) {
        if let Some(running) = self.running.take() {
            let _ = running.stop.send(());
            let _ = running.thread.join();
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.halt();
    }
}

/// Time left as people read it: `9:41 left`, or that it is running out.
pub fn countdown(left: chrono::TimeDelta) -> String {
    let seconds = left.num_seconds();
    if seconds <= 0 {
        return "(expiring)".to_owned();
    }
    format!("({}:{:02} left)", seconds / 60, seconds % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_countdown_reads_as_minutes_and_seconds() {
        assert_eq!(countdown(chrono::TimeDelta::seconds(581)), "(9:41 left)");
        assert_eq!(countdown(chrono::TimeDelta::seconds(5)), "(0:05 left)");
        assert_eq!(countdown(chrono::TimeDelta::zero()), "(expiring)");
        assert_eq!(countdown(chrono::TimeDelta::seconds(-3)), "(expiring)");
    }
}
