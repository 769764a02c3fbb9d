//! The shape of a YAML text, found by one linear byte scan before any parser sees it: its size,
//! how deeply it nests (flow brackets plus block indentation) and its first alias. Consumes the
//! text of a rule file; produces a [`Shape`] or a [`ShapeError`]. Both YAML parsers trailtune
//! uses (libyaml behind `serde_yaml`, tree-sitter behind `yamlpath`) take time quadratic in the
//! nesting depth, so a 200 KB rule of nested `[` took minutes: this scan is what keeps them from
//! ever seeing such a text. It must not parse YAML: it is an over-estimate of the depth (a
//! bracket inside a plain scalar at a value's start counts), never an under-estimate.

/// The largest rule file accepted, in bytes. SigmaHQ's largest rule is about 30 KB.
pub const MAX_RULE_BYTES: usize = 1024 * 1024;

/// The deepest nesting accepted (flow brackets plus block levels). A Sigma rule nests about five
/// levels (`detection` > selection > list of maps > field > list).
pub const MAX_DEPTH: usize = 64;

/// Why a text is refused before parsing.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShapeError {
    #[error("the file is {bytes} bytes, more than the {max} bytes a rule may have")]
    TooLarge { bytes: usize, max: usize },
    #[error(
        "YAML nested more than {max} levels deep at line {line}; a Sigma rule nests about five"
    )]
    TooDeep { line: usize, max: usize },
}

/// What the scan found in a text that passed it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Shape {
    /// The deepest nesting seen.
    pub depth: usize,
    /// The first alias (`*name`), with its 1-based line.
    pub alias: Option<(usize, String)>,
}

