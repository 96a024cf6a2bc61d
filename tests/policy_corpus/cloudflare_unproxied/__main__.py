"""Violates cloudflare-dns-record-proxied: the origin's address is published unproxied."""

import pulumi_cloudflare as cloudflare

cloudflare.DnsRecord(
    "www",
    zone_id="0123456789abcdef0123456789abcdef",
    name="www.example.com",
    type="CNAME",
    content="marketing-alb-1234567890.eu-west-1.elb.amazonaws.com",
    ttl=1,
    proxied=False,
)
