//! The aggregates as a polars DataFrame, and the profile computed from it. This is the one place
//! where column names and dtypes are defined: everything downstream (policy, reports, the
//! baseline file) reads [`ProfileRow`]s or the named columns here, never ad-hoc strings.

use chrono::{Days, NaiveDate};
use polars::prelude::*;

use super::aggregate::Aggregates;
use crate::regions;

/// Column names of the aggregate frame.
pub mod cols {
    pub const DAY: &str = "day";
    pub const ACCOUNT: &str = "account";
    pub const REGION: &str = "region";
    pub const EVENT_SOURCE: &str = "event_source";
    pub const IDENTITY_TYPE: &str = "identity_type";
    pub const PRINCIPAL: &str = "principal";
    pub const ORIGIN: &str = "origin";
    pub const FAILED: &str = "failed";
    pub const READ_ONLY: &str = "read_only";
    pub const GLOBAL: &str = "global_service";
    pub const EVENTS: &str = "events";
    /// The caller's country (ISO code, or what the address is), in the caller frame only.
    pub const COUNTRY: &str = "country";
    /// The caller's network (`AS1221 Telstra Pty Ltd`), in the caller frame only.
    pub const NETWORK: &str = "network";
}

/// Days since 1970-01-01 (the frame stores days as Int32 to keep polars' temporal features out
/// of the build).
pub fn day_number(day: NaiveDate) -> i32 {
    (day - NaiveDate::default()).num_days() as i32
}

pub fn day_from_number(n: i32) -> NaiveDate {
    if n >= 0 {
        NaiveDate::default() + Days::new(n as u64)
    } else {
        NaiveDate::default() - Days::new(n.unsigned_abs() as u64)
    }
}

/// Build the aggregate frame: one row per key.
pub fn frame(aggregates: &Aggregates) -> PolarsResult<DataFrame> {
    build(&aggregates.rows())
}

/// The aggregate frame split by where the callers were (`country` and `network` columns too):
/// empty unless the logs were read with GeoIP databases.
pub fn caller_frame(aggregates: &Aggregates) -> PolarsResult<DataFrame> {
    let rows = aggregates.caller_rows();
    let base: Vec<_> = rows.iter().map(|(r, _, _)| r.clone()).collect();
    let mut df = build(&base)?;
    df.with_column(Column::new(
        cols::COUNTRY.into(),
        rows.iter().map(|(_, c, _)| *c).collect::<Vec<_>>(),
    ))?;
    df.with_column(Column::new(
        cols::NETWORK.into(),
        rows.iter().map(|(_, _, n)| *n).collect::<Vec<_>>(),
    ))?;
    Ok(df)
}

fn build(rows: &[super::aggregate::Row<'_>]) -> PolarsResult<DataFrame> {
    let n = rows.len();
    let mut day = Vec::with_capacity(n);
    let mut account = Vec::with_capacity(n);
    let mut region = Vec::with_capacity(n);
    let mut source = Vec::with_capacity(n);
    let mut identity = Vec::with_capacity(n);
    let mut principal = Vec::with_capacity(n);
    let mut origin = Vec::with_capacity(n);
    let mut failed = Vec::with_capacity(n);
    let mut read_only = Vec::with_capacity(n);
    let mut global = Vec::with_capacity(n);
    let mut events = Vec::with_capacity(n);
    for r in rows {
        day.push(day_number(r.day));
        account.push(r.account);
        region.push(r.region);
        source.push(r.event_source);
        identity.push(r.identity_type);
        principal.push(r.principal);
        origin.push(r.origin.as_str());
        failed.push(r.failed);
        read_only.push(r.read_only);
        global.push(regions::is_global_event_source(r.event_source));
        events.push(r.events);
    }
    df!(
        cols::DAY => day,
        cols::ACCOUNT => account,
        cols::REGION => region,
        cols::EVENT_SOURCE => source,
        cols::IDENTITY_TYPE => identity,
        cols::PRINCIPAL => principal,
        cols::ORIGIN => origin,
        cols::FAILED => failed,
        cols::READ_ONLY => read_only,
        cols::GLOBAL => global,
        cols::EVENTS => events,
    )
}

/// One row of a profile table (per region, account, principal, service or day).
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ProfileRow {
    pub key: String,
    /// The second key, when rows are keyed by two columns (`profile --by region,account`).
    pub key2: Option<String>,
    pub events: u64,
    pub share_pct: f64,
    pub active_days: u32,
    pub first_seen: NaiveDate,
    pub last_seen: NaiveDate,
    pub principals: u32,
    pub accounts: u32,
    pub regions: u32,
    pub failed_events: u64,
    pub global_events: u64,
    pub direct_events: u64,
}

impl ProfileRow {
    pub fn failed_pct(&self) -> f64 {
        pct(self.failed_events, self.events)
    }
    pub fn global_pct(&self) -> f64 {
        pct(self.global_events, self.events)
    }
}

pub fn pct(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 * 100.0 / whole as f64
    }
}

