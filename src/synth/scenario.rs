//! The injected scenario: which (account, day) gets the leaked-key anomalies and the decoys.
//!
//! Consumes the seed, the window length and the accounts; produces a list of [`Injection`]s that
//! the day generator looks up. Decided once per corpus from its own seed stream, so the scenario
//! never depends on `--events-per-day` or `--size`. Must not create records itself.

use super::model::NEAR_MISS_REGIONS;
use super::record::{Injected, SEED_RULE_REGIONS};
use super::rng::{Rng, derive};

/// A burst of injected events in one region at one time of one (account, day).
#[derive(Debug, Clone)]
pub struct Injection {
    pub account: u32,
    pub day: u32,
    pub kind: Injected,
    pub region: &'static str,
    /// Second of the day (UTC) of the first event.
    pub second: i64,
    pub count: u32,
}

/// The account whose legacy CI key leaks: `prod` when there are at least two accounts.
pub fn victim_account(accounts: u32) -> u32 {
    u32::from(accounts >= 2)
}

/// Plan every injection for a corpus.
pub fn plan(seed: u64, days: u32, accounts: u32) -> Vec<Injection> {
    let mut rng = Rng::new(derive(seed, &[0x5CE7]));
    let mut out = Vec::new();
    let victim = victim_account(accounts);

    // The leak: three or four distinct days among the last ten of the window; the four regions
    // spread over them, one or two per day, a handful of events each.
    let recent = days.min(10);
    let first_recent = days - recent;
    let mut attack_days: Vec<u32> = Vec::new();
    let wanted = recent.min(if rng.chance(0.5) { 3 } else { 4 });
    while attack_days.len() < wanted as usize {
        let d = first_recent + rng.below(u64::from(recent)) as u32;
        if !attack_days.contains(&d) {
            attack_days.push(d);
        }
    }
    attack_days.sort_unstable();
    for (i, region) in SEED_RULE_REGIONS.iter().enumerate() {
        let day = attack_days[i % attack_days.len()];
        // Attackers keep odd hours relative to the victim's office.
        let second = rng.range(0, 86_400 - 3_600) as i64;
        out.push(Injection {
            account: victim,
            day,
            kind: Injected::Anomaly,
            region,
            second,
            count: rng.range(4, 8) as u32,
        });
        if i % 2 == 0 {
            out.push(Injection {
                account: victim,
                day,
                kind: Injected::AttackerGlobal,
                region: "us-east-1",
                second: second + 900,
                count: rng.range(2, 3) as u32,
            });
        }
    }

    // Decoys anywhere in the window, in any account.
    let mut decoy = |rng: &mut Rng, kind, region, lo: u64, hi: u64| {
        out.push(Injection {
            account: rng.below(u64::from(accounts)) as u32,
            day: rng.below(u64::from(days)) as u32,
            kind,
            region,
            second: rng.range(0, 86_400 - 1_800) as i64,
            count: rng.range(lo, hi) as u32,
        });
    };
    for region in SEED_RULE_REGIONS {
        decoy(&mut rng, Injected::DecoyAwsService, region, 2, 4);
        decoy(&mut rng, Injected::DecoyReplication, region, 2, 3);
    }
    for region in NEAR_MISS_REGIONS {
        decoy(&mut rng, Injected::DecoyNearMiss, region, 2, 4);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn anomalies_sit_in_the_last_ten_days_of_the_victim() {
        for seed in 0..50 {
            let plan = plan(seed, 90, 3);
            let anomalies: Vec<_> = plan
                .iter()
                .filter(|i| i.kind == Injected::Anomaly)
                .collect();
            assert_eq!(anomalies.len(), 4);
            assert!(anomalies.iter().all(|i| i.day >= 80 && i.account == 1));
            assert!(plan.iter().all(|i| i.day < 90 && i.account < 3));
        }
    }

    #[test]
    fn short_windows_still_get_every_region() {
        let plan = plan(3, 2, 1);
        let regions: Vec<_> = plan
            .iter()
            .filter(|i| i.kind == Injected::Anomaly)
            .map(|i| i.region)
            .collect();
        assert_eq!(regions, SEED_RULE_REGIONS);
        assert!(plan.iter().all(|i| i.day < 2 && i.account == 0));
    }
}
