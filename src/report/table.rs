//! The house style for tables: UTF-8 borders on a terminal, plain ASCII otherwise, numbers
//! right-aligned. Width: fitted to the terminal, or to `COLUMNS` when it is set (also when the
//! output is not a terminal); a column holding codes, dates or numbers is never split across
//! lines ([`fit`]), free text wraps. Colour only on a terminal, and never with `NO_COLOR`.

use std::io::IsTerminal;

use comfy_table::presets::{ASCII_MARKDOWN, UTF8_FULL_CONDENSED};
use comfy_table::{Cell, CellAlignment, Color, ColumnConstraint, ContentArrangement, Table, Width};

use crate::report::text;

/// The narrowest width a table is fitted to (a smaller `COLUMNS` is ignored).
const MIN_WIDTH: u16 = 40;

/// `COLUMNS`, when set to a usable width.
fn columns() -> Option<u16> {
    std::env::var("COLUMNS")
        .ok()?
        .trim()
        .parse::<u16>()
        .ok()
        .filter(|&w| w >= MIN_WIDTH)
}

/// Whether cells are coloured: stdout is a terminal and `NO_COLOR` is unset or empty
/// (no-color.org).
pub fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// A new table with the given header; columns listed in `numeric` are right-aligned.
pub fn new(header: &[&str], numeric: &[usize]) -> Table {
    let mut table = Table::new();
    let terminal = std::io::stdout().is_terminal();
    if terminal {
        table.load_preset(UTF8_FULL_CONDENSED);
    } else {
        table.load_preset(ASCII_MARKDOWN);
    }
    match columns() {
        Some(width) => {
            table.set_content_arrangement(ContentArrangement::Dynamic);
            table.set_width(width);
        }
        None if terminal => {
            table.set_content_arrangement(ContentArrangement::Dynamic);
            // A terminal that reports no usable size (a bare pseudo-terminal): not fitted.
            if table.width().is_none_or(|w| w < MIN_WIDTH) {
                table.set_content_arrangement(ContentArrangement::Disabled);
            }
        }
        None => {}
    }
    if !colour() {
        table.force_no_tty();
    }
    table.set_header(header.iter().map(|h| Cell::new(*h)));
    for &i in numeric {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
}

/// Once its rows are in: keep the `whole` columns (codes, dates, numbers) as wide as their
/// widest value (and their header's longest word), so a fitted table wraps free text and never
/// splits one of those values. When even that is wider than the width available, the
/// `optional` columns are left out, in the order given, until it fits; their headers are
/// returned so the report can say so.
pub fn fit(table: &mut Table, whole: &[usize], optional: &[usize]) -> Vec<String> {
    let widest = |text: &str, words: bool| -> u16 {
        let longest = if words {
            text.split_whitespace().map(|w| w.chars().count()).max()
        } else {
            text.lines().map(|l| l.chars().count()).max()
        };
        longest.unwrap_or(0).min(usize::from(u16::MAX)) as u16
    };
    let header: Vec<String> = table
        .header()
        .map(|h| h.cell_iter().map(|c| c.content()).collect())
        .unwrap_or_default();
    let mut bounds: Vec<(usize, u16)> = Vec::new();
    for &i in whole {
        let data = table
            .column_cells_iter(i)
            .flatten()
            .map(|cell| widest(&cell.content(), false))
            .max()
            .unwrap_or(0);
        let head = header.get(i).map_or(0, |h| widest(h, true));
        if let Some(col) = table.column_mut(i) {
            // The boundary counts the column's padding too.
            let width = data.max(head).saturating_add(col.padding_width());
            col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(width)));
            bounds.push((i, width));
        }
    }
    // Free text wraps, but never into a column too narrow to read.
    for i in (0..header.len()).filter(|i| !whole.contains(i)) {
        let widest_line = table
            .column_cells_iter(i)
            .flatten()
            .map(|cell| widest(&cell.content(), false))
            .max()
            .unwrap_or(0);
        if let Some(col) = table.column_mut(i) {
            let least = (MIN_FREE_TEXT as u16).saturating_sub(col.padding_width());
            let width = widest_line.min(least).saturating_add(col.padding_width());
            col.set_constraint(ColumnConstraint::LowerBoundary(Width::Fixed(width)));
            bounds.push((i, width));
        }
    }
    let fitted = !matches!(table.content_arrangement(), ContentArrangement::Disabled);
    let Some(available) = table.width().filter(|_| fitted) else {
        return Vec::new();
    };
    // What the table needs at least: the whole columns, a few characters for each other one,
    // and the borders.
    let columns = header.len();
    let needed = |hidden: &[usize]| -> usize {
        let shown = (0..columns).filter(|i| !hidden.contains(i));
        let mut total = 1;
        for i in shown {
            total += 1 + bounds
                .iter()
                .find(|(j, _)| *j == i)
                .map_or(MIN_FREE_TEXT, |(_, w)| usize::from(*w));
        }
        total
    };
    let mut hidden: Vec<usize> = Vec::new();
    for &i in optional {
        if needed(&hidden) <= usize::from(available) {
            break;
        }
        hidden.push(i);
    }
    if needed(&hidden) > usize::from(available) {
        // Too narrow even so: the whole table at its natural width (the terminal folds its
        // lines) rather than a split value.
        table.set_content_arrangement(ContentArrangement::Disabled);
        return Vec::new();
    }
    for &i in &hidden {
        if let Some(col) = table.column_mut(i) {
            col.set_constraint(ColumnConstraint::Hidden);
        }
    }
    hidden
        .iter()
        .filter_map(|&i| header.get(i).cloned())
        .collect()
}

/// Says which columns a narrow table left out, and where they are.
pub fn hidden_note(out: &mut dyn std::io::Write, hidden: &[String]) -> std::io::Result<()> {
    if hidden.is_empty() {
        return Ok(());
    }
    writeln!(
        out,
        "(left out at this width: {}; --format csv has every column)",
        hidden.join(", ")
    )
}

/// The least a free-text column is given when deciding what fits (padding included).
const MIN_FREE_TEXT: usize = 12;

/// How a value reads at a glance.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Normal, allowed.
    Good,
    /// Needs a look (quarantined, a review pending).
    Warn,
    /// Alerts on (unusual, high severity).
    Bad,
}

/// `cell` in the colour of `tone` when colour is on.
pub fn toned(cell: Cell, tone: Tone) -> Cell {
    if !colour() {
        return cell;
    }
    cell.fg(match tone {
        Tone::Good => Color::Green,
        Tone::Warn => Color::Yellow,
        Tone::Bad => Color::Red,
    })
}

/// A cell holding text from the input (a region, an ARN, an eventID, a title), its control
/// characters spelled out (`text::escape`) so it cannot forge rows or drive the terminal.
pub fn text(value: &str) -> Cell {
    Cell::new(text::escape(value))
}

/// A percentage with one decimal, `<0.1` for small non-zero values.
pub fn pct(value: f64) -> String {
    if value > 0.0 && value < 0.05 {
        "<0.1".to_string()
    } else {
        format!("{value:.1}")
    }
}
