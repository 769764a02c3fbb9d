//! Caller geography, offline: the seed rule's last step ("enrich the source IP with geolocation
//! to confirm the anomaly"). Consumes `sourceIPAddress` text and the user's `.mmdb` databases
//! (MaxMind GeoIP2/GeoLite2 City, Country, ASN or ISP; IPinfo's country + ASN files); produces a
//! [`Caller`]: the address, its country, city and network, and what kind of address it is.
//! Never touches the network. Addresses that no database should be asked about (private ranges,
//! and the service names CloudTrail writes where an AWS service made the call) are classified
//! without a lookup. It knows nothing of hits, rules or printing.

use std::io::Read;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use maxminddb::Reader;
use serde::{Deserialize, Serialize};

/// What a `sourceIPAddress` is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CallerKind {
    /// A public address some database knows.
    Public,
    /// RFC 1918, CGNAT (100.64.0.0/10), link-local, loopback, unspecified, IPv6 ULA
    /// (fc00::/7) and link-local: a VPC endpoint or an on-premises network, never looked up.
    Private,
    /// An AWS service acting for the caller: `ec2.amazonaws.com` (any `*.amazonaws.com` or
    /// `*.amazonaws.com.cn` name) or `AWS Internal`. Never looked up.
    AwsService,
    /// A special-purpose address that is not a caller's own: documentation and benchmarking
    /// ranges, multicast, broadcast, reserved (240.0.0.0/4), IPv6 documentation and site-local.
    /// Never looked up.
    Reserved,
    /// A public address no database holds.
    NotFound,
    /// Every database that could answer failed (a damaged file; counted on stderr).
    LookupError,
    /// No `sourceIPAddress` (absent, null or empty).
    Missing,
    /// Neither an address nor an AWS service name (a forged or damaged value).
    Invalid,
}

impl CallerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            CallerKind::Public => "public",
            CallerKind::Private => "private",
            CallerKind::AwsService => "aws_service",
            CallerKind::Reserved => "reserved",
            CallerKind::NotFound => "not_found",
            CallerKind::LookupError => "lookup_error",
            CallerKind::Missing => "missing",
            CallerKind::Invalid => "invalid",
        }
    }
}

/// Where a call came from, as the databases tell it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Caller {
    /// `sourceIPAddress` as written.
    pub ip: String,
    /// ISO 3166-1 alpha-2 code.
    pub country: Option<String>,
    /// English name.
    pub city: Option<String>,
    pub asn: Option<u32>,
    /// The network's organization.
    pub as_org: Option<String>,
    pub kind: CallerKind,
}

/// What a database holds, recognised from its metadata (`database_type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DbKind {
    /// MaxMind GeoIP2/GeoLite2 City (also Enterprise, and DB-IP's City files in that schema).
    City,
    /// MaxMind GeoIP2/GeoLite2 Country.
    Country,
    /// MaxMind GeoLite2 ASN or GeoIP2 ISP: the network.
    Asn,
    /// IPinfo's files (country and ASN in one): `country`/`country_code`, `asn`, `as_name`.
    Ipinfo,
}

impl DbKind {
    fn of(database_type: &str) -> Option<DbKind> {
        let t = database_type.to_ascii_lowercase();
        if t.contains("ipinfo") {
            Some(DbKind::Ipinfo)
        } else if t.contains("asn") || t.contains("isp") {
            Some(DbKind::Asn)
        } else if t.contains("city") || t.contains("enterprise") {
            Some(DbKind::City)
        } else if t.contains("country") {
            Some(DbKind::Country)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            DbKind::City => "city",
            DbKind::Country => "country",
            DbKind::Asn => "asn",
            DbKind::Ipinfo => "ipinfo",
        }
    }
}

/// A database that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum GeoError {
    #[error("{}: not a readable MaxMind DB file: {reason}", path.display())]
    Unreadable { path: PathBuf, reason: String },
    #[error("{}: not a regular file (a GeoIP database is a .mmdb file)", path.display())]
    NotAFile { path: PathBuf },
    #[error(
        "{}: {size} bytes, larger than any GeoIP database ({MAX_DB_BYTES} bytes at most): not read",
        path.display()
    )]
    TooLarge { path: PathBuf, size: u64 },
    #[error(
        "{}: database type `{kind}` is not one trailtune reads (MaxMind GeoIP2/GeoLite2 City, Country, ASN or ISP; IPinfo country and ASN)",
        path.display()
    )]
    UnknownKind { path: PathBuf, kind: String },
}

