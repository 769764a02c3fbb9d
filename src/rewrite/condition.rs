//! The condition string: consumes the old `detection.condition` text, the managed filter names
//! and the planned ones, produces the new condition text. Only top-level ` and not NAME` terms
//! for managed names are touched; the rest of the expression is kept character for character.
//! It must not know where the condition sits in the file.

use std::collections::BTreeSet;

use super::RewriteError;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Space,
    Open,
    Close,
    Word,
}

/// Splits into runs of whitespace, single parentheses and words (everything else).
fn tokens(s: &str) -> Vec<(Kind, usize, usize)> {
    let mut out: Vec<(Kind, usize, usize)> = Vec::new();
    for (i, c) in s.char_indices() {
        let kind = match c {
            '(' => Kind::Open,
            ')' => Kind::Close,
            c if c.is_whitespace() => Kind::Space,
            _ => Kind::Word,
        };
        let end = i + c.len_utf8();
        match out.last_mut() {
            Some((k, _, e)) if *k == kind && matches!(kind, Kind::Space | Kind::Word) => *e = end,
            _ => out.push((kind, i, end)),
        }
    }
    out
}

/// Removes every top-level ` and not M` (M in `managed`), then appends ` and not N` for each of
/// `filters`, wrapping the rest in parentheses when it has a top-level `or`.
pub fn rewrite(
    old: &str,
    managed: &BTreeSet<String>,
    filters: &[String],
) -> Result<String, RewriteError> {
    let toks = tokens(old);
    // Terms appended to a condition with an unclosed `(` are not top-level: the next run would
    // refuse its own output (found by fuzzing).
    let mut open = 0usize;
    for t in &toks {
        open = match t.0 {
            Kind::Open => open + 1,
            Kind::Close => open.checked_sub(1).ok_or_else(|| unbalanced(old))?,
            _ => open,
        };
    }
    if open > 0 {
        return Err(unbalanced(old));
    }
    let text = |i: usize| &old[toks[i].1..toks[i].2];
    let is = |i: usize, k: Kind| toks.get(i).is_some_and(|t| t.0 == k);
    let mut kept = String::new();
    let mut depth = 0usize;
    let mut i = 0;
    while i < toks.len() {
        let term = depth == 0
            && is(i, Kind::Space)
            && is(i + 1, Kind::Word)
            && text(i + 1) == "and"
            && is(i + 2, Kind::Space)
            && is(i + 3, Kind::Word)
            && text(i + 3) == "not"
            && is(i + 4, Kind::Space)
            && is(i + 5, Kind::Word)
            && managed.contains(text(i + 5));
        if term {
            i += 6;
            continue;
        }
        // ` and not 1 of filter_account_*`: the per-account filters, as one term.
        let group = depth == 0
            && is(i, Kind::Space)
            && (1..10).all(|k| is(i + k, if k % 2 == 1 { Kind::Word } else { Kind::Space }))
            && [1, 3, 5, 7, 9]
                .iter()
                .zip(["and", "not", "1", "of", super::ACCOUNT_GLOB])
                .all(|(&k, w)| text(i + k) == w);
        if group {
            i += 10;
            continue;
        }
        match toks[i].0 {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            _ => {}
        }
        kept.push_str(text(i));
        i += 1;
    }
    let rest = tokens(&kept);
    let word = |t: &(Kind, usize, usize)| (t.0 == Kind::Word).then(|| &kept[t.1..t.2]);
    if let Some(name) = rest
        .iter()
        .filter_map(word)
        .find(|w| managed.contains(*w) || *w == super::ACCOUNT_GLOB)
    {
        return Err(RewriteError::unsupported(
            "detection.condition",
            format!("the managed filter {name} is used other than as a top-level `and not {name}`"),
            old,
        ));
    }
    if kept.trim().is_empty() {
        return Err(RewriteError::unsupported(
            "detection.condition",
            "the condition is empty",
            old,
        ));
    }
    let mut depth = 0usize;
    let mut top_or = false;
    for t in &rest {
        match t.0 {
            Kind::Open => depth += 1,
            Kind::Close => depth = depth.saturating_sub(1),
            Kind::Word if depth == 0 && word(t) == Some("or") => top_or = true,
            _ => {}
        }
    }
    let mut out = if top_or && !filters.is_empty() {
        format!("({kept})")
    } else {
        kept
    };
    for f in filters {
        out.push_str(" and not ");
        out.push_str(f);
    }
    Ok(out)
}

