//! `trailtune man [COMMAND]`: a man page (roff) on stdout, or with `--out DIR` one page per
//! command written into a folder (each file atomically).

use std::io::Write;

use anyhow::{Context, Result, bail};

use crate::cli::ManArgs;
use crate::exit::Status;
use crate::report;

pub fn run(args: ManArgs) -> Result<Status> {
    if let Some(dir) = args.out {
        let pages = report::manual::pages()?;
        std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        for (name, page) in &pages {
            let path = dir.join(name);
            crate::atomic::write(&path, page)
                .with_context(|| format!("writing {}", path.display()))?;
        }
        report::manual::written(&mut std::io::stderr(), &dir, pages.len())?;
        return Ok(Status::Clean);
    }
    let Some(page) = report::manual::page(args.command.as_deref())? else {
        bail!(
            "no command `{}` (see trailtune --help)",
            args.command.unwrap_or_default()
        );
    };
    let mut out = std::io::stdout().lock();
    out.write_all(&page)
        .and_then(|()| out.flush())
        .context("writing the man page to standard output")?;
    Ok(Status::Clean)
}
