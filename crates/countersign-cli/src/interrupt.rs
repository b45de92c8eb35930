//! Ctrl-C while `login` waits. The signal is caught and read on a thread of
//! its own, which turns it into an event on the waiting command's channel,
//! so that the command can cancel its request before it ends. Once the
//! command no longer listens (it took a first Ctrl-C and is cancelling),
//! another Ctrl-C ends the program at once, as it would without this.

use std::sync::mpsc::Sender;

use signal_hook::consts::SIGINT;
use signal_hook::iterator::Signals;

/// The exit code of a program ended by SIGINT, as shells report it.
const SIGINT_EXIT: i32 = 130;

/// From now on, sends `event()` on `events` at each Ctrl-C instead of
/// ending the program.
pub fn forward<T: Send + 'static>(events: Sender<T>, event: fn() -> T) -> std::io::Result<()> {
    let mut signals = Signals::new([SIGINT])?;
    std::thread::Builder::new()
        .name("ctrl-c".to_owned())
        .spawn(move || {
            for _ in signals.forever() {
                if events.send(event()).is_err() {
                    // No one listens: end as SIGINT would have.
                    let _ = signal_hook::low_level::emulate_default_handler(SIGINT);
                    std::process::exit(SIGINT_EXIT);
                }
            }
        })?;
    Ok(())
}