fn unbalanced(old: &str) -> RewriteError {
    RewriteError::unsupported("detection.condition", "unbalanced parentheses", old)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn managed() -> BTreeSet<String> {
        ["filter_a", "filter_b"]
            .iter()
            .map(|s| s.to_string())
            .collect()
    }

    fn names(n: &[&str]) -> Vec<String> {
        n.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn appends_in_plan_order_and_is_idempotent() {
        let once = rewrite(
            "selection and not x",
            &managed(),
            &names(&["filter_b", "filter_a"]),
        )
        .unwrap();
        assert_eq!(
            once,
            "selection and not x and not filter_b and not filter_a"
        );
        let twice = rewrite(&once, &managed(), &names(&["filter_b", "filter_a"])).unwrap();
        assert_eq!(twice, once);
    }

    #[test]
    fn removes_terms_not_in_plan() {
        let out = rewrite(
            "selection and not filter_a and not x and not filter_b",
            &managed(),
            &names(&["filter_b"]),
        )
        .unwrap();
        assert_eq!(out, "selection and not x and not filter_b");
    }

    #[test]
    fn wraps_a_top_level_or() {
        let out = rewrite("sel1 or sel2", &managed(), &names(&["filter_a"])).unwrap();
        assert_eq!(out, "(sel1 or sel2) and not filter_a");
        let again = rewrite(&out, &managed(), &names(&["filter_a"])).unwrap();
        assert_eq!(again, out);
        let nested = rewrite("sel and (a or b)", &managed(), &names(&["filter_a"])).unwrap();
        assert_eq!(nested, "sel and (a or b) and not filter_a");
    }

    #[test]
    fn rejects_other_uses_of_a_managed_name() {
        for cond in [
            "not filter_a and selection",
            "selection and (x and not filter_a)",
            "selection or filter_a",
        ] {
            let err = rewrite(cond, &managed(), &names(&["filter_a"])).unwrap_err();
            assert!(err.to_string().contains("filter_a"), "{cond}: {err}");
        }
    }

    #[test]
    fn the_account_filters_are_one_term() {
        let group = super::super::ACCOUNT_TERM.to_string();
        let once = rewrite(
            "selection and not x",
            &managed(),
            &[group.clone(), "filter_a".to_string()],
        )
        .unwrap();
        assert_eq!(
            once,
            "selection and not x and not 1 of filter_account_* and not filter_a"
        );
        assert_eq!(
            rewrite(&once, &managed(), &[group.clone(), "filter_a".into()]).unwrap(),
            once
        );
        // Back to the organization-wide form: the term goes.
        assert_eq!(
            rewrite(&once, &managed(), &names(&["filter_a"])).unwrap(),
            "selection and not x and not filter_a"
        );
        // Used any other way, it is refused.
        for cond in [
            "selection and (x and not 1 of filter_account_*)",
            "selection or 1 of filter_account_*",
        ] {
            let err = rewrite(cond, &managed(), std::slice::from_ref(&group)).unwrap_err();
            assert!(
                err.to_string().contains("filter_account_*"),
                "{cond}: {err}"
            );
        }
    }

    #[test]
    fn unbalanced_parentheses_are_refused() {
        for cond in [
            "sel and (a or b",
            "sel and not f(lter",
            "sel)",
            "(a) or b) and (c",
        ] {
            let err = rewrite(cond, &managed(), &names(&["filter_a"])).unwrap_err();
            assert!(err.to_string().contains("unbalanced"), "{cond}: {err}");
        }
    }
}
