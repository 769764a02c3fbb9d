//! The command line's own documentation, generated from its definition (`cli::Cli`): shell
//! completion scripts (clap_complete) and man pages (clap_mangen), so they never drift from
//! `--help`.

use std::io::{self, Write};
use std::path::Path;

use clap::CommandFactory;

use crate::cli::Cli;

/// The completion script for `shell`.
pub fn completions(out: &mut dyn Write, shell: clap_complete::Shell) -> io::Result<()> {
    let mut cmd = Cli::command();
    // Generated in memory: the generator panics on a failed write (`> /dev/full`).
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut cmd, "trailtune", &mut script);
    out.write_all(&script)
}

/// The command line as its pages describe it: `trailtune help` is `--help`, not a page.
fn documented() -> clap::Command {
    let mut root = Cli::command().disable_help_subcommand(true);
    root.build();
    root
}

fn render(cmd: clap::Command) -> io::Result<Vec<u8>> {
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd).render(&mut page)?;
    Ok(page)
}

/// The man page of trailtune (`None`) or of one of its commands; `None` for a command that
/// does not exist.
pub fn page(command: Option<&str>) -> io::Result<Option<Vec<u8>>> {
    let root = documented();
    match command {
        None => render(root).map(Some),
        Some(name) => match root.find_subcommand(name) {
            Some(sub) => render(named(sub)).map(Some),
            None => Ok(None),
        },
    }
}

/// A command named as its page is: `trailtune-detect`.
fn named(sub: &clap::Command) -> clap::Command {
    let name = format!("trailtune-{}", sub.get_name());
    sub.clone()
        .name(name.clone())
        .bin_name(name.replacen('-', " ", 1))
        .version(env!("CARGO_PKG_VERSION"))
}

/// Every page: `trailtune.1`, then `trailtune-<command>.1` for each command.
pub fn pages() -> io::Result<Vec<(String, Vec<u8>)>> {
    let root = documented();
    let mut pages = vec![("trailtune.1".to_string(), render(root.clone())?)];
    for sub in root.get_subcommands() {
        let sub = named(sub);
        pages.push((format!("{}.1", sub.get_name()), render(sub)?));
    }
    Ok(pages)
}

/// Said on stderr once the pages are written.
pub fn written(out: &mut dyn Write, dir: &Path, n: usize) -> io::Result<()> {
    writeln!(
        out,
        "trailtune: {} written to {}",
        super::count(n as u64, "man page", "man pages"),
        super::text::Safe(&dir.display().to_string())
    )
}
