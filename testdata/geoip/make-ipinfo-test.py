"""Writes the two IPinfo-shaped test databases in this folder (synthetic, made for trailtune's
tests; no IPinfo data). Run with the `mmdb-writer` package (PyPI, 0.2.7):

    python3 -m venv /tmp/mmdbw && /tmp/mmdbw/bin/pip install mmdb-writer netaddr
    /tmp/mmdbw/bin/python testdata/geoip/make-ipinfo-test.py

The records follow IPinfo's published schemas: the free "IP to Country ASN" file (`country` is
the ISO code) and IPinfo Lite (`country` is the name, `country_code` the ISO code).
"""
import os

from mmdb_writer import MMDBWriter
from netaddr import IPSet

HERE = os.path.dirname(os.path.abspath(__file__))

country_asn = MMDBWriter(ip_version=6, ipv4_compatible=True,
                         database_type="ipinfo standard_country_asn.mmdb",
                         description="trailtune test data in IPinfo's country_asn schema")
country_asn.insert_network(IPSet(["81.2.69.0/24"]), {
    "country": "GB", "country_name": "United Kingdom", "continent": "EU",
    "continent_name": "Europe", "asn": "AS20712", "as_name": "Andrews & Arnold Ltd",
    "as_domain": "aa.net.uk"})
country_asn.insert_network(IPSet(["2001:218::/32"]), {
    "country": "JP", "country_name": "Japan", "continent": "AS", "continent_name": "Asia",
    "asn": "AS2914", "as_name": "NTT America, Inc.", "as_domain": "ntt.net"})
country_asn.to_db_file(os.path.join(HERE, "ipinfo-country-asn-test.mmdb"))

lite = MMDBWriter(ip_version=6, ipv4_compatible=True, database_type="ipinfo ipinfo_lite.mmdb",
                  description="trailtune test data in IPinfo Lite's schema")
lite.insert_network(IPSet(["175.16.199.0/24"]), {
    "country_code": "CN", "country": "China", "continent_code": "AS", "continent": "Asia",
    "asn": "AS4837", "as_name": "CHINA UNICOM China169 Backbone", "as_domain": "chinaunicom.cn"})
lite.to_db_file(os.path.join(HERE, "ipinfo-lite-test.mmdb"))

# An IPv4-only file (ip_version 4): an IPv6 caller is simply not in it.
v4 = MMDBWriter(ip_version=4, database_type="ipinfo standard_country_asn.mmdb",
                description="trailtune test data, IPv4 only")
v4.insert_network(IPSet(["81.2.69.0/24"]), {"country": "GB", "asn": "AS20712",
                                            "as_name": "Andrews & Arnold Ltd"})
v4.to_db_file(os.path.join(HERE, "ipinfo-v4-only-test.mmdb"))