/// Group the frame by `key` (one of the [`cols`](mod@cols) names) and compute the profile columns. Rows
/// are sorted by events (descending), then key.
pub fn profile(df: &DataFrame, key: &str) -> PolarsResult<Vec<ProfileRow>> {
    profile_by(df, key, None)
}

/// [`profile`] keyed by two columns: one row per pair of values seen together (the matrix a
/// reviewer reads to see which account uses which region), sorted by events.
pub fn profile_by(df: &DataFrame, key: &str, key2: Option<&str>) -> PolarsResult<Vec<ProfileRow>> {
    let mut keys = vec![col(key).cast(DataType::String).alias("key")];
    if let Some(key2) = key2 {
        keys.push(col(key2).cast(DataType::String).alias("key2"));
    }
    let mut order = vec!["events", "key"];
    if key2.is_some() {
        order.push("key2");
    }
    let out = df
        .clone()
        .lazy()
        .group_by(keys)
        .agg([
            col(cols::EVENTS).sum().alias("events"),
            col(cols::DAY).n_unique().alias("active_days"),
            col(cols::DAY).min().alias("first"),
            col(cols::DAY).max().alias("last"),
            col(cols::PRINCIPAL).n_unique().alias("principals"),
            col(cols::ACCOUNT).n_unique().alias("accounts"),
            col(cols::REGION).n_unique().alias("regions"),
            col(cols::EVENTS)
                .filter(col(cols::FAILED))
                .sum()
                .alias("failed"),
            col(cols::EVENTS)
                .filter(col(cols::GLOBAL))
                .sum()
                .alias("global"),
            col(cols::EVENTS)
                .filter(col(cols::ORIGIN).eq(lit(crate::event::Origin::Direct.as_str())))
                .sum()
                .alias("direct"),
        ])
        .sort(
            order.clone(),
            SortMultipleOptions::default()
                .with_order_descending_multi(order.iter().map(|c| *c == "events"))
                .with_maintain_order(true),
        )
        .collect()?;
    let height = out.height();
    let key_col = out.column("key")?.str()?.clone();
    let key2_col = match key2 {
        Some(_) => Some(out.column("key2")?.str()?.clone()),
        None => None,
    };
    let u64_col = |name: &str| -> PolarsResult<Vec<u64>> {
        let col = out.column(name)?.cast(&DataType::UInt64)?;
        let ca = col.u64()?;
        Ok((0..height).map(|i| ca.get(i).unwrap_or(0)).collect())
    };
    let i32_col = |name: &str| -> PolarsResult<Vec<i32>> {
        let col = out.column(name)?.cast(&DataType::Int32)?;
        let ca = col.i32()?;
        Ok((0..height).map(|i| ca.get(i).unwrap_or(0)).collect())
    };
    let events = u64_col("events")?;
    let total: u64 = events.iter().sum();
    let days = u64_col("active_days")?;
    let first = i32_col("first")?;
    let last = i32_col("last")?;
    let principals = u64_col("principals")?;
    let accounts = u64_col("accounts")?;
    let regions = u64_col("regions")?;
    let failed = u64_col("failed")?;
    let global = u64_col("global")?;
    let direct = u64_col("direct")?;
    Ok((0..height)
        .map(|i| ProfileRow {
            key: key_col.get(i).unwrap_or("").to_string(),
            key2: key2_col
                .as_ref()
                .map(|c| c.get(i).unwrap_or("").to_string()),
            events: events[i],
            share_pct: pct(events[i], total),
            active_days: days[i] as u32,
            first_seen: day_from_number(first[i]),
            last_seen: day_from_number(last[i]),
            principals: principals[i] as u32,
            accounts: accounts[i] as u32,
            regions: regions[i] as u32,
            failed_events: failed[i],
            global_events: global[i],
            direct_events: direct[i],
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::baseline::aggregate::Row;
    use crate::event::Origin;

    fn row<'a>(
        day: &str,
        region: &'a str,
        principal: &'a str,
        source: &'a str,
        failed: bool,
        events: u64,
    ) -> Row<'a> {
        Row {
            day: day.parse().unwrap(),
            account: "111111111111",
            region,
            event_source: source,
            identity_type: "IAMUser",
            principal,
            origin: Origin::Direct,
            failed,
            read_only: false,
            events,
        }
    }

    #[test]
    fn region_profile() {
        let mut agg = Aggregates::default();
        agg.add(&row(
            "2025-01-01",
            "us-east-1",
            "a",
            "iam.amazonaws.com",
            false,
            5,
        ));
        agg.add(&row(
            "2025-01-02",
            "us-east-1",
            "b",
            "ec2.amazonaws.com",
            true,
            3,
        ));
        agg.add(&row(
            "2025-01-02",
            "eu-west-1",
            "a",
            "ec2.amazonaws.com",
            false,
            2,
        ));
        let df = frame(&agg).unwrap();
        let rows = profile(&df, cols::REGION).unwrap();
        assert_eq!(rows.len(), 2);
        let us = &rows[0];
        assert_eq!(
            (us.key.as_str(), us.events, us.active_days, us.principals),
            ("us-east-1", 8, 2, 2)
        );
        assert_eq!(us.failed_events, 3);
        assert_eq!(us.global_events, 5);
        assert_eq!(us.first_seen.to_string(), "2025-01-01");
        assert_eq!(us.last_seen.to_string(), "2025-01-02");
        assert!((us.share_pct - 80.0).abs() < 1e-9);
        assert_eq!(rows[1].key, "eu-west-1");
    }

    #[test]
    fn day_numbers_round_trip() {
        for d in ["1969-12-31", "1970-01-01", "2025-11-28"] {
            let day: NaiveDate = d.parse().unwrap();
            assert_eq!(day_from_number(day_number(day)), day);
        }
    }
}

/// Events per region and week over a window: what the review page draws as a heatmap.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Heatmap {
    /// The first day of each column (the window's first day, then every `days_per_column`).
    pub weeks: Vec<NaiveDate>,
    /// 7, or a multiple of 7 when the window holds more than [`HEATMAP_COLUMNS`] weeks.
    pub days_per_column: u32,
    /// Per region (busiest first, at most [`HEATMAP_ROWS`]), its events in each column; the
    /// regions past that are summed in one last row, `(N other regions)`.
    pub rows: Vec<(String, Vec<u64>)>,
}