/// The largest database read (each is held in memory whole; GeoIP2 City is about 130 MB).
pub const MAX_DB_BYTES: u64 = 2 << 30;

/// A database file's bytes: a regular file of at most [`MAX_DB_BYTES`].
fn read_db(path: &Path) -> Result<Vec<u8>, GeoError> {
    let unreadable = |e: std::io::Error| GeoError::Unreadable {
        path: path.to_path_buf(),
        reason: e.to_string(),
    };
    let meta = std::fs::metadata(path).map_err(unreadable)?;
    if !meta.is_file() {
        return Err(GeoError::NotAFile {
            path: path.to_path_buf(),
        });
    }
    if meta.len() > MAX_DB_BYTES {
        return Err(GeoError::TooLarge {
            path: path.to_path_buf(),
            size: meta.len(),
        });
    }
    let mut bytes = Vec::new();
    std::fs::File::open(path)
        .and_then(|f| f.take(MAX_DB_BYTES + 1).read_to_end(&mut bytes))
        .map_err(unreadable)?;
    if bytes.len() as u64 > MAX_DB_BYTES {
        return Err(GeoError::TooLarge {
            path: path.to_path_buf(),
            size: bytes.len() as u64,
        });
    }
    Ok(bytes)
}

struct Db {
    path: PathBuf,
    kind: DbKind,
    database_type: String,
    reader: Reader<Vec<u8>>,
}

/// One open database, as a report names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DbInfo {
    pub path: PathBuf,
    pub kind: DbKind,
    pub database_type: String,
    /// Build date, `YYYY-MM-DD` (UTC).
    pub built: String,
}

/// Lookups that failed (a damaged database): counted and the first reason kept, so the run
/// says so instead of showing those callers as unknown addresses.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct LookupErrors {
    pub count: u64,
    pub first: Option<String>,
}

/// The open databases, asked in the order given: the first that knows a part of the answer
/// gives it (a City file for the place, an ASN file for the network).
pub struct Geo {
    dbs: Vec<Db>,
    errors: Mutex<LookupErrors>,
}

impl std::fmt::Debug for Geo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Geo")
            .field("dbs", &self.databases())
            .finish()
    }
}

#[derive(Deserialize)]
struct Names<'a> {
    #[serde(borrow)]
    en: Option<&'a str>,
}

#[derive(Deserialize)]
struct Place<'a> {
    #[serde(borrow)]
    iso_code: Option<&'a str>,
}

#[derive(Deserialize)]
struct City<'a> {
    #[serde(borrow)]
    names: Option<Names<'a>>,
}

/// The parts of a MaxMind record trailtune reads (City, Country, ASN and ISP share the names).
#[derive(Deserialize)]
struct MaxMind<'a> {
    #[serde(borrow)]
    country: Option<Place<'a>>,
    #[serde(borrow)]
    registered_country: Option<Place<'a>>,
    #[serde(borrow)]
    city: Option<City<'a>>,
    autonomous_system_number: Option<u32>,
    #[serde(borrow)]
    autonomous_system_organization: Option<&'a str>,
}

/// An IPinfo record: `country_code` (IPinfo Lite) or `country` (the country + ASN file) as the
/// ISO code, `asn` as `AS15169`.
#[derive(Deserialize)]
struct Ipinfo<'a> {
    #[serde(borrow)]
    country: Option<&'a str>,
    #[serde(borrow)]
    country_code: Option<&'a str>,
    #[serde(borrow)]
    city: Option<&'a str>,
    #[serde(borrow)]
    asn: Option<&'a str>,
    #[serde(borrow)]
    as_name: Option<&'a str>,
}

/// The answer so far: each part filled by the first database that has it.
#[derive(Default)]
struct Found {
    country: Option<String>,
    city: Option<String>,
    asn: Option<u32>,
    as_org: Option<String>,
}

