//! The AWS region catalogue: every region with its partition and opt-in flag, and the global
//! services whose events CloudTrail records in one home region. Embedded from
//! `src/data/aws-regions.json` (botocore 1.44.8), so it needs no network and no files. Consumes
//! nothing at run time; produces lookups. It never guesses: a region code it does not know is
//! reported as unknown by the callers, never dropped or mapped.

use std::collections::BTreeMap;
use std::sync::OnceLock;

use serde::Deserialize;

const CATALOGUE_JSON: &str = include_str!("data/aws-regions.json");

/// One AWS region.
#[derive(Debug, Clone, Deserialize)]
pub struct Region {
    pub code: String,
    pub partition: String,
    pub name: String,
    pub opt_in: bool,
}

#[derive(Debug, Deserialize)]
struct GlobalEndpoint {
    service: String,
    signing_region: Option<String>,
}

#[derive(Debug, Deserialize)]
struct RawCatalogue {
    botocore_version: String,
    regions: Vec<Region>,
    global_services: BTreeMap<String, Vec<GlobalEndpoint>>,
}

/// The embedded catalogue.
#[derive(Debug)]
pub struct Catalogue {
    /// Which botocore release the catalogue was generated from.
    pub botocore_version: String,
    regions: BTreeMap<String, Region>,
    /// partition -> (global service -> home region)
    global_homes: BTreeMap<String, BTreeMap<String, String>>,
}

/// CloudTrail `eventSource` host names of global services. AWS documents that "for most global
/// services, events are logged as occurring in US East (N. Virginia) Region" (CloudTrail User
/// Guide, "Global service events"); IAM, STS (global endpoint), CloudFront, console sign-in,
/// Route 53 and Organizations are the usual ones. botocore's partition-global endpoints add the
/// billing family. The list is used to report global-service traffic apart, so us-east-1 is not
/// judged normal merely because IAM lives there.
pub const GLOBAL_EVENT_SOURCES: &[&str] = &[
    "account.amazonaws.com",
    "billingconductor.amazonaws.com",
    "budgets.amazonaws.com",
    "ce.amazonaws.com",
    "cloudfront.amazonaws.com",
    "health.amazonaws.com",
    "iam.amazonaws.com",
    "organizations.amazonaws.com",
    "route53.amazonaws.com",
    "route53domains.amazonaws.com",
    "savingsplans.amazonaws.com",
    "shield.amazonaws.com",
    "signin.amazonaws.com",
    "sts.amazonaws.com",
    "support.amazonaws.com",
    "tax.amazonaws.com",
    "waf.amazonaws.com",
];

/// The process-wide catalogue (parsed once from the embedded JSON).
pub fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(|| {
        let raw: RawCatalogue =
            serde_json::from_str(CATALOGUE_JSON).expect("embedded aws-regions.json is valid");
        let regions = raw
            .regions
            .into_iter()
            .map(|r| (r.code.clone(), r))
            .collect();
        let global_homes = raw
            .global_services
            .into_iter()
            .map(|(partition, endpoints)| {
                let homes = endpoints
                    .into_iter()
                    .filter_map(|e| e.signing_region.map(|r| (e.service, r)))
                    .collect();
                (partition, homes)
            })
            .collect();
        Catalogue {
            botocore_version: raw.botocore_version,
            regions,
            global_homes,
        }
    })
}

impl Catalogue {
    /// The region with this code, if AWS has it.
    pub fn get(&self, code: &str) -> Option<&Region> {
        self.regions.get(code)
    }

    /// Whether the catalogue knows this region code.
    pub fn contains(&self, code: &str) -> bool {
        self.regions.contains_key(code)
    }

    /// Every region, sorted by code.
    pub fn regions(&self) -> impl Iterator<Item = &Region> {
        self.regions.values()
    }

    /// Every region of one partition (`aws`, `aws-cn`, `aws-us-gov`, ...), sorted by code.
    pub fn partition(&self, partition: &str) -> impl Iterator<Item = &Region> {
        self.regions
            .values()
            .filter(move |r| r.partition == partition)
    }

    /// The region where CloudTrail records a partition's global services (us-east-1 for `aws`).
    pub fn global_home(&self, partition: &str) -> Option<&str> {
        let homes = self.global_homes.get(partition)?;
        homes
            .get("iam")
            .or_else(|| homes.get("organizations"))
            .or_else(|| homes.values().next())
            .map(String::as_str)
    }
}

/// Whether a CloudTrail `eventSource` is a global service (logged in the partition's home region).
pub fn is_global_event_source(event_source: &str) -> bool {
    GLOBAL_EVENT_SOURCES.binary_search(&event_source).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_has_the_commercial_partition() {
        let cat = catalogue();
        assert_eq!(cat.botocore_version, "1.44.8");
        assert_eq!(cat.partition("aws").count(), 36);
        assert_eq!(cat.partition("aws").filter(|r| !r.opt_in).count(), 17);
        assert!(cat.get("ap-east-1").unwrap().opt_in);
        assert!(!cat.get("us-east-1").unwrap().opt_in);
        assert_eq!(cat.get("cn-north-1").unwrap().partition, "aws-cn");
        assert!(
            !cat.contains("aws-global"),
            "pseudo-regions are not regions"
        );
        assert!(!cat.contains("ca-south-3r"));
    }

    #[test]
    fn global_homes() {
        let cat = catalogue();
        assert_eq!(cat.global_home("aws"), Some("us-east-1"));
        assert_eq!(cat.global_home("aws-us-gov"), Some("us-gov-west-1"));
        assert_eq!(cat.global_home("aws-cn"), Some("cn-north-1"));
    }

    #[test]
    fn global_sources_sorted_for_binary_search() {
        let mut sorted = GLOBAL_EVENT_SOURCES.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, GLOBAL_EVENT_SOURCES);
        assert!(is_global_event_source("iam.amazonaws.com"));
        assert!(!is_global_event_source("ec2.amazonaws.com"));
    }
}
