//! Hits counted as they stream past: per region, account, principal (and the caller's country
//! when they were located), and the first few
//! kept whole. Memory follows the distinct keys, not the number of hits.

use std::collections::BTreeMap;

use super::Detection;

/// Counts of a stream of hits.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tally {
    pub hits: u64,
    pub by_region: BTreeMap<String, u64>,
    pub by_account: BTreeMap<String, u64>,
    pub by_principal: BTreeMap<String, u64>,
    /// By the caller's country (hits located with `--geoip` only).
    pub by_country: BTreeMap<String, u64>,
    /// The first hits, in order.
    pub first: Vec<Detection>,
    keep: usize,
}

impl Tally {
    /// Keep the first `keep` hits whole.
    pub fn new(keep: usize) -> Tally {
        Tally {
            keep,
            ..Tally::default()
        }
    }

    pub fn add(&mut self, hit: &Detection) {
        self.hits += 1;
        for (map, key) in [
            (&mut self.by_region, &hit.aws_region),
            (&mut self.by_account, &hit.account),
            (&mut self.by_principal, &hit.principal),
        ] {
            match map.get_mut(key.as_str()) {
                Some(n) => *n += 1,
                None => {
                    map.insert(key.clone(), 1);
                }
            }
        }
        if let Some(caller) = &hit.caller {
            *self
                .by_country
                .entry(crate::geo::country_label(caller).to_string())
                .or_insert(0) += 1;
        }
        if self.first.len() < self.keep {
            self.first.push(hit.clone());
        }
    }
}
