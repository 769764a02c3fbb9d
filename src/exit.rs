//! Exit statuses, as a type. Every command returns a [`Status`]; `main` turns it into the process
//! exit code. The table is documented in `--help`, README.md and docs/user-guide.md, and scripts
//! (cron, CI) rely on it, so the numbers never change meaning.

use std::process::ExitCode;

/// The outcome of a command, from the point of view of a script that runs it.
///
/// | code | meaning |
/// |---|---|
/// | 0 | ran over all input; nothing to report (no hits, rule up to date) |
/// | 1 | ran over all input; something to report (hits found, rule changed or would change) |
/// | 2 | fatal error: bad arguments, unreadable rule, no usable input, `--strict` input error |
/// | 3 | ran, but some input was skipped (bad files or records, counted in the summary); nothing to report |
/// | 4 | ran, but some input was skipped; something to report |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Clean,
    Found,
    Fatal,
    Partial,
    PartialFound,
}

impl Status {
    /// Combine "did we find something" with "was input skipped".
    pub fn from_flags(found: bool, skipped_input: bool) -> Status {
        match (found, skipped_input) {
            (false, false) => Status::Clean,
            (true, false) => Status::Found,
            (false, true) => Status::Partial,
            (true, true) => Status::PartialFound,
        }
    }

    pub fn code(self) -> u8 {
        match self {
            Status::Clean => 0,
            Status::Found => 1,
            Status::Fatal => 2,
            Status::Partial => 3,
            Status::PartialFound => 4,
        }
    }
}

impl From<Status> for ExitCode {
    fn from(status: Status) -> ExitCode {
        ExitCode::from(status.code())
    }
}

/// The help text's exit-status table (kept next to the type it documents).
pub const EXIT_STATUS_HELP: &str = "\
Exit status:
  0  ran over all input, nothing to report
  1  ran over all input, something to report (hits found / rule changed or would change)
  2  fatal error (bad arguments, unreadable rule, no usable input, --strict input error)
  3  ran, some input was skipped (see the summary on stderr), nothing to report
  4  ran, some input was skipped, something to report";

/// The error and its causes on one line, each said once (a stage's message often quotes its
/// cause already), with control characters escaped (an error may quote a value from the logs).
pub fn message(err: &anyhow::Error) -> String {
    crate::report::text::escape(&raw_message(err)).into_owned()
}

fn raw_message(err: &anyhow::Error) -> String {
    let mut text = err.to_string();
    for cause in err.chain().skip(1) {
        let cause = cause.to_string();
        if !text.contains(&cause) {
            text.push_str(": ");
            text.push_str(&cause);
        }
    }
    text
}

/// A write to a closed pipe (`trailtune ... | head`) is a clean exit, not an error.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_map_to_documented_codes() {
        assert_eq!(Status::from_flags(false, false).code(), 0);
        assert_eq!(Status::from_flags(true, false).code(), 1);
        assert_eq!(Status::Fatal.code(), 2);
        assert_eq!(Status::from_flags(false, true).code(), 3);
        assert_eq!(Status::from_flags(true, true).code(), 4);
    }
}
