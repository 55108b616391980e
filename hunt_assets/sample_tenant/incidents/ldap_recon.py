"""Incident 3: LDAP reconnaissance from an IT workstation, ADFind plus SharpHound-like collection.

On the last day (10:14 UTC) the compromised account runs AdFind.exe from %TEMP%\\tools (process events with
the classic ransomware pre-staging command lines), and its searches reach the DC: all users, domain admins,
adminCount=1, SPNs (Kerberoasting), password-never-expires, AS-REP roastable accounts, unconstrained
delegation, computers, trusts, OUs, GPOs, subnets and LAPS attributes. They land in IdentityQueryEvents
(from the DC's sensor) and as DeviceEvents "LdapSearch" rows (from the workstation's sensor).
"""

from __future__ import annotations

import json

from ..events import DevEvent
from ..fleet import AD_DOMAIN, BASE_DN
from ..identity import LdapSearch, ldap_row
from ..plan import LDAP_HOST, GroundTruth
from ..processes import US_PER_S
from ..tenant import Tenant, from_us
from .common import Planted

_CFG = f"CN=Configuration,{BASE_DN}"
RECON: tuple[tuple[str, LdapSearch], ...] = (
    (
        '-f "(objectcategory=person)"',
        LdapSearch(
            "AllUsers",
            AD_DOMAIN,
            "(&(objectCategory=person)(objectClass=user))",
            ("sAMAccountName", "userAccountControl", "memberOf", "lastLogonTimestamp", "pwdLastSet", "description"),
        ),
    ),
    (
        '-f "objectcategory=computer"',
        LdapSearch(
            "AllComputers",
            AD_DOMAIN,
            "(objectCategory=computer)",
            ("dNSHostName", "operatingSystem", "operatingSystemVersion", "servicePrincipalName"),
        ),
    ),
    (
        '-f "(objectcategory=organizationalUnit)"',
        LdapSearch("AllOrganizationalUnits", AD_DOMAIN, "(objectCategory=organizationalUnit)", ("name", "gPLink")),
    ),
    (
        '-f "(objectcategory=group)"',
        LdapSearch("AllGroups", AD_DOMAIN, "(objectCategory=group)", ("sAMAccountName", "member", "adminCount")),
    ),
    (
        "-sc trustdmp",
        LdapSearch(
            "AllTrustedDomains",
            AD_DOMAIN,
            "(objectClass=trustedDomain)",
            ("trustPartner", "trustDirection", "trustType", "trustAttributes", "flatName"),
            base=f"CN=System,{BASE_DN}",
        ),
    ),
    (
        "-subnets -f (objectCategory=subnet)",
        LdapSearch(
            "AllSubnets",
            "Subnets",
            "(objectCategory=subnet)",
            ("name", "siteObject"),
            base=f"CN=Subnets,CN=Sites,{_CFG}",
        ),
    ),
    (
        '-f "(&(objectCategory=group)(cn=Domain Admins))" member',
        LdapSearch("Group", "Domain Admins", "(&(objectCategory=group)(cn=Domain Admins))", ("member",)),
    ),
    (
        '-f "(&(objectCategory=person)(objectClass=user)(adminCount=1))" sAMAccountName',
        LdapSearch(
            "Users",
            "adminCount=1",
            "(&(objectCategory=person)(objectClass=user)(adminCount=1))",
            ("sAMAccountName", "memberOf"),
        ),
    ),
    (
        '-f "(&(objectCategory=person)(objectClass=user)(servicePrincipalName=*))" servicePrincipalName',
        LdapSearch(
            "Users",
            "servicePrincipalName",
            "(&(objectCategory=person)(objectClass=user)(servicePrincipalName=*))",
            ("sAMAccountName", "servicePrincipalName", "msDS-SupportedEncryptionTypes"),
        ),
    ),
    (
        '-f "(servicePrincipalName=*)" servicePrincipalName',
        LdapSearch(
            "AllObjectsWithSpn", AD_DOMAIN, "(servicePrincipalName=*)", ("servicePrincipalName", "sAMAccountName")
        ),
    ),
    (
        '-f "(userAccountControl:1.2.840.113556.1.4.803:=65536)" sAMAccountName',
        LdapSearch(
            "Users",
            "DONT_EXPIRE_PASSWORD",
            "(&(objectCategory=person)(objectClass=user)(userAccountControl:1.2.840.113556.1.4.803:=65536))",
            ("sAMAccountName", "pwdLastSet"),
        ),
    ),
    (
        '-f "(userAccountControl:1.2.840.113556.1.4.803:=4194304)" sAMAccountName',
        LdapSearch(
            "Users",
            "DONT_REQ_PREAUTH",
            "(&(objectCategory=person)(objectClass=user)(userAccountControl:1.2.840.113556.1.4.803:=4194304))",
            ("sAMAccountName", "userPrincipalName"),
        ),
    ),
    (
        '-f "(userAccountControl:1.2.840.113556.1.4.803:=524288)" dNSHostName',
        LdapSearch(
            "Computers",
            "TRUSTED_FOR_DELEGATION",
            "(&(objectCategory=computer)(userAccountControl:1.2.840.113556.1.4.803:=524288))",
            ("dNSHostName", "userAccountControl"),
        ),
    ),
    (
        '-f "(objectClass=groupPolicyContainer)" displayName gPCFileSysPath',
        LdapSearch(
            "AllGroupPolicies",
            "Policies",
            "(objectClass=groupPolicyContainer)",
            ("displayName", "gPCFileSysPath"),
            base=f"CN=Policies,CN=System,{BASE_DN}",
        ),
    ),
    (
        '-f "(ms-Mcs-AdmPwdExpirationTime=*)" ms-Mcs-AdmPwd',
        LdapSearch(
            "Computers",
            "LAPS",
            "(&(objectCategory=computer)(ms-Mcs-AdmPwdExpirationTime=*))",
            ("ms-Mcs-AdmPwd", "dNSHostName"),
        ),
    ),
    (
        "-gcb -sc trustdmp",
        LdapSearch(
            "AllTrustedDomains",
            "Forest",
            "(objectClass=trustedDomain)",
            ("trustPartner", "trustDirection"),
            base="",
            scope="WholeSubtree",
        ),
    ),
)
RECON_FILTERS: tuple[str, ...] = tuple(s.search_filter for _, s in RECON)