/// The most columns a heatmap has (a 90-day window has 13 weeks; ten years are drawn in
/// columns of several weeks).
pub const HEATMAP_COLUMNS: usize = 60;
/// The most regions a heatmap draws one by one.
pub const HEATMAP_ROWS: usize = 60;

/// Events per region and week of `window` (regions lower-cased as the profile has them).
pub fn heatmap(aggregates: &Aggregates, window: crate::window::Window) -> Heatmap {
    let days = (window.until - window.since).num_days().max(0) as usize + 1;
    let step = 7 * days.div_ceil(7).div_ceil(HEATMAP_COLUMNS).max(1);
    let n = days.div_ceil(step);
    let weeks = (0..n)
        .filter_map(|i| window.since.checked_add_days(Days::new((step * i) as u64)))
        .collect::<Vec<_>>();
    let mut by_region: std::collections::HashMap<&str, Vec<u64>> = Default::default();
    for (key, &events) in &aggregates.counts {
        if key.day < window.since || key.day > window.until {
            continue;
        }
        let week = (key.day - window.since).num_days() as usize / step;
        let row = by_region
            .entry(aggregates.strings.name(key.region))
            .or_insert_with(|| vec![0; weeks.len()]);
        if let Some(cell) = row.get_mut(week) {
            *cell += events;
        }
    }
    let mut rows: Vec<(String, Vec<u64>)> = by_region
        .into_iter()
        .map(|(region, counts)| (region.to_string(), counts))
        .collect();
    rows.sort_by(|a, b| {
        let total = |r: &(String, Vec<u64>)| r.1.iter().sum::<u64>();
        total(b).cmp(&total(a)).then(a.0.cmp(&b.0))
    });
    if rows.len() > HEATMAP_ROWS {
        let rest = rows.split_off(HEATMAP_ROWS - 1);
        let mut other = vec![0; weeks.len()];
        for (_, counts) in &rest {
            for (sum, n) in other.iter_mut().zip(counts) {
                *sum += n;
            }
        }
        rows.push((format!("({} other regions)", rest.len()), other));
    }
    Heatmap {
        weeks,
        days_per_column: step as u32,
        rows,
    }
}

