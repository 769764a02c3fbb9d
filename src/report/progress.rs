//! A progress bar on stderr (files, bytes, events) drawn only when stderr is a terminal and the
//! user did not ask for silence; otherwise nothing is drawn and nothing is buffered.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicU64, Ordering};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::input::Progress;

/// What the bar shows: files done of all, a bar, data and events read, time spent, and the time
/// left at the pace so far (files being of one kind, their count is a fair measure).
const TEMPLATE: &str =
    "{spinner} {bar:24} {pos}/{len} files  {msg}  [{elapsed_precise}, about {eta} left]";

pub struct Bar {
    bar: Option<ProgressBar>,
    bytes: AtomicU64,
    events: AtomicU64,
}

impl Bar {
    /// A bar over `files` files; hidden unless stderr is a terminal and `enabled`.
    pub fn new(files: u64, enabled: bool) -> Bar {
        if !enabled || !std::io::stderr().is_terminal() {
            return Bar {
                bar: None,
                bytes: AtomicU64::new(0),
                events: AtomicU64::new(0),
            };
        }
        let bar = ProgressBar::with_draw_target(Some(files), ProgressDrawTarget::stderr());
        bar.set_style(
            ProgressStyle::with_template(TEMPLATE).unwrap_or_else(|_| ProgressStyle::default_bar()),
        );
        Bar {
            bar: Some(bar),
            bytes: AtomicU64::new(0),
            events: AtomicU64::new(0),
        }
    }

    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

impl Progress for Bar {
    fn begin(&self, files: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(files);
        }
    }

    fn end(&self) {
        self.finish();
    }

    fn file_done(&self, bytes: u64, records: usize) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
            let bytes = self.bytes.fetch_add(bytes, Ordering::Relaxed) + bytes;
            let events = self.events.fetch_add(records as u64, Ordering::Relaxed) + records as u64;
            bar.set_message(format!("{} MB, {events} events", bytes / 1_000_000));
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_bar_template_is_valid_and_shows_the_time_left() {
        assert!(indicatif::ProgressStyle::with_template(super::TEMPLATE).is_ok());
        assert!(super::TEMPLATE.contains("{eta}"));
    }
}
