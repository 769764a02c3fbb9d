//! Delivery: batch a day's records into CloudTrail log files and write them in the S3 layout.
//!
//! Consumes one (account, day)'s records, sorted by time; produces gzip files named and placed as
//! CloudTrail delivers them, `AWSLogs/<acct>/CloudTrail/<region>/YYYY/MM/DD/
//! <acct>_CloudTrail_<region>_YYYYMMDDTHHMMZ_<16 alnum>.json.gz`, each one line of compact JSON
//! `{"Records":[...]}` without a trailing newline. Records are batched per region and five-minute
//! slot; a file is delivered when its slot closes (every other time, five minutes later), so the last minutes of a
//! day land in the next day's folder. Must not decide what the records contain.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::DateTime;
use flate2::Compression;
use flate2::write::GzEncoder;

use super::SynthError;
use super::record::Record;
use super::rng::Rng;

/// Length of a delivery slot, seconds.
const SLOT: i64 = 300;
/// Most records in one file; a busier slot is split over several files.
const MAX_RECORDS_PER_FILE: usize = 2_000;

/// What writing one (account, day) produced.
#[derive(Debug, Default, Clone, Copy)]
pub struct Delivered {
    pub files: u64,
    /// Uncompressed JSON bytes, `{"Records":[` and `]}` included.
    pub bytes: u64,
    /// Records whose file sits in a later day's folder than their eventTime.
    pub next_day_folder: u64,
}

/// The file name CloudTrail gives a delivery at `delivered` (epoch seconds).
pub fn file_name(account: &str, region: &str, delivered: i64, suffix: &str) -> String {
    let at = DateTime::from_timestamp(delivered, 0).expect("time in range");
    format!(
        "{account}_CloudTrail_{region}_{}_{suffix}.json.gz",
        at.format("%Y%m%dT%H%MZ")
    )
}

/// The folder (relative to the output root) of a delivery.
pub fn folder(account: &str, region: &str, delivered: i64) -> PathBuf {
    let at = DateTime::from_timestamp(delivered, 0).expect("time in range");
    PathBuf::from(format!(
        "AWSLogs/{account}/CloudTrail/{region}/{}",
        at.format("%Y/%m/%d")
    ))
}

/// Serialize records as one `{"Records":[...]}` line into `buf` (cleared first).
pub fn render(records: &[&Record], buf: &mut Vec<u8>) -> Result<(), SynthError> {
    buf.clear();
    buf.extend_from_slice(b"{\"Records\":[");
    for (i, rec) in records.iter().enumerate() {
        if i > 0 {
            buf.push(b',');
        }
        serde_json::to_writer(&mut *buf, rec)?;
    }
    buf.extend_from_slice(b"]}");
    Ok(())
}

/// The serialized size of records (for `--size`), as [`render`] would write them one per file.
pub fn json_len(records: &[Record]) -> Result<u64, SynthError> {
    let mut buf = Vec::new();
    let mut total = 0;
    for rec in records {
        buf.clear();
        serde_json::to_writer(&mut buf, rec)?;
        total += buf.len() as u64 + 1;
    }
    Ok(total)
}

/// Batch and write one (account, day). `records` must be sorted by time.
pub fn deliver(
    root: &Path,
    account: &str,
    records: &[Record],
    rng: &mut Rng,
) -> Result<Delivered, SynthError> {
    let mut slots: BTreeMap<(&str, i64), Vec<&Record>> = BTreeMap::new();
    for rec in records {
        slots
            .entry((rec.aws_region, rec.epoch.div_euclid(SLOT)))
            .or_default()
            .push(rec);
    }
    let mut done = Delivered::default();
    let mut json = Vec::with_capacity(1 << 16);
    let mut made_dirs: Vec<PathBuf> = Vec::new();
    for ((region, slot), batch) in slots {
        let delivered = (slot + 1 + i64::from(rng.chance(0.5))) * SLOT;
        let dir = root.join(folder(account, region, delivered));
        if !made_dirs.contains(&dir) {
            std::fs::create_dir_all(&dir).map_err(|source| SynthError::Io {
                path: dir.clone(),
                source,
            })?;
            made_dirs.push(dir.clone());
        }
        let delivered_day = delivered.div_euclid(86_400);
        for chunk in batch.chunks(MAX_RECORDS_PER_FILE) {
            render(chunk, &mut json)?;
            let path = dir.join(file_name(account, region, delivered, &rng.alnum(16)));
            let mut gz = GzEncoder::new(
                Vec::with_capacity(json.len() / 6 + 64),
                Compression::default(),
            );
            let gzipped = gz
                .write_all(&json)
                .and_then(|()| gz.finish())
                .map_err(|source| SynthError::Io {
                    path: path.clone(),
                    source,
                })?;
            std::fs::write(&path, gzipped).map_err(|source| SynthError::Io { path, source })?;
            done.files += 1;
            done.bytes += json.len() as u64;
            done.next_day_folder += chunk
                .iter()
                .filter(|r| r.epoch.div_euclid(86_400) < delivered_day)
                .count() as u64;
        }
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_follow_the_s3_layout() {
        // 2025-06-30T23:55:00Z + 10 minutes -> delivered 2025-07-01T00:05Z.
        let delivered = 1_751_327_700 + 600;
        let name = file_name("123456789012", "eu-west-1", delivered, "AbCdEfGh12345678");
        assert_eq!(
            name,
            "123456789012_CloudTrail_eu-west-1_20250701T0005Z_AbCdEfGh12345678.json.gz"
        );
        assert_eq!(
            folder("123456789012", "eu-west-1", delivered),
            PathBuf::from("AWSLogs/123456789012/CloudTrail/eu-west-1/2025/07/01")
        );
    }

    #[test]
    fn render_is_one_line_without_newline() {
        let mut buf = Vec::new();
        render(&[], &mut buf).unwrap();
        assert_eq!(buf, b"{\"Records\":[]}");
    }
}