impl Found {
    fn fill(
        &mut self,
        country: Option<&str>,
        city: Option<&str>,
        asn: Option<u32>,
        org: Option<&str>,
    ) {
        let keep = |slot: &mut Option<String>, value: Option<&str>| {
            if slot.is_none()
                && let Some(v) = value.filter(|v| !v.is_empty())
            {
                *slot = Some(v.to_string());
            }
        };
        keep(&mut self.country, country);
        keep(&mut self.city, city);
        keep(&mut self.as_org, org);
        if self.asn.is_none() {
            self.asn = asn;
        }
    }

    fn any(&self) -> bool {
        self.country.is_some() || self.city.is_some() || self.asn.is_some() || self.as_org.is_some()
    }
}

impl Geo {
    /// Open each database (read whole into memory) and recognise what it holds.
    pub fn open(paths: &[PathBuf]) -> Result<Geo, GeoError> {
        let mut dbs = Vec::new();
        for path in paths {
            let reader = Reader::from_source(read_db(path)?).map_err(|e| GeoError::Unreadable {
                path: path.clone(),
                reason: e.to_string(),
            })?;
            let database_type = reader.metadata().database_type.clone();
            let kind = DbKind::of(&database_type).ok_or_else(|| GeoError::UnknownKind {
                path: path.clone(),
                kind: database_type.clone(),
            })?;
            dbs.push(Db {
                path: path.clone(),
                kind,
                database_type,
                reader,
            });
        }
        Ok(Geo {
            dbs,
            errors: Mutex::new(LookupErrors::default()),
        })
    }

    /// The databases at `paths`, or `None` when there are none (no lookups at all).
    pub fn open_if_any(paths: &[PathBuf]) -> Result<Option<Geo>, GeoError> {
        if paths.is_empty() {
            return Ok(None);
        }
        Geo::open(paths).map(Some)
    }

    /// Whether some database gives countries (an ASN file alone does not).
    pub fn has_countries(&self) -> bool {
        self.dbs.iter().any(|d| d.kind != DbKind::Asn)
    }

    /// The databases, for the report.
    pub fn databases(&self) -> Vec<DbInfo> {
        self.dbs
            .iter()
            .map(|d| DbInfo {
                path: d.path.clone(),
                kind: d.kind,
                database_type: d.database_type.clone(),
                built: chrono::DateTime::from_timestamp(
                    i64::try_from(d.reader.metadata().build_epoch).unwrap_or(0),
                    0,
                )
                .map(|t| t.date_naive().to_string())
                .unwrap_or_default(),
            })
            .collect()
    }

    /// Lookups that failed so far.
    pub fn errors(&self) -> LookupErrors {
        self.errors
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Where the call with this `sourceIPAddress` came from.
    pub fn caller(&self, source_ip: &str) -> Caller {
        let ip = source_ip.to_string();
        let addr = match classify(source_ip) {
            Ok(addr) => addr,
            Err(kind) => {
                return Caller {
                    ip,
                    country: None,
                    city: None,
                    asn: None,
                    as_org: None,
                    kind,
                };
            }
        };
        let mut found = Found::default();
        let mut failed = false;
        for db in &self.dbs {
            // An IPv4-only database has no answer for an IPv6 address: not a failure.
            if addr.is_ipv6() && db.reader.metadata().ip_version == 4 {
                continue;
            }
            if let Err(e) = lookup(db, addr, &mut found) {
                failed = true;
                let mut errors = self
                    .errors
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner);
                errors.count += 1;
                errors
                    .first
                    .get_or_insert_with(|| format!("{}: {e}", db.path.display()));
            }
        }
        let kind = match (found.any(), failed) {
            (true, _) => CallerKind::Public,
            (false, true) => CallerKind::LookupError,
            (false, false) => CallerKind::NotFound,
        };
        Caller {
            ip,
            country: found.country,
            city: found.city,
            asn: found.asn,
            as_org: found.as_org,
            kind,
        }
    }
}