/// What a review page shows of a baseline: its regions (as `profile` has them) and its heatmap.
pub fn review(
    aggregates: &Aggregates,
    window: crate::window::Window,
) -> PolarsResult<(Vec<ProfileRow>, Heatmap)> {
    let regions = profile(&frame(aggregates)?, cols::REGION)?;
    Ok((regions, heatmap(aggregates, window)))
}

#[cfg(test)]
mod heatmap_tests {
    use super::*;
    use crate::baseline::aggregate::Row;
    use crate::event::Origin;

    #[test]
    fn a_heatmap_stays_small_whatever_the_window_and_keeps_every_event() {
        let mut a = Aggregates::default();
        let since: NaiveDate = "2015-01-01".parse().unwrap();
        let regions: Vec<String> = (0..100).map(|i| format!("xx-test-{i}")).collect();
        let mut total = 0;
        for day in (0..3650u64).step_by(3) {
            let region = &regions[(day % 100) as usize];
            a.add(&Row {
                day: since + Days::new(day),
                account: "1",
                region,
                event_source: "s3.amazonaws.com",
                identity_type: "IAMUser",
                principal: "p",
                origin: Origin::Direct,
                failed: false,
                read_only: true,
                events: 2,
            });
            total += 2;
        }
        let window = crate::window::Window {
            since,
            until: since + Days::new(3649),
        };
        let map = heatmap(&a, window);
        assert!(map.weeks.len() <= HEATMAP_COLUMNS, "{}", map.weeks.len());
        assert_eq!(map.rows.len(), HEATMAP_ROWS);
        assert_eq!(map.days_per_column % 7, 0);
        assert!(map.rows.last().unwrap().0.ends_with("other regions)"));
        let drawn: u64 = map.rows.iter().flat_map(|(_, c)| c.iter()).sum();
        assert_eq!(drawn, total);
        // 90 days: 13 weeks of 7 days.
        let short = crate::window::Window {
            since,
            until: since + Days::new(89),
        };
        let map = heatmap(&a, short);
        assert_eq!((map.weeks.len(), map.days_per_column), (13, 7));
    }
}
