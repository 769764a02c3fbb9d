//! `--report FILE.html`: the review page of `profile`, `run` and `rebaseline`. Its structure and
//! safety are checked on every run; how it renders is checked in headless Chromium (ignored by
//! default: `.ci/run` installs Debian's chromium and runs it).

use std::path::{Path, PathBuf};

use crate::common::{snapshot_corpus, trailtune};

fn page(args: &[&str], name: &str) -> (PathBuf, String) {
    let dir = snapshot_corpus();
    let path = dir.join(name);
    let out = trailtune()
        .current_dir(dir)
        .args(args)
        .arg("--report")
        .arg(&path)
        .output()
        .unwrap();
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("review page written to"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&path).unwrap();
    (path, html)
}

/// Nothing on the page loads anything: no script, no link, no image, no font, no url().
fn self_contained(html: &str) {
    for banned in [
        "<script", " src=", "<link", "<img", "url(", "@import", "<iframe", "href=",
    ] {
        assert!(!html.contains(banned), "{banned} in the page");
    }
    assert!(html.starts_with("<!DOCTYPE html>") && html.trim_end().ends_with("</html>"));
    assert!(html.contains("@media print"));
}

#[test]
fn profile_page_has_the_region_table_and_a_heatmap_cell_per_region_and_week() {
    let (_, html) = page(
        &["profile", "--no-progress", "AWSLogs"],
        "profile-page.html",
    );
    self_contained(&html);
    // 90 days: 13 weeks; one row per region with events.
    let rows = html.matches("<tr><td class=\"code\">").count();
    assert!(rows > 10, "{rows}");
    assert_eq!(html.matches("<rect class=\"cell\"").count(), rows * 13);
    assert!(html.contains("<svg id=\"heatmap\""));
    assert!(html.contains("us-east-1") && html.contains("Regions</h2>"));
    assert!(!html.contains("Allowlist decisions"));
}

#[test]
fn run_and_rebaseline_pages_have_their_own_sections() {
    let (_, run) = page(
        &[
            "run",
            "--no-progress",
            "--date",
            "2025-04-01",
            "-o",
            "page-tuned.yml",
            "AWSLogs",
        ],
        "run-page.html",
    );
    self_contained(&run);
    for section in [
        "Activity: events per region and week",
        "Allowlist decisions",
        "The rule's change",
        "Backtest: what the tuned rule would have raised",
    ] {
        assert!(run.contains(section), "{section}");
    }
    assert!(run.contains("class=\"unusual\"") && run.contains("class=\"allow\""));
    assert!(
        run.contains("<span class=\"add\">"),
        "the diff's added lines"
    );
    let (_, rebaseline) = page(
        &[
            "rebaseline",
            "--no-progress",
            "--check",
            "--date",
            "2025-04-01",
            "--state",
            "state.json",
            "--rule",
            "tuned.yml",
            "AWSLogs",
        ],
        "rebaseline-page.html",
    );
    self_contained(&rebaseline);
    assert!(rebaseline.contains("Drift since the saved baseline"));
}

#[test]
fn values_from_the_logs_are_text_on_the_page() {
    let dir = tempfile::tempdir().unwrap();
    let region = "<script>alert(1)</script>";
    let event = serde_json::json!({
        "eventTime": "2025-03-01T10:00:00Z", "eventID": "x1", "eventName": "ListBuckets",
        "eventSource": "s3.amazonaws.com", "awsRegion": region,
        "userIdentity": {"type": "IAMUser", "arn": "arn:aws:iam::1:user/\"><img src=x onerror=alert(1)>"},
    });
    let logs = dir.path().join("e.json");
    std::fs::write(&logs, event.to_string()).unwrap();
    let path = dir.path().join("p.html");
    let out = trailtune()
        .args(["profile", "--no-progress", "--report"])
        .arg(&path)
        .arg(&logs)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let html = std::fs::read_to_string(&path).unwrap();
    self_contained(&html);
    assert!(html.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
}

/// The page rendered by headless Chromium: a screenshot that is not blank, with the heatmap's
/// blue cells in it.
#[test]
#[ignore = "needs Debian's chromium (.ci/run installs it and runs this)"]
fn the_page_renders_in_chromium_with_its_heatmap() {
    let (path, _) = page(
        &["profile", "--no-progress", "AWSLogs"],
        "chromium-page.html",
    );
    let shot = tempfile::tempdir().unwrap();
    let png = shot.path().join("page.png");
    let out = std::process::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--window-size=1200,900",
        ])
        .arg(format!(
            "--user-data-dir={}",
            shot.path().join("profile").display()
        ))
        .arg(format!("--screenshot={}", png.display()))
        .arg(format!("file://{}", path.display()))
        .output()
        .expect("chromium runs");
    assert!(
        png.exists(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (pixels, width, height) = decode(&png);
    let total = (width * height) as usize;
    let ink = pixels
        .iter()
        .filter(|p| p[0] < 200 || p[1] < 200 || p[2] < 200)
        .count();
    // Heatmap cells: clearly blue (the shades run from white to #084594).
    let blue = pixels
        .iter()
        .filter(|p| p[2] as i32 - p[0] as i32 > 60 && p[2] > 120)
        .count();
    assert!(
        ink * 50 > total,
        "a blank page: {ink} of {total} pixels drawn"
    );
    assert!(blue > 2_000, "no heatmap: {blue} blue pixels");
}

fn chromium() -> &'static str {
    ["chromium", "chromium-browser", "google-chrome"]
        .into_iter()
        .find(|b| {
            std::process::Command::new(b)
                .arg("--version")
                .output()
                .is_ok_and(|o| o.status.success())
        })
        .expect("chromium is installed (apt-get install chromium)")
}

/// RGB(A) pixels of a PNG file, and its size.
fn decode(path: &Path) -> (Vec<[u8; 3]>, u32, u32) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let step = info.color_type.samples();
    let pixels = buf[..info.buffer_size()]
        .chunks(step)
        .map(|c| [c[0], c[1 % step], c[2 % step]])
        .collect();
    (pixels, info.width, info.height)
}