fn lookup(db: &Db, addr: IpAddr, found: &mut Found) -> Result<(), maxminddb::MaxMindDbError> {
    let result = db.reader.lookup(addr)?;
    match db.kind {
        DbKind::Ipinfo => {
            if let Some(r) = result.decode::<Ipinfo<'_>>()? {
                // In the country + ASN file `country` is the code; in IPinfo Lite it is the
                // name and `country_code` the code.
                let country = r.country_code.or(r.country.filter(|c| c.len() == 2));
                let asn = r
                    .asn
                    .and_then(|a| a.strip_prefix("AS").unwrap_or(a).parse().ok());
                found.fill(country, r.city, asn, r.as_name);
            }
        }
        DbKind::City | DbKind::Country | DbKind::Asn => {
            if let Some(r) = result.decode::<MaxMind<'_>>()? {
                let country = r
                    .country
                    .and_then(|c| c.iso_code)
                    .or(r.registered_country.and_then(|c| c.iso_code));
                let city = r.city.and_then(|c| c.names).and_then(|n| n.en);
                found.fill(
                    country,
                    city,
                    r.autonomous_system_number,
                    r.autonomous_system_organization,
                );
            }
        }
    }
    Ok(())
}

/// The address to look up, or why there is none to look up.
fn classify(source_ip: &str) -> Result<IpAddr, CallerKind> {
    let text = source_ip.trim();
    if text.is_empty() {
        return Err(CallerKind::Missing);
    }
    // A zone (`fe80::1%eth0`) only ever follows a link-local address.
    let address = text.split_once('%').map_or(text, |(a, _)| a);
    let Ok(addr) = address.parse::<IpAddr>() else {
        // CloudTrail writes a service's name when a service made the call for the principal.
        let lower = text.to_ascii_lowercase();
        let service = lower == "aws internal"
            || [".amazonaws.com", ".amazonaws.com.cn"]
                .iter()
                .any(|suffix| lower.strip_suffix(suffix).is_some_and(is_host_label));
        return Err(if service {
            CallerKind::AwsService
        } else {
            CallerKind::Invalid
        });
    };
    // `::ffff:81.2.69.142` is 81.2.69.142, looked up and classified as such.
    let addr = addr.to_canonical();
    let kind = match addr {
        IpAddr::V4(v4) if private_v4(v4) => Some(CallerKind::Private),
        IpAddr::V4(v4) if reserved_v4(v4) => Some(CallerKind::Reserved),
        IpAddr::V6(v6) if private_v6(v6) => Some(CallerKind::Private),
        IpAddr::V6(v6) if reserved_v6(v6) => Some(CallerKind::Reserved),
        _ => None,
    };
    kind.map_or(Ok(addr), Err)
}

/// `ec2`, `bedrock-runtime`, `s3.eu-west-1`: what comes before `.amazonaws.com` in a service
/// name (letters, digits, `-` and `.`, nothing else).
fn is_host_label(prefix: &str) -> bool {
    !prefix.is_empty()
        && !prefix.starts_with('.')
        && prefix
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'.')
}

fn reserved_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_multicast()
        || ip.is_broadcast()
        || ip.is_documentation()
        // Benchmarking, RFC 2544.
        || (a == 198 && (18..20).contains(&b))
        // Reserved, 240.0.0.0/4.
        || a >= 240
        // IETF protocol assignments, 192.0.0.0/24.
        || (a == 192 && b == 0 && c == 0)
}

fn reserved_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_multicast()
        // Documentation, 2001:db8::/32.
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
        // Site-local (deprecated), fec0::/10.
        || (first & 0xffc0) == 0xfec0
}

fn private_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        // CGNAT, RFC 6598.
        || (a == 100 && (64..128).contains(&b))
}

fn private_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        // Unique local, fc00::/7.
        || (first & 0xfe00) == 0xfc00
        // Link-local, fe80::/10.
        || (first & 0xffc0) == 0xfe80
}

/// The caller's country for counting: the ISO code, or what the address is when it has none.
pub fn country_label(c: &Caller) -> &str {
    match c.kind {
        CallerKind::Public => c.country.as_deref().unwrap_or("(no country)"),
        CallerKind::Private => "(private address)",
        CallerKind::AwsService => "(AWS service)",
        CallerKind::Reserved => "(reserved address)",
        CallerKind::NotFound => "(not in the databases)",
        CallerKind::LookupError => "(lookup failed)",
        CallerKind::Missing => "(no address)",
        CallerKind::Invalid => "(not an address)",
    }
}

