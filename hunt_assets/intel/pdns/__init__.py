"""Passive-DNS histories: providers (MDTI, COF/CIRCL/DNSDB, sample tenant) behind one record model."""

from hunt_assets.intel.pdns.model import PassiveDnsRecord, merge_frames, records_to_frame
from hunt_assets.intel.pdns.providers import LookupResult, PassiveDnsProvider

__all__ = ["LookupResult", "PassiveDnsProvider", "PassiveDnsRecord", "merge_frames", "records_to_frame"]
