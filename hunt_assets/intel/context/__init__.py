"""Domain and IP context: live DNS, ASN via RDAP, domain registration via RDAP, the TLS certificate."""