/// Strips one leading UTF-8 byte-order mark.
pub fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Scans `text` (size, then depth), stopping as soon as a limit is passed.
pub fn check(text: &str) -> Result<Shape, ShapeError> {
    if text.len() > MAX_RULE_BYTES {
        return Err(ShapeError::TooLarge {
            bytes: text.len(),
            max: MAX_RULE_BYTES,
        });
    }
    let b = text.as_bytes();
    let mut shape = Shape::default();
    let mut line = 1usize;
    let mut flow = 0usize; // open flow brackets
    let mut indents: Vec<usize> = Vec::new(); // columns of the open block levels
    let mut line_indent = 0usize;
    let mut value_start = true; // a node may start here
    let mut i = 0usize;
    let too_deep = |line| ShapeError::TooDeep {
        line,
        max: MAX_DEPTH,
    };
    let mut at_line_start = true;
    while i < b.len() {
        if at_line_start {
            at_line_start = false;
            let mut col = 0;
            while i + col < b.len() && b[i + col] == b' ' {
                col += 1;
            }
            let rest = i + col;
            let blank = rest >= b.len() || matches!(b[rest], b'\n' | b'\r' | b'#');
            if !blank && flow == 0 {
                line_indent = col;
                while indents.last().is_some_and(|&top| top >= col) {
                    indents.pop();
                }
                indents.push(col);
                // Compact nested sequences (`- - a`) open one level per dash.
                let mut at = rest;
                while at + 1 < b.len() && b[at] == b'-' && matches!(b[at + 1], b' ' | b'\n') {
                    at += 2;
                    while at < b.len() && b[at] == b' ' {
                        at += 1;
                    }
                    indents.push(at - i);
                }
                if indents.len() > MAX_DEPTH {
                    return Err(too_deep(line));
                }
                shape.depth = shape.depth.max(indents.len());
            }
            i = rest;
            value_start = true;
            continue;
        }
        let c = b[i];
        match c {
            b'\n' => {
                line += 1;
                at_line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {}
            b'#' if i == 0 || matches!(b[i - 1], b' ' | b'\t' | b'\n') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                continue;
            }
            b'[' | b'{' if value_start => {
                flow += 1;
                if indents.len() + flow > MAX_DEPTH {
                    return Err(too_deep(line));
                }
                shape.depth = shape.depth.max(indents.len() + flow);
            }
            b']' | b'}' if flow > 0 => {
                flow -= 1;
                value_start = false;
            }
            b',' if flow > 0 => value_start = true,
            b':' if i + 1 >= b.len() || matches!(b[i + 1], b' ' | b'\n' | b'\r' | b'\t') => {
                value_start = true;
            }
            b':' if flow > 0 => value_start = true,
            b'-' | b'?' if value_start && matches!(b.get(i + 1), Some(b' ' | b'\n') | None) => {}
            b'\'' | b'"' if value_start => {
                // Skip the quoted scalar (it may span lines).
                i += 1;
                while i < b.len() {
                    match b[i] {
                        b'\\' if c == b'"' => i += 1,
                        b'\'' if c == b'\'' && b.get(i + 1) == Some(&b'\'') => i += 1,
                        q if q == c => break,
                        b'\n' => line += 1,
                        _ => {}
                    }
                    i += 1;
                }
                value_start = false;
            }
            b'|' | b'>' if value_start && flow == 0 => {
                // A block scalar: skip its lines (blank or indented past the line's indentation).
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                while i < b.len() {
                    let next = i + 1;
                    let mut col = 0;
                    while next + col < b.len() && b[next + col] == b' ' {
                        col += 1;
                    }
                    let end = next + col;
                    let blank = end >= b.len() || matches!(b[end], b'\n' | b'\r');
                    if end < b.len() && (blank || col > line_indent) {
                        line += 1;
                        i = end;
                        while i < b.len() && b[i] != b'\n' {
                            i += 1;
                        }
                    } else {
                        break;
                    }
                }
                continue;
            }
            b'*' if value_start => {
                let start = i + 1;
                let mut end = start;
                while end < b.len()
                    && !matches!(b[end], b' ' | b'\t' | b'\n' | b'\r' | b',' | b']' | b'}')
                {
                    end += 1;
                }
                if shape.alias.is_none() {
                    shape.alias = Some((line, text[start..end].to_string()));
                }
                i = end;
                value_start = false;
                continue;
            }
            b'&' | b'!' if value_start => {
                // An anchor or a tag: skip its name; a node may still follow.
                while i < b.len() && !matches!(b[i], b' ' | b'\t' | b'\n' | b'\r') {
                    i += 1;
                }
                continue;
            }
            _ => value_start = false,
        }
        i += 1;
    }
    Ok(shape)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn depth(text: &str) -> usize {
        check(text).unwrap().depth
    }

    #[test]
    fn counts_block_and_flow_levels() {
        assert_eq!(depth("a: 1\n"), 1);
        assert_eq!(depth("a:\n  b:\n    - x\n"), 4); // a list item counts as a level
        assert_eq!(depth("a:\n  b: [x, {c: d}]\n"), 4);
        assert_eq!(depth("a:\n- - - x\n"), 4);
        // Brackets inside quotes, comments, block scalars and plain text do not count.
        assert_eq!(depth("a: '[[[['\nb: \"{{\"  # [[[\nc: x [[[ y\n"), 1);
        assert_eq!(depth("d: |\n  [[[[\n   [[[\n\ne: 1\n"), 1);
    }

    #[test]
    fn refuses_deep_and_large_texts() {
        let deep = format!("a: {}", "[".repeat(100_000));
        assert_eq!(
            check(&deep),
            Err(ShapeError::TooDeep {
                line: 1,
                max: MAX_DEPTH
            })
        );
        let nested: String = (0..70).map(|i| format!("{:i$}k{i}:\n", "")).collect();
        assert!(matches!(check(&nested), Err(ShapeError::TooDeep { .. })));
        let large = "a: 1\n".repeat(MAX_RULE_BYTES / 5 + 1);
        assert!(matches!(check(&large), Err(ShapeError::TooLarge { .. })));
    }

    #[test]
    fn finds_the_first_alias() {
        let text = "a: &x [1]\nb: 'not *this'\nc:\n  d: *x\n  e: [*y]\n";
        assert_eq!(check(text).unwrap().alias, Some((4, "x".to_string())));
        assert_eq!(check("a: b*c\n").unwrap().alias, None);
        assert_eq!(
            check("s:\n  <<: *base\n").unwrap().alias,
            Some((2, "base".into()))
        );
    }

    #[test]
    fn strips_one_bom() {
        assert_eq!(strip_bom("\u{feff}a: 1"), "a: 1");
        assert_eq!(strip_bom("a: 1"), "a: 1");
    }
}
