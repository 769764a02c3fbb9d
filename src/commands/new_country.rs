//! `trailtune new-country`: read the baseline days and the hunt days with GeoIP databases, and
//! report each principal calling from a country it never called from before.

use std::io::Write;

use anyhow::{Result, bail};

use crate::baseline;
use crate::cli::NewCountryArgs;
use crate::config;
use crate::exit::Status;
use crate::geo::Geo;
use crate::new_country;
use crate::report;

pub fn run(args: NewCountryArgs) -> Result<Status> {
    let cfg = config::NewCountry::try_from(args)?;
    // A database that cannot be read stops the run before any log is.
    let geo = Geo::open(&cfg.geoip)?;
    if !geo.has_countries() {
        bail!(
            "--geoip: no database here gives countries (an ASN file names networks only): give a City or Country file, or IPinfo's"
        );
    }
    let bar = report::progress::Bar::new(0, cfg.input.progress);
    let learned = baseline::from_logs(&cfg.input, &cfg.window, Some(&geo), &bar)
        .map_err(report::problems::before_error)?;
    let found = new_country::find(
        &learned.baseline.aggregates,
        learned.baseline.window,
        cfg.hunt_days,
    );
    let mut err = std::io::stderr().lock();
    report::problems::learned(&mut err, &learned)?;
    let lookup_errors = geo.errors();
    report::detect::lookup_errors(&mut err, &lookup_errors)?;
    if found.principals_compared == 0 {
        // Nothing to compare with: a scheduled run must not call that a quiet week.
        bail!(
            "no events from {} to {} to learn where principals call from: nothing was compared (read more days, or lower --days)",
            found.baseline.since,
            found.baseline.until
        );
    }
    let mut out = std::io::stdout().lock();
    report::new_country::write(&mut out, cfg.output, &found)?;
    out.flush()?;
    Ok(Status::from_flags(
        !found.findings.is_empty(),
        !learned.problems.is_empty() || lookup_errors.count > 0,
    ))
}
