"""IdentityQueryEvents rows as Defender for Identity records LDAP searches seen on the DCs.

DeviceName/IPAddress are the querying machine, DestinationDeviceName/DestinationIPAddress the DC, Query the
search filter, and AdditionalFields (dynamic) repeats the filter with the attribute list, scope and base DN.
Background: workstations' Group Policy and logon searches, Exchange's and Azure AD Connect's bulk reads
(the latter includes the same "all users" filter recon tools use, the classic false positive).
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import duckdb
import numpy as np

from .arrowio import insert_rows
from .fleet import AD_DOMAIN, BASE_DN, Device, Fleet
from .ids import stable_guid
from .processes import US_PER_S
from .tenant import Tenant, from_us


@dataclass(frozen=True)
class LdapSearch:
    query_type: str
    target: str
    search_filter: str
    attributes: tuple[str, ...]
    base: str = BASE_DN
    scope: str = "WholeSubtree"


def ldap_row(fleet: Fleet, ts: int, source: Device, search: LdapSearch, src_port: int) -> dict:
    dc = fleet.dns_server(source)
    u = source.user
    extra = {
        "SearchFilter": search.search_filter,
        "AttributeList": list(search.attributes),
        "SearchScope": search.scope,
        "BaseObject": search.base,
        "SizeLimit": 0,
        "TimeLimit": 120,
    }
    return {
        "Timestamp": from_us(ts),
        "ActionType": "LDAP query",
        "Application": "Active Directory",
        "QueryType": search.query_type,
        "QueryTarget": search.target,
        "Query": search.search_filter,
        "Protocol": "Ldap",
        "AccountName": u.sam,
        "AccountDomain": AD_DOMAIN,
        "AccountUpn": u.upn,
        "AccountSid": u.sid,
        "AccountObjectId": u.object_id,
        "AccountDisplayName": u.display_name,
        "DeviceName": source.name,
        "IPAddress": source.ip,
        "Port": src_port,
        "DestinationDeviceName": dc.name,
        "DestinationIPAddress": dc.ip,
        "DestinationPort": 389,
        "ReportId": stable_guid("ldap", ts, source.idx, search.search_filter),
        "AdditionalFields": json.dumps(extra, separators=(",", ":")),
    }


def _ws_searches(d: Device) -> list[LdapSearch]:
    short = d.short.upper()
    return [
        LdapSearch(
            "Computer",
            f"{short}$",
            f"(&(objectCategory=computer)(sAMAccountName={short}$))",
            ("distinguishedName", "gPLink", "gPOptions"),
        ),
        LdapSearch(
            "GroupPolicy",
            "Policies",
            "(objectClass=groupPolicyContainer)",
            ("gPCFileSysPath", "displayName", "flags", "versionNumber"),
            base=f"CN=Policies,CN=System,{BASE_DN}",
            scope="SingleLevel",
        ),
        LdapSearch(
            "User",
            d.user.sam,
            f"(&(objectClass=user)(sAMAccountName={d.user.sam}))",
            ("distinguishedName", "memberOf", "userAccountControl"),
        ),
        LdapSearch(
            "Site",
            "Default-First-Site-Name",
            "(objectClass=site)",
            ("gPLink",),
            base=f"CN=Sites,CN=Configuration,{BASE_DN}",
            scope="SingleLevel",
        ),
    ]


_SERVER_SEARCHES = {
    "sync": [
        LdapSearch(
            "AllUsers",
            AD_DOMAIN,
            "(&(objectCategory=person)(objectClass=user))",
            ("objectGUID", "userPrincipalName", "proxyAddresses", "memberOf", "uSNChanged"),
        ),
        LdapSearch("AllGroups", AD_DOMAIN, "(objectClass=group)", ("objectGUID", "member", "uSNChanged")),
        LdapSearch(
            "DirSync",
            AD_DOMAIN,
            "(|(objectClass=user)(objectClass=group)(objectClass=contact))",
            ("objectGUID", "uSNChanged"),
        ),
    ],
    "mail": [
        LdapSearch(
            "ExchangeServer",
            "exch01",
            "(&(objectClass=msExchExchangeServer)(cn=EXCH01))",
            ("msExchCurrentServerRoles", "networkAddress"),
            base=f"CN=Configuration,{BASE_DN}",
        ),
        LdapSearch(
            "Recipient",
            "mailbox",
            "(&(objectClass=user)(proxyAddresses=smtp:*@contoso.com))",
            ("mail", "proxyAddresses", "msExchMailboxGuid"),
        ),
    ],
    "file": [LdapSearch("Group", "File-Share-Users", "(&(objectCategory=group)(cn=File-Share-Users))", ("member",))],
    "sql": [LdapSearch("Group", "SQL-Admins", "(&(objectCategory=group)(cn=SQL-Admins))", ("member",))],
    "dc": [
        LdapSearch(
            "Domain", AD_DOMAIN, "(objectClass=domain)", ("fSMORoleOwner", "msDS-Behavior-Version"), scope="BaseObject"
        )
    ],
}


def benign_ldap_rows(t: Tenant) -> list[dict]:
    """Background LDAP: a handful per workstation per day, a sync read every 30 minutes, and so on."""
    rng = t.rng("benign-ldap")
    rows: list[dict] = []
    for day in range(t.days):
        for d in t.fleet.devices:
            if d.is_server:
                searches = _SERVER_SEARCHES[d.role]
                per_day = 48 if d.role == "sync" else 12
                times = t.day_us(day) + np.sort(rng.integers(0, 86_400 * US_PER_S, per_day))
                for k, ts in enumerate(times):
                    s = (
                        searches[k % len(searches)]
                        if d.role != "sync"
                        else (searches[0] if k % 48 == 6 else searches[1 + k % 2])
                    )
                    rows.append(ldap_row(t.fleet, int(ts), d, s, int(rng.integers(49152, 65535))))
            else:
                n = int(rng.poisson(6))
                hours = rng.choice(np.arange(7, 18), size=n)
                for h in hours:
                    ts = t.at(day, int(h), int(rng.integers(0, 60)), float(rng.uniform(0, 60)))
                    for s in _ws_searches(d)[: int(rng.integers(1, 5))]:
                        rows.append(ldap_row(t.fleet, ts, d, s, int(rng.integers(49152, 65535))))
                        ts += int(rng.integers(5_000, 200_000))
    return rows


def write_identity(con: duckdb.DuckDBPyConnection, rows: list[dict]) -> int:
    return insert_rows(con, "IdentityQueryEvents", rows)