def plant(t: Tenant) -> Planted:
    rng = t.rng("incident-ldap")
    dev = t.device(LDAP_HOST)
    day = min(2, t.days - 1)
    ts = t.at(day, 10, 14, 7.0)
    first = ts
    out = Planted()
    proc_rows: list[DevEvent] = []
    dev_rows: list[DevEvent] = []
    id_rows: list[dict] = []
    out_names = ("ad_users.txt", "ad_computers.txt", "ad_ous.txt", "ad_group.txt", "trustdmp.txt", "subnets.txt")
    tools = rf"C:\Users\{dev.user.sam}\AppData\Local\Temp\tools\AdFind.exe"
    cmd_parent = rf'cmd.exe /c "{tools[:-10]}adf.bat"'
    proc_rows.append(
        DevEvent(ts - 3 * US_PER_S, dev.idx, "explorer", {"ProcessCommandLine": cmd_parent}, created="cmd")
    )
    for i, (args, search) in enumerate(RECON):
        redirect = f" > {out_names[i]}" if i < len(out_names) else ""
        cmd = f"AdFind.exe {args}{redirect}"
        proc_rows.append(DevEvent(ts, dev.idx, "cmd", {"ProcessCommandLine": cmd}, created="adfind"))
        pages = 3 if search.query_type.startswith("All") else 1
        for _ in range(pages):
            ts += int(rng.uniform(0.05, 0.4) * US_PER_S)
            id_rows.append(ldap_row(t.fleet, ts, dev, search, int(rng.integers(49152, 65535))))
            dev_rows.append(
                DevEvent(
                    ts,
                    dev.idx,
                    "adfind",
                    {
                        "ActionType": "LdapSearch",
                        "InitiatingProcessCommandLine": cmd,
                        "AdditionalFields": json.dumps(
                            {
                                "AttributeList": list(search.attributes),
                                "ScopeOfSearch": "SubTree" if search.scope == "WholeSubtree" else search.scope,
                                "SearchFilter": search.search_filter,
                                "DistinguishedName": search.base,
                            },
                            separators=(",", ":"),
                        ),
                    },
                )
            )
        ts += int(rng.uniform(2.0, 9.0) * US_PER_S)
    out.add_events("DeviceProcessEvents", proc_rows)
    out.add_events("DeviceEvents", dev_rows)
    out.add_rows("IdentityQueryEvents", id_rows)
    gt = dict(
        incident="ldap_recon",
        device_name=dev.name,
        device_id=dev.device_id,
        first_seen=from_us(first),
        last_seen=from_us(ts),
    )
    out.truth += [
        GroundTruth(kind="ldap_filter", entity=s.search_filter, detail=f"{s.query_type} via AdFind.exe {a}", **gt)
        for a, s in RECON
    ]
    out.truth.append(
        GroundTruth(
            kind="account",
            entity=dev.user.upn,
            detail=f"{len(id_rows)} LDAP queries in {(ts - first) / US_PER_S:.0f} s",
            **gt,
        )
    )
    out.truth.append(GroundTruth(kind="process", entity=tools, detail="AdFind run from a batch file", **gt))
    return out
