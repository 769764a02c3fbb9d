//! The house style for tables: UTF-8 borders on a terminal, plain ASCII otherwise, numbers
//! right-aligned, width fitted to the terminal. Colour is never used, so NO_COLOR holds trivially.

use std::io::IsTerminal;

use comfy_table::presets::{ASCII_MARKDOWN, UTF8_FULL_CONDENSED};
use comfy_table::{Cell, CellAlignment, ContentArrangement, Table};

use crate::report::text;

/// A new table with the given header; columns listed in `numeric` are right-aligned.
pub fn new(header: &[&str], numeric: &[usize]) -> Table {
    let mut table = Table::new();
    if std::io::stdout().is_terminal() {
        table.load_preset(UTF8_FULL_CONDENSED);
        table.set_content_arrangement(ContentArrangement::Dynamic);
    } else {
        table.load_preset(ASCII_MARKDOWN);
    }
    table.set_header(header.iter().map(|h| Cell::new(*h)));
    for &i in numeric {
        if let Some(col) = table.column_mut(i) {
            col.set_cell_alignment(CellAlignment::Right);
        }
    }
    table
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