/// The caller's network for counting: `AS1221 Telstra Pty Ltd`, or what the address is when the
/// databases name no network.
pub fn network_label(c: &Caller) -> String {
    match (c.kind, c.asn, c.as_org.as_deref()) {
        (CallerKind::Public, Some(n), Some(org)) => format!("AS{n} {org}"),
        (CallerKind::Public, Some(n), None) => format!("AS{n}"),
        (CallerKind::Public, None, Some(org)) => org.to_string(),
        (CallerKind::Public, None, None) => "(no network)".to_string(),
        _ => country_label(c).to_string(),
    }
}

/// The country and network labels a profile counts a caller under.
pub fn labels(c: &Caller) -> (String, String) {
    (country_label(c).to_string(), network_label(c))
}

/// A short text of where a call came from, for a table cell: `GB London, AS1234 Org`.
pub fn summary(c: &Caller) -> String {
    match c.kind {
        CallerKind::Private => "private address".to_string(),
        CallerKind::AwsService => "AWS service".to_string(),
        CallerKind::Reserved => "reserved address".to_string(),
        CallerKind::NotFound => "not in the databases".to_string(),
        CallerKind::LookupError => "lookup failed".to_string(),
        CallerKind::Missing => "no address".to_string(),
        CallerKind::Invalid => "not an address".to_string(),
        CallerKind::Public => {
            let place: Vec<&str> = [c.country.as_deref(), c.city.as_deref()]
                .into_iter()
                .flatten()
                .collect();
            let network = match (c.asn, c.as_org.as_deref()) {
                (Some(n), Some(org)) => Some(format!("AS{n} {org}")),
                (Some(n), None) => Some(format!("AS{n}")),
                (None, Some(org)) => Some(org.to_string()),
                (None, None) => None,
            };
            let mut parts = Vec::new();
            if !place.is_empty() {
                parts.push(place.join(" "));
            }
            parts.extend(network);
            parts.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn testdata(name: &str) -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("testdata/geoip")
            .join(name)
    }

    #[test]
    fn addresses_are_classified_before_any_lookup() {
        for (ip, kind) in [
            ("10.1.2.3", CallerKind::Private),
            ("172.16.0.1", CallerKind::Private),
            ("172.31.255.255", CallerKind::Private),
            ("192.168.1.1", CallerKind::Private),
            ("100.64.0.1", CallerKind::Private),
            ("100.127.255.255", CallerKind::Private),
            ("169.254.169.254", CallerKind::Private),
            ("127.0.0.1", CallerKind::Private),
            ("0.0.0.0", CallerKind::Private),
            ("::1", CallerKind::Private),
            ("::", CallerKind::Private),
            ("fd12:3456::1", CallerKind::Private),
            ("fe80::1", CallerKind::Private),
            ("::ffff:10.0.0.1", CallerKind::Private),
            ("fe80::1%eth0", CallerKind::Private),
            ("ec2.amazonaws.com", CallerKind::AwsService),
            ("s3.eu-west-1.amazonaws.com", CallerKind::AwsService),
            ("bedrock-runtime.amazonaws.com.cn", CallerKind::AwsService),
            ("AWS Internal", CallerKind::AwsService),
            ("", CallerKind::Missing),
            ("  ", CallerKind::Missing),
            (".amazonaws.com", CallerKind::Invalid),
            ("evil.amazonaws.com.attacker.net", CallerKind::Invalid),
            ("x y.amazonaws.com", CallerKind::Invalid),
            ("1234", CallerKind::Invalid),
            ("81.2.69.142:443", CallerKind::Invalid),
            ("\u{1b}[31m", CallerKind::Invalid),
            ("８１.２.６９.１４２", CallerKind::Invalid),
            ("192.0.2.1", CallerKind::Reserved),
            ("198.51.100.7", CallerKind::Reserved),
            ("203.0.113.9", CallerKind::Reserved),
            ("198.18.0.1", CallerKind::Reserved),
            ("224.0.0.1", CallerKind::Reserved),
            ("255.255.255.255", CallerKind::Reserved),
            ("240.0.0.1", CallerKind::Reserved),
            ("2001:db8::1", CallerKind::Reserved),
            ("fec0::1", CallerKind::Reserved),
            ("ff02::1", CallerKind::Reserved),
        ] {
            assert_eq!(classify(ip), Err(kind), "{ip}");
        }
        for ip in [
            "100.63.255.255",
            "100.128.0.0",
            "172.32.0.1",
            "8.8.8.8",
            "2001:218::1",
            "::ffff:8.8.8.8",
            " 81.2.69.142 ",
        ] {
            assert!(classify(ip).is_ok(), "{ip}");
        }
        // A v4-mapped address is the IPv4 address, for the lookup too.
        assert_eq!(
            classify("::ffff:81.2.69.142"),
            Ok("81.2.69.142".parse().unwrap())
        );
    }

    #[test]
    fn maxmind_city_and_asn_databases_answer_together() {
        let geo = Geo::open(&[
            testdata("GeoLite2-City-Test.mmdb"),
            testdata("GeoLite2-ASN-Test.mmdb"),
        ])
        .unwrap();
        let kinds: Vec<DbKind> = geo.databases().iter().map(|d| d.kind).collect();
        assert_eq!(kinds, [DbKind::City, DbKind::Asn]);
        let c = geo.caller("81.2.69.142");
        assert_eq!(c.kind, CallerKind::Public);
        assert_eq!(c.country.as_deref(), Some("GB"));
        assert_eq!(c.city.as_deref(), Some("London"));
        let c = geo.caller("89.160.20.112");
        assert_eq!(
            (c.country.as_deref(), c.city.as_deref()),
            (Some("SE"), Some("Linköping"))
        );
        // MaxMind's ASN test data: 1.128.0.0/11 is AS1221 Telstra.
        let c = geo.caller("1.128.0.1");
        assert_eq!(c.asn, Some(1221), "{c:?}");
        assert_eq!(c.as_org.as_deref(), Some("Telstra Pty Ltd"));
        assert_eq!(c.kind, CallerKind::Public);
        assert_eq!(geo.caller("8.8.8.8").kind, CallerKind::NotFound);
        assert_eq!(geo.caller("10.0.0.1").kind, CallerKind::Private);
        assert_eq!(geo.errors(), LookupErrors::default());
    }

    #[test]
    fn country_databases_and_ipv6() {
        let geo = Geo::open(&[testdata("GeoLite2-Country-Test.mmdb")]).unwrap();
        assert_eq!(geo.databases()[0].kind, DbKind::Country);
        let c = geo.caller("2001:218::1");
        assert_eq!(
            (c.country.as_deref(), c.city.as_deref()),
            (Some("JP"), None)
        );
        assert_eq!(geo.caller("216.160.83.56").country.as_deref(), Some("US"));
    }

    #[test]
    fn ipinfo_databases_in_both_schemas() {
        let geo = Geo::open(&[
            testdata("ipinfo-country-asn-test.mmdb"),
            testdata("ipinfo-lite-test.mmdb"),
        ])
        .unwrap();
        let kinds: Vec<DbKind> = geo.databases().iter().map(|d| d.kind).collect();
        assert_eq!(kinds, [DbKind::Ipinfo, DbKind::Ipinfo]);
        for (ip, country, asn, org) in [
            ("81.2.69.142", "GB", 20712, "Andrews & Arnold Ltd"),
            ("2001:218::1", "JP", 2914, "NTT America, Inc."),
            // Lite: `country` is the name, the code is `country_code`.
            ("175.16.199.7", "CN", 4837, "CHINA UNICOM China169 Backbone"),
        ] {
            let c = geo.caller(ip);
            assert_eq!(
                (c.country.as_deref(), c.asn, c.as_org.as_deref(), c.kind),
                (Some(country), Some(asn), Some(org), CallerKind::Public),
                "{ip}"
            );
        }
        assert_eq!(geo.caller("8.8.8.8").kind, CallerKind::NotFound);
    }

    #[test]
    fn a_database_of_another_kind_is_refused() {
        // MaxMind's test data also holds databases of other types (here, rewritten metadata).
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("other.mmdb");
        let mut bytes = std::fs::read(testdata("GeoLite2-ASN-Test.mmdb")).unwrap();
        let at = bytes
            .windows(11)
            .rposition(|w| w == b"GeoLite2-AS")
            .unwrap();
        bytes[at..at + 11].copy_from_slice(b"Anonymous-X");
        std::fs::write(&path, bytes).unwrap();
        let err = Geo::open(std::slice::from_ref(&path)).unwrap_err();
        assert!(
            err.to_string().contains("is not one trailtune reads"),
            "{err}"
        );
    }

    #[test]
    fn a_damaged_database_never_panics_and_its_failures_are_counted() {
        let good = std::fs::read(testdata("GeoLite2-City-Test.mmdb")).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("damaged.mmdb");
        let (mut opened, mut failed_lookups, mut lookup_error_kinds) = (0, 0, 0);
        for at in (0..good.len()).step_by(37) {
            let mut bytes = good.clone();
            bytes[at] ^= 0xa5;
            std::fs::write(&path, &bytes).unwrap();
            let Ok(geo) = Geo::open(std::slice::from_ref(&path)) else {
                continue;
            };
            opened += 1;
            for ip in [
                "81.2.69.142",
                "89.160.20.112",
                "2001:218::1",
                "175.16.199.1",
            ] {
                let c = geo.caller(ip);
                assert!(matches!(
                    c.kind,
                    CallerKind::Public | CallerKind::NotFound | CallerKind::LookupError
                ));
                lookup_error_kinds += u32::from(c.kind == CallerKind::LookupError);
            }
            let errors = geo.errors();
            assert_eq!(errors.count > 0, errors.first.is_some());
            failed_lookups += errors.count;
        }
        assert!(
            opened > 100 && failed_lookups > 0 && lookup_error_kinds > 0,
            "{opened} {failed_lookups} {lookup_error_kinds}"
        );
    }

    #[test]
    fn an_ipv4_only_database_has_no_answer_for_ipv6_and_that_is_no_failure() {
        let geo = Geo::open(&[testdata("ipinfo-v4-only-test.mmdb")]).unwrap();
        assert_eq!(geo.caller("81.2.69.142").country.as_deref(), Some("GB"));
        assert_eq!(
            geo.caller("::ffff:81.2.69.142").country.as_deref(),
            Some("GB")
        );
        assert_eq!(geo.caller("2001:218::1").kind, CallerKind::NotFound);
        assert_eq!(geo.errors(), LookupErrors::default());
    }

    #[test]
    fn only_regular_files_of_a_bounded_size_are_read() {
        let dir = tempfile::tempdir().unwrap();
        for path in [dir.path().to_path_buf(), PathBuf::from("/dev/zero")] {
            let err = Geo::open(std::slice::from_ref(&path)).unwrap_err();
            assert!(matches!(err, GeoError::NotAFile { .. }), "{err}");
        }
        // A sparse file past the limit is refused by its size, never read.
        let big = dir.path().join("big.mmdb");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_DB_BYTES + 1)
            .unwrap();
        let err = Geo::open(std::slice::from_ref(&big)).unwrap_err();
        assert!(matches!(err, GeoError::TooLarge { .. }), "{err}");
    }

    #[test]
    fn files_that_are_not_databases_are_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let junk = dir.path().join("junk.mmdb");
        std::fs::write(&junk, b"not a database").unwrap();
        for path in [junk, dir.path().join("missing.mmdb")] {
            let err = Geo::open(std::slice::from_ref(&path)).unwrap_err();
            assert!(
                err.to_string().starts_with(&path.display().to_string()),
                "{err}"
            );
        }
    }

    #[test]
    fn summaries_read_as_a_reviewer_would_say_them() {
        let geo = Geo::open(&[
            testdata("GeoLite2-City-Test.mmdb"),
            testdata("GeoLite2-ASN-Test.mmdb"),
        ])
        .unwrap();
        assert_eq!(summary(&geo.caller("81.2.69.142")), "GB London");
        assert_eq!(summary(&geo.caller("1.128.0.1")), "AS1221 Telstra Pty Ltd");
        assert_eq!(summary(&geo.caller("10.0.0.1")), "private address");
        assert_eq!(summary(&geo.caller("s3.amazonaws.com")), "AWS service");
        assert_eq!(summary(&geo.caller("8.8.8.8")), "not in the databases");
        let labels: Vec<String> = [
            "81.2.69.142",
            "1.128.0.1",
            "10.0.0.1",
            "AWS Internal",
            "8.8.8.8",
        ]
        .map(|ip| country_label(&geo.caller(ip)).to_string())
        .into();
        assert_eq!(
            labels,
            [
                "GB",
                "(no country)",
                "(private address)",
                "(AWS service)",
                "(not in the databases)"
            ]
        );
    }
}
