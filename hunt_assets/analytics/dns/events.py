"""Scoring DNS *events*: unique names once, then per-domain and per-client context.

This is what the ``dns_flags`` asset and ``hunt-assets score-dns`` (CSV with client / timestamp /
qtype columns) run. Events are reduced to integer codes (name, registered domain, client) right
away; every aggregate is a group-by over those codes, so ten million events cost a few passes over
a few integer columns, and each distinct name is parsed and scored exactly once.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hunt_assets.analytics.categorical import distinct_rows, is_categorical, per_value, to_rows
from hunt_assets.analytics.dns import domain_stats as D
from hunt_assets.analytics.dns.accel import group_min_max
from hunt_assets.analytics.dns.names import np_to_arrow
from hunt_assets.analytics.dns.score import SUPPRESSED_REASON, _fmt, _reason, score_arrays, to_frame

if TYPE_CHECKING:
    from hunt_assets.analytics.dns.allowlist import Allowlist

HUNT_COLUMNS = {"Timestamp": "timestamp", "DeviceName": "client", "QueryName": "name", "QueryType": "qtype"}


def events_from_hunt(df: pd.DataFrame, ip_map: dict[str, str] | None = None) -> pd.DataFrame:
    """Map the normalized DNS hunt (Timestamp, DeviceName, ClientIP, QueryName, QueryType, Answers).

    The device name is the client when present, the client IP otherwise: host summaries are per
    device, and an IP is the best identity left when the sensor had no device name. With ``ip_map``
    (IP -> device, e.g. from the ``device_ips`` hunt; ``{}`` for the batch's own pairs only), rows
    without a device name are first attributed to a device as ``hosts.attribute_clients`` does.
    Categorical columns stay categorical (attribution and client are then worked out once per
    distinct device / IP pair).
    """
    from hunt_assets.analytics.hosts import attribute_clients, attributed_devices

    out = pd.DataFrame(index=df.index)
    out["name"] = df["QueryName"] if "QueryName" in df else pd.Series(pd.NA, index=df.index)
    if "Timestamp" in df:  # the warehouse's datetimes as they are; text or numbers as score-dns reads them
        ts = df["Timestamp"]
        datetimes = isinstance(ts.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(ts.dtype)
        out["timestamp"] = pd.to_datetime(ts if datetimes else _timestamps_ns(ts), utc=True)
    client = df["DeviceName"] if "DeviceName" in df else pd.Series(pd.NA, index=df.index, dtype=object)
    if "ClientIP" in df and is_categorical(client) and is_categorical(df["ClientIP"]):
        pairs, row_pair = distinct_rows(df, ["DeviceName", "ClientIP"])
        device = pairs["DeviceName"]
        if ip_map is not None:
            attributed = attributed_devices(pairs, ip_map, weight="n")
            device = device if attributed is None else attributed
        client = to_rows(_client_of(device, pairs["ClientIP"]), row_pair, df.index)
    elif "ClientIP" in df:
        if ip_map is not None and "DeviceName" in df:
            client = attribute_clients(df, mapping=ip_map)["DeviceName"]
        client = _client_of(client, df["ClientIP"])
    out["client"] = client
    if "QueryType" in df:
        out["qtype"] = df["QueryType"]
    if "Answers" in df:
        out["answers"] = df["Answers"]
    return out.reset_index(drop=True)


def _client_of(device: pd.Series, ip: pd.Series) -> pd.Series:
    return device.where(device.notna() & (device.astype(str) != ""), ip)


def _codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Integer code per row (-1 for missing) and the distinct values; categoricals cost nothing."""
    if isinstance(s.dtype, pd.CategoricalDtype):
        codes = s.cat.codes.to_numpy()
        if codes.dtype != np.int32:
            codes = codes.astype(np.int32)
        cats = np.asarray(s.cat.categories, dtype=object)
        seen = np.zeros(cats.size + 1, dtype=bool)
        seen[codes] = True  # code -1 (missing) marks the extra last slot
        used = seen[:-1]
        if used.all():
            return codes, cats
        remap = np.full(cats.size + 1, -1, dtype=np.int32)  # last slot: code -1 stays -1
        remap[:-1][used] = np.arange(int(used.sum()), dtype=np.int32)
        return remap[codes], cats[used]
    codes, uniq = pd.factorize(s, sort=False, use_na_sentinel=True)
    return codes.astype(np.int32), np.asarray(uniq, dtype=object)


def _pair_unique(a: np.ndarray, b: np.ndarray, nb: int) -> tuple[np.ndarray, np.ndarray]:
    """Distinct (a, b) pairs of non-negative codes, via one 64-bit key and a hash-based unique."""
    from hunt_assets.analytics.dns.accel import factorize_u64

    key = a.astype(np.int64) * np.int64(nb) + b
    _, first = factorize_u64(key.view(np.uint64), first=True)
    key = key[first]
    return key // nb, key % nb


def _timestamps_ns(col: pd.Series) -> np.ndarray:
    """Event times as int64 nanoseconds since the epoch (NaT -> int64 min), UTC (``times.to_ns``)."""
    from hunt_assets.analytics.dns.times import to_ns

    return to_ns(col)


def _no_answer(a: pd.Series) -> np.ndarray:
    txt = a.astype("string").fillna("").str.strip()
    return txt.isin(["", "[]", "{}", "0", "null", "None", "-"]).to_numpy()  # '-': Zeek's unset, Sysmon's failed


def _window_ns(window: str) -> int:
    return int(pd.Timedelta(window).value)


def score_events(
    events: pd.DataFrame, *, window: str = "1h", allow: Allowlist | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per-name flags, per-registered-domain flags) for a frame of DNS events.

    ``events`` needs a ``name`` column; ``client``, ``timestamp``, ``qtype`` are used when present.
    Per-name rows carry ``queries`` and ``clients`` counts; per-domain rows carry the context
    statistics (unique subdomains, volume, distinct clients, query-type mix, question bytes per
    client per window, inter-arrival regularity) and a verdict with reasons. The costly timing
    statistics are computed only for candidate domains (any non-benign name, or many unique
    subdomains), which are few. ``allow``: the user's allowlist (``allowlist.load``), whose
    registered domains count as popular (no DGA verdict, no DGA lift; tunnels are still judged).
    """
    if "name" not in events.columns:
        raise ValueError("events need a 'name' column")
    ncode, uniq = _codes(events["name"])
    arr = pa.array(list(uniq), pa.large_string()) if uniq.size else pa.array([], pa.large_string())
    arr, cols, R = score_arrays(arr, allow=allow)
    n_names = len(arr)
    ok = ncode >= 0
    ev_name = ncode[ok] if not ok.all() else ncode
    dom_code, first_row = D._domain_codes(cols)
    doms = cols["registered_domain"][first_row]
    nd = len(doms)
    ev_dom = dom_code.astype(np.int32)[ev_name]

    has_client = "client" in events.columns
    has_ts = "timestamp" in events.columns
    has_qt = "qtype" in events.columns
    queries_per_name = np.bincount(ev_name, minlength=n_names)
    queries_per_dom = np.bincount(ev_dom, minlength=nd)
    ctx = pd.DataFrame({"registered_domain": np.asarray(doms, dtype=object), "queries": queries_per_dom})

    if has_qt:
        qcode, qvals = _codes(
            events["qtype"].astype(object)
            if not isinstance(events["qtype"].dtype, pd.CategoricalDtype)
            else events["qtype"]
        )
        qup = np.array([qtype_mnemonic(q) for q in qvals], dtype=object)
        ev_kind_raw = qcode[ok]
    unanswered = None
    no_ans = None
    if "answers" in events.columns:
        no_ans = per_value(events["answers"], _no_answer)[ok]
        # only address look-ups say anything: MX/TXT/SRV answers carry no address by design
        if has_qt:
            addr = _qtype_in(qup, ev_kind_raw, ("A", "AAAA"))
        else:
            addr = np.ones(ev_name.size, dtype=bool)
        n_addr = np.bincount(ev_name[addr], minlength=n_names)
        unanswered = np.bincount(ev_name[no_ans & addr], minlength=n_names) / np.maximum(n_addr, 1)

    # per-domain context is computed exactly for the domains it can matter for: any non-benign
    # name, many unique subdomains, or an unfamiliar name a DGA burst could include; other
    # (plainly benign) domains get NaN for the costly distinct-client and first/last-seen columns
    uniq_sub = np.bincount(dom_code[cols["sub_len"] > 0], minlength=nd)
    shape, reg_part = _burst_shape(cols, unanswered)
    unfamiliar = D._eligible_dga(cols)
    elig_dga = unfamiliar & shape
    burstable = elig_dga & ((cols["reg_bits"] >= D.DGA_BURST_BITS) | (reg_part > 8))
    if unanswered is not None:  # short unanswered names count towards a burst too (SHORT_BURST)
        burstable |= elig_dga & (unanswered >= 0.5)
    ctx_dom = (np.bincount(dom_code[(cols["verdict"] != "benign") | burstable], minlength=nd) > 0) | (
        uniq_sub >= D.QTYPE_MIN_UNIQUE
    )
    ev_ctx = ctx_dom[ev_dom]
    if has_client:
        ccode, clients = _codes(events["client"])
        # as text once: the reasons name clients, and a library caller's may be numbers (device ids)
        clients = np.array([str(c) for c in clients], dtype=object)
        ev_client = ccode[ok]
        nc = max(len(clients), 1)
        known = ev_client >= 0
        sel = known & ev_ctx
        d_u, _ = _pair_unique(ev_dom[sel], ev_client[sel], nc)
        cpd = np.bincount(d_u, minlength=nd).astype(np.float64)
        cpd[~ctx_dom] = np.nan
        ctx["clients"] = cpd
        # distinct clients per name: only for names that are not plainly benign (the costly part)
        interesting = (cols["verdict"] != "benign")[ev_name] & known
        n_u, _ = _pair_unique(ev_name[interesting], ev_client[interesting], nc)
        clients_per_name = np.bincount(n_u, minlength=n_names).astype(np.float64)
        clients_per_name[cols["verdict"] == "benign"] = np.nan
    else:
        ev_client = np.zeros(ev_name.size, dtype=np.int64)
        clients = np.array(["(all)"], dtype=object)
        nc = 1
        ctx["clients"] = (queries_per_dom > 0).astype(np.int64)
        clients_per_name = (queries_per_name > 0).astype(np.int64)

    ctx["unique_subdomains"] = uniq_sub
    elig = D._eligible(cols)
    enc = elig & (cols["sub_len"] > 0) & ((cols["tunnel_score"] >= 0.2) | (cols["verdict"] == "tunnel"))
    enc_frac = np.bincount(dom_code[enc], minlength=nd) / np.maximum(uniq_sub, 1)

    rule_q = np.zeros(nd, dtype=bool)
    share_tq = np.zeros(nd)
    share_null = np.zeros(nd)
    if has_qt:
        # one small code per event: 0 other, 1 NULL, 2 TXT, 3 CNAME, 4 MX, 5 other tunnel qtypes
        kind_of = np.zeros(len(qup) + 1, dtype=np.int8)
        for i, q in enumerate(qup):
            kind_of[i] = {"NULL": 1, "TXT": 2, "CNAME": 3, "MX": 4}.get(q, 5 if q in D.TUNNEL_QTYPES else 0)
        kind_of[-1] = 0  # missing qtype (code -1)
        ev_kind = kind_of[ev_kind_raw]
        per_kind = np.bincount(ev_dom.astype(np.int64) * 6 + ev_kind, minlength=nd * 6).reshape(nd, 6)
        denom = np.maximum(queries_per_dom, 1)
        for j, q in enumerate(("null", "txt", "cname", "mx"), start=1):
            ctx[f"share_{q}"] = per_kind[:, j] / denom
        share_null = per_kind[:, 1] / denom
        share_tq = per_kind[:, 1:].sum(axis=1) / denom
        ctx["share_tunnel_qtypes"] = share_tq
        # NULL is iodine's default and has no everyday use; TXT/CNAME/MX with many unique names
        rule_q = ((share_null >= 0.5) & (uniq_sub >= D.QTYPE_MIN_UNIQUE)) | (
            (share_tq >= 0.5) & (uniq_sub >= D.CTX_POLL_UNIQUE)
        )

    big = np.zeros(nd, dtype=bool)
    ts_ns = None
    if has_ts:
        ts_ns = _timestamps_ns(events["timestamp"])[ok]
        valid_t = ts_ns != np.iinfo(np.int64).min
        first, last = group_min_max(ev_dom, ts_ns, valid_t & ev_ctx, nd)
        seen = first != np.iinfo(np.int64).max
        ctx["first_seen"] = pd.to_datetime(np.where(seen, first, np.iinfo(np.int64).min), utc=True)
        ctx["last_seen"] = pd.to_datetime(np.where(seen, last, np.iinfo(np.int64).min), utc=True)
        # timing and volume only for candidate domains
        nonbenign = np.bincount(dom_code[elig & (cols["verdict"] != "benign")], minlength=nd) > 0
        # any of the domain's names may be the eligible one, not only its first in the batch
        elig_dom = np.bincount(dom_code[elig], minlength=nd) > 0
        cand = nonbenign | (elig_dom & (uniq_sub >= D.QTYPE_MIN_UNIQUE))
        mb = np.zeros(nd, dtype=np.int64)
        cvd = np.full(nd, np.nan)
        cm = cand[ev_dom] & valid_t
        if cm.any():
            wn = _window_ns(window)
            sub = pd.DataFrame(
                {"d": ev_dom[cm], "c": ev_client[cm], "b": cols["name_len"][ev_name[cm]], "t": ts_ns[cm]}
            )
            for w in _window_grids(sub["t"].to_numpy(), wn):  # the busiest window of either grid
                per = sub.assign(w=w).groupby(["d", "c", "w"], sort=False)["b"].sum()
                mxb = per.groupby(level=0).max()
                idx = mxb.index.to_numpy()
                mb[idx] = np.maximum(mb[idx], mxb.to_numpy())
            key = sub["d"].to_numpy().astype(np.int64) * nc + sub["c"].to_numpy()  # int64: domains x clients
            cv = D.interarrival_cv(key, sub["t"].to_numpy())
            if len(cv):
                best = pd.Series(cv.to_numpy(), index=cv.index.to_numpy() // nc).groupby(level=0).min()
                cvd[best.index.to_numpy()] = best.to_numpy()
        ctx["max_bytes_client_window"] = mb
        ctx["interarrival_cv"] = cvd
        big = mb >= D.BYTES_PER_WINDOW

    extra = (rule_q & (enc_frac >= 0.3)) | (big & (enc_frac >= 0.3) & (uniq_sub >= D.QTYPE_MIN_UNIQUE))
    staged = np.zeros(nd, dtype=bool)
    if has_qt and has_client:
        stage_q = _qtype_in(qup, ev_kind_raw, D.STAGE_QTYPES)
        staged, stage_text = _staged_payload(
            arr, cols, elig, dom_code, ev_name, ev_client, ev_dom, stage_q, queries_per_dom, uniq_sub, extra
        )
        extra = extra | staged
    addressed = ~_qtype_in(qup, ev_kind_raw, NOT_ADDRESS) if has_qt else np.ones(ev_dom.size, dtype=bool)
    domain_clients = None
    if has_client:

        def domain_clients(doms: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
            # look-ups that name no client count as one client's (code nc, no name): a log without
            # clients (a forwarder's, or a client column left empty) is judged as the names alone are
            sel = doms[ev_dom]
            c = ev_client[sel]
            d_u, c_u = _pair_unique(ev_dom[sel], np.where(c >= 0, c, nc), nc + 1)
            names = np.full(nc + 1, None, dtype=object)
            names[: len(clients)] = clients
            return d_u, c_u, names

    batch = D.apply_batch_context(
        arr, cols, R, extra, _grid_lookups(ev_dom, nd, addressed, no_ans), domain_clients
    )
    if staged.any():
        R.append(_reason(elig & (cols["sub_len"] > 0) & staged[dom_code], stage_text[dom_code]))
    name_dom = dom_code
    if has_qt:
        R.append(
            _reason(
                (cols["sub_len"] > 0) & rule_q[name_dom] & elig,
                "domain's queries are ",
                _fmt(100 * share_tq[name_dom]),
                "% NULL/TXT/CNAME/MX-type (",
                _fmt(100 * share_null[name_dom]),
                "% NULL)",
            )
        )
    if has_ts:
        mbn = ctx["max_bytes_client_window"].to_numpy()
        R.append(
            _reason(
                (cols["sub_len"] > 0) & big[name_dom] & elig & (cols["verdict"] != "benign"),
                "one client sent ",
                _fmt(mbn[name_dom]),
                " bytes of question names to this domain in ",
                window,
            )
        )
        cvv = ctx["interarrival_cv"].to_numpy()
        R.append(
            _reason(
                (cols["verdict"] == "tunnel") & np.isfinite(cvv[name_dom]) & (cvv[name_dom] < 0.5),
                "machine-regular timing (inter-arrival CV ",
                _fmt(np.nan_to_num(cvv[name_dom]), 2),
                ")",
            )
        )
        if has_client and ts_ns is not None:
            _client_dga_burst(
                cols,
                R,
                ev_name,
                ev_client,
                ts_ns,
                clients,
                window,
                ctx["clients"].to_numpy(),
                unanswered,
                dom_code,
                unfamiliar,
                shape,
                reg_part,
            )

    if has_client:
        _host_names_not_devices(arr, cols, R, ev_name, ev_client, clients, queries_per_name, dom_code, nd)

    cols.pop("_burst_done", None)
    flags = to_frame(arr, cols, R)
    flags["queries"] = queries_per_name
    flags["clients"] = clients_per_name
    dom_flags = _domain_flags(flags, ctx, batch, dom_code)
    return flags, dom_flags


# query types by number (IANA), as the dns_events hunt maps them; a CSV may hold either form
# (Zeek's dns.log has both ``qtype`` 16 and ``qtype_name`` TXT, and its first column wins)
QTYPE_NUMBERS = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 10: "NULL", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT",
                 25: "KEY", 28: "AAAA", 33: "SRV", 35: "NAPTR", 64: "SVCB", 65: "HTTPS", 99: "SPF", 255: "ANY",
                 65399: "PRIVATE"}
_TYPE_NUMBER = re.compile(r"(?:TYPE)?(\d{1,5})(?:\.0+)?")


def qtype_mnemonic(value: object) -> str:
    """A query type as its upper-case mnemonic: ``txt`` -> ``TXT``, ``16`` / ``16.0`` / ``TYPE16``
    (RFC 3597) -> ``TXT``; an unlisted number becomes ``TYPE<n>``."""
    text = str(value).strip().upper()
    m = _TYPE_NUMBER.fullmatch(text)
    if m is None:
        return text
    n = int(m.group(1))
    return QTYPE_NUMBERS.get(n, f"TYPE{n}")


# query types that ask for something other than an address (a mail gateway's MX / TXT / SPF and
# DKIM look-ups, reverse look-ups, service records); a missing or unknown type counts as an address
NOT_ADDRESS = ("MX", "TXT", "SPF", "SRV", "PTR", "SOA", "NS", "CNAME", "CAA", "TLSA", "DS", "DNSKEY", "NAPTR")


def _grid_lookups(ev_dom: np.ndarray, nd: int, addressed: np.ndarray, no_ans: np.ndarray | None) -> D.GridLookups:
    """Per registered domain: looked up for an address at all, and (with answers) mostly in vain."""
    n_addr = np.bincount(ev_dom[addressed], minlength=nd)
    dead = None
    if no_ans is not None:
        n_dead = np.bincount(ev_dom[addressed & no_ans], minlength=nd)
        dead = (n_addr > 0) & (2 * n_dead > n_addr)
    return D.GridLookups(n_addr > 0, dead)


def _qtype_in(qup: np.ndarray, ev_qcode: np.ndarray, qtypes: tuple[str, ...]) -> np.ndarray:
    """Per event: its query type is one of ``qtypes``. ``qup`` holds the distinct query types in
    upper case and ``ev_qcode`` each event's index into it (-1, the table's last slot: no qtype)."""
    table = np.append(np.isin(qup, qtypes), False)
    return table[ev_qcode]


def _staged_payload(
    arr: pa.Array,
    cols: dict[str, np.ndarray],
    elig: np.ndarray,
    dom_code: np.ndarray,
    ev_name: np.ndarray,
    ev_client: np.ndarray,
    ev_dom: np.ndarray,
    stage_q: np.ndarray,
    queries_per_dom: np.ndarray,
    uniq_sub: np.ndarray,
    decided: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """(per domain: a payload is being staged through it, the reason text) — see ``D.STAGE_*``.

    A run is a set of names under one domain that are equal but for their first label, whose
    first labels are one prefix plus a dense decimal counter (DNSStager: ``<prefix><i>``), or all
    letters of one length of at most four (Cobalt Strike's stager: ``aaa``, ``baa`` ...). Only
    domains with enough unique subdomains and nearly only AAAA/TXT look-ups, not already judged a
    tunnel by the other event rules (``decided``), are read (``elig``: the names context may lift,
    ``domain_stats._eligible``), so an ordinary day pays two
    ``bincount`` calls; runs are counted with group-bys, and only runs long enough are looked at.
    """
    nd = uniq_sub.size
    out = np.zeros(nd, dtype=bool)
    text = np.full(nd, "", dtype=object)
    qt_share = np.bincount(ev_dom[stage_q], minlength=nd) / np.maximum(queries_per_dom, 1)
    cand = (uniq_sub >= D.STAGE_MIN_NAMES) & (qt_share >= D.STAGE_QTYPE_SHARE) & ~decided
    if not cand.any():
        return out, text
    rows = np.flatnonzero(elig & (cols["sub_len"] > 0) & cand[dom_code])
    if rows.size == 0:
        return out, text
    names = pd.Series(arr.take(pa.array(rows)).to_pylist(), dtype=object).str.lower().str.rstrip(".")
    first_rest = names.str.split(".", n=1, expand=True)
    df = pd.DataFrame({"dom": dom_code[rows], "row": rows, "first": first_rest[0], "rest": first_rest[1]})
    counter = df["first"].str.extract(r"^(.{0,40}?)(\d{1,9})$")
    df["prefix"] = counter[0]
    df["num"] = pd.to_numeric(counter[1])
    df["letters"] = df["first"].str.fullmatch(r"[a-z]{1,4}")
    df["flen"] = df["first"].str.len()
    runs: list[tuple[int, np.ndarray, str]] = []
    dec = df.dropna(subset=["num"])
    keys = ["dom", "rest", "prefix"]
    size = dec.groupby(keys, sort=False)["num"].transform("size")
    for (dom, _rest, prefix), g in dec[size >= D.STAGE_MIN_NAMES].groupby(keys, sort=False):
        nums = np.unique(g["num"].to_numpy(dtype=np.int64))
        lo, hi = int(nums[0]), int(nums[-1])
        if nums.size >= D.STAGE_MIN_NAMES and nums.size / (hi - lo + 1) >= D.STAGE_DENSITY:
            runs.append((int(dom), g["row"].to_numpy(), f"'{prefix}{lo}' .. '{prefix}{hi}'"))
    let = df[df["letters"]]
    keys = ["dom", "rest", "flen"]
    size = let.groupby(keys, sort=False)["row"].transform("size")
    for (dom, _rest, _flen), g in let[size >= D.STAGE_MIN_NAMES].groupby(keys, sort=False):
        labels = sorted(g["first"])
        runs.append((int(dom), g["row"].to_numpy(), f"'{labels[0]}' .. '{labels[-1]}'"))
    for dom, run_rows, span in runs:
        if out[dom] or run_rows.size < D.STAGE_NAME_SHARE * uniq_sub[dom]:
            continue
        in_run = np.zeros(cols["sub_len"].size, dtype=bool)
        in_run[run_rows] = True
        ev = in_run[ev_name] & (ev_client >= 0)
        per_client = np.bincount(ev_client[ev])
        if per_client.size == 0 or per_client.max() < D.STAGE_CLIENT_SHARE * ev.sum():
            continue
        out[dom] = True
        text[dom] = (
            f"one client resolved {run_rows.size:,} names under this domain that differ only in a counter in "
            f"their first label ({span}), {100 * qt_share[dom]:.0f}% of the domain's look-ups AAAA/TXT: "
            "a payload read in chunks from DNS answers (staging, as DNSStager and Cobalt Strike's DNS stager do)"
        )
    return out, text


def _host_names_not_devices(
    arr: pa.Array,
    cols: dict[str, np.ndarray],
    R: list,
    ev_name: np.ndarray,
    ev_client: np.ndarray,
    clients: np.ndarray,
    queries_per_name: np.ndarray,
    dom_code: np.ndarray,
    nd: int,
) -> None:
    """Lift names cleared as computer names to ``tunnel`` where their zone reads as a tunnel
    dressed as a fleet (``domain_stats.HOSTNAME_TUNNEL_*``): many such names, one or two clients,
    each name resolved once or twice, and (almost) none of them the host label of a client in these events.

    The suppression is what lets such a tunnel pass; the events are what a name alone lacks. Its
    "benign family" reason is taken off the lifted names, whose verdict now says the opposite.
    """
    host = (cols["suppressed_family"] == "windows_hostname") & (cols["sub_len"] > 0)
    n_host = np.bincount(dom_code[host], minlength=nd)
    cand = n_host >= D.HOSTNAME_TUNNEL_MIN
    if not cand.any():
        return
    rows = np.flatnonzero(host & cand[dom_code])
    d_rows = dom_code[rows]
    first_labels = pc.list_element(pc.split_pattern(arr.take(np_to_arrow(rows)), ".", max_splits=1), 0)
    labels = pc.utf8_lower(first_labels)
    devices = {str(c).lower().split(".", 1)[0] for c in clients}
    known = np.fromiter((lab in devices for lab in labels.to_pylist()), dtype=bool, count=rows.size)
    n_known = np.bincount(d_rows[known], minlength=nd)
    n_once = np.bincount(d_rows[queries_per_name[rows] <= 2], minlength=nd)
    of_rows = np.zeros(len(arr), dtype=bool)
    of_rows[rows] = True
    ev = of_rows[ev_name] & (ev_client >= 0)
    d_u, _ = _pair_unique(dom_code[ev_name[ev]], ev_client[ev], max(len(clients), 1))
    n_clients = np.bincount(d_u, minlength=nd)
    fire = (
        cand
        & (n_known <= D.HOSTNAME_TUNNEL_KNOWN * n_host)
        & (n_clients >= 1)
        & (n_clients <= D.HOSTNAME_TUNNEL_CLIENTS)
        & (n_once >= D.HOSTNAME_TUNNEL_ONCE * n_host)
    )
    if not fire.any():
        return
    lifted = host & fire[dom_code]
    D.lift(cols, lifted, "tunnel", 0.75)
    cols["suppressed_family"][lifted] = ""
    for i, (idx, text) in enumerate(R):
        first = text if isinstance(text, str) else (text[0].as_py() if len(text) else "")
        if first.startswith(SUPPRESSED_REASON) and idx.size:
            keep = ~lifted[idx]
            R[i] = (idx[keep], text if isinstance(text, str) else text.filter(np_to_arrow(keep)))
    R.append(
        _reason(
            lifted,
            "",
            _fmt(n_host[dom_code]),
            " names under this domain are shaped like computer names, resolved by ",
            _fmt(n_clients[dom_code]),
            " client(s), each once or twice, and ",
            _fmt(n_known[dom_code]),
            " of them a device in these events (data dressed as host names)",
        )
    )


PREFIX_MAX = 6


def _burst_shape(cols: dict[str, np.ndarray], unanswered: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(names shaped like a DGA's look-up, length of their registered label plus its dot).

    Most DGAs resolve the bare registered domain; some put one fixed short label in front
    (Fosniw's ``appx.koreasys57.com``). A page's ``www.``/``cdn.``/``static.`` names look the same,
    so prefixed names count only where the log says they went unanswered."""
    reg_part = cols["name_len"] - cols["suffix_len"] - cols["sub_len"] - cols["n_sub_labels"]
    shape = cols["sub_len"] == 0
    if unanswered is not None:
        shape = shape | ((cols["n_sub_labels"] == 1) & (cols["sub_len"] <= PREFIX_MAX) & (unanswered >= 0.5))
    return shape, reg_part


def _window_grids(ts_ns: np.ndarray, width_ns: int) -> list[np.ndarray]:
    """Window numbers on two grids of the same width, the second shifted by half a width.

    On one grid a burst that straddles a boundary (thirty look-ups, or 6,000 bytes of questions,
    from 00:50 to 01:10) falls into two windows that each hold half of it; any burst no longer than
    half a window lies whole in one window of one grid. Per-window counts take the busiest window
    of either grid."""
    return [ts_ns // width_ns, (ts_ns + width_ns // 2) // width_ns]


def _client_dga_burst(
    cols: dict[str, np.ndarray],
    R: list,
    ev_name: np.ndarray,
    ev_client: np.ndarray,
    ts_ns: np.ndarray,
    clients: np.ndarray,
    window: str,
    clients_per_domain: np.ndarray,
    unanswered: np.ndarray | None,
    dom_code: np.ndarray,
    unfamiliar: np.ndarray,
    shape: np.ndarray,
    reg_part: np.ndarray,
) -> None:
    """Lift borderline registered labels looked up in bursts by one client.

    A host running a DGA resolves dozens of distinct never-seen registered domains per hour, almost
    all of which fail. So a name only counts towards a burst when it is an unfamiliar registered
    domain, bare or (unanswered) behind one short label (``_burst_shape``), that mostly got no
    answer. Where the log has no answers, the name must also be one that at most two clients
    resolved: nobody else looks a DGA's names up. With answers that cap is not applied, because
    a date-seeded DGA on three infected hosts makes all three look the same names up, and the cap
    silenced the rule exactly when an outbreak spread. Then ``DGA_BURST`` at least mildly random-looking
    labels make a burst; without the look, only the answers speak: ``DICT_BURST`` labels of 9+
    characters (word-like dictionary DGAs: Suppobox, Matsnu) or ``SHORT_BURST`` shorter ones
    (QSnatch's 3-5 characters, too short for the character model). A mail gateway or proxy
    resolving many unfamiliar partner domains gets answers, an implant cycling through its list
    does not. A burst must also be ``BURST_SHARE`` of the unfamiliar domains the client looked up
    in that window, or a proxy logged as one client would burst every hour on its dead look-ups.
    ``unfamiliar`` (DGA-eligible names), ``shape`` and ``reg_part`` (``_burst_shape``): as
    ``score_events`` chose the domains to measure by them.
    """
    base = unfamiliar & shape & (cols["verdict"] != "tunnel")
    looks = (cols["reg_bits"] >= D.DGA_BURST_BITS) & (reg_part > 5)
    if unanswered is not None:
        base &= unanswered >= 0.5
    else:
        few = (clients_per_domain <= 2)[dom_code]
        shared = _same_clients(ev_name, ev_client, len(clients), dom_code, base & looks & ~few)
        base &= few | shared[dom_code]
    randomish = base & looks
    rules = [(randomish, D.DGA_BURST, "random-looking")]
    if unanswered is not None:
        long_label = reg_part > 8
        rules += [
            (base & long_label, D.DICT_BURST, "unanswered, unfamiliar (not in the popular list)"),
            (base & ~long_label, D.SHORT_BURST, "unanswered, unfamiliar (not in the popular list) short"),
        ]
    found = [
        (_burst_candidates(ev_name, ev_client, ts_ns, window, dom_code, names, least), what)
        for names, least, what in rules
    ]
    found = [(burst, what) for burst, what in found if not burst.empty]
    if not found:
        return
    # with answers, every unanswered name of the shape speaks for a DGA; without, only the look does
    telling = base if unanswered is not None else randomish
    candidates = np.unique(np.concatenate([burst["c"].to_numpy() for burst, _ in found]))
    passing = _share_passing(ev_name, ev_client, ts_ns, window, dom_code, telling, unfamiliar, candidates)
    for burst, what in found:  # in rule order: the first rule to convict a name gives its reason
        burst = burst[pd.MultiIndex.from_frame(burst[_WINDOW_KEY]).isin(passing)]
        if not burst.empty:
            _lift_burst(cols, R, burst, clients, window, what)


_WINDOW_KEY = ["c", "o", "w"]  # a client's window on one grid


def _same_clients(
    ev_name: np.ndarray, ev_client: np.ndarray, n_clients: int, dom_code: np.ndarray, names: np.ndarray
) -> np.ndarray:
    """Per registered domain: whether it is one of ``OUTBREAK_SAME_CLIENTS`` or more domains of
    ``names`` that exactly the same clients looked up, no more than ``OUTBREAK_FLEET_SHARE`` of them.

    Why: without answers, a DGA's names on three infected hosts look like any name three hosts
    share. What sets an outbreak apart is that the hosts share the whole list: each of its domains
    has the same set of clients, where the names on a web page reach a different set of readers
    each. A set is compared by a sum of per-client random 64-bit keys (and its size)."""
    nd = int(dom_code.max()) + 1 if dom_code.size else 0
    out = np.zeros(nd, dtype=bool)
    if not names.any():
        return out
    mine = np.bincount(dom_code[names], minlength=nd) > 0
    ev_dom = dom_code[ev_name]
    m = mine[ev_dom] & (ev_client >= 0)  # every look-up under those domains: "nobody else"
    d, c = _pair_unique(ev_dom[m], ev_client[m], max(n_clients, 1))
    keys = np.random.default_rng(0).integers(0, 2**63, size=max(n_clients, 1), dtype=np.int64).view(np.uint64)
    sig = np.zeros(nd, dtype=np.uint64)
    np.add.at(sig, d, keys[c])  # wraps modulo 2**64
    size = np.bincount(d, minlength=nd)
    ok = (size >= 3) & (size <= max(3, D.OUTBREAK_FLEET_SHARE * n_clients))
    doms = np.flatnonzero(ok)
    if not doms.size:
        return out
    groups = pd.DataFrame({"s": sig[doms], "k": size[doms]})
    members = groups.groupby(["s", "k"], sort=False)["s"].transform("size").to_numpy()
    out[doms[members >= D.OUTBREAK_SAME_CLIENTS]] = True
    return out


def _client_windows(
    ev_name: np.ndarray, ev_client: np.ndarray, ts_ns: np.ndarray, m: np.ndarray, window: str, dom_code: np.ndarray
) -> pd.DataFrame:
    """Name ``n``, its registered domain ``d``, client ``c`` and window ``w`` of grid ``o``
    (``_window_grids``) of the events in ``m``, once each."""
    names = ev_name[m]
    grids = _window_grids(ts_ns[m], _window_ns(window))
    return pd.concat(
        [
            pd.DataFrame({"n": names, "d": dom_code[names], "c": ev_client[m], "o": o, "w": w})
            for o, w in enumerate(grids)
        ],
        ignore_index=True,
    ).drop_duplicates()


def _burst_candidates(
    ev_name: np.ndarray,
    ev_client: np.ndarray,
    ts_ns: np.ndarray,
    window: str,
    dom_code: np.ndarray,
    elig: np.ndarray,
    threshold: int,
) -> pd.DataFrame:
    """The ``_client_windows`` rows of ``elig`` names in client windows holding ``threshold`` or
    more distinct registered domains of them (``k``): ``koreasys57.com`` and ``www.koreasys57.com``
    are one."""
    m = elig[ev_name] & (ev_client >= 0)
    if not m.any():
        return pd.DataFrame(columns=["n", "d", *_WINDOW_KEY, "k"])
    g = _client_windows(ev_name, ev_client, ts_ns, m, window, dom_code)
    cnt = g.groupby(_WINDOW_KEY, sort=False)["d"].transform("nunique").to_numpy()
    return g.assign(k=cnt)[cnt >= threshold]


def _share_passing(
    ev_name: np.ndarray,
    ev_client: np.ndarray,
    ts_ns: np.ndarray,
    window: str,
    dom_code: np.ndarray,
    telling: np.ndarray,
    unfamiliar: np.ndarray,
    candidates: np.ndarray,
) -> pd.Index:
    """The windows of the ``candidates`` clients where the registered domains of names that speak
    for a DGA (``telling``) are at least ``BURST_SHARE`` of all the unfamiliar ones they looked up."""
    mine = np.isin(ev_client, candidates)
    count = [
        _client_windows(ev_name, ev_client, ts_ns, of[ev_name] & mine, window, dom_code)
        .groupby(_WINDOW_KEY, sort=False)["d"]
        .nunique()
        for of in (telling, unfamiliar)
    ]
    among = count[1]
    told = count[0].reindex(among.index, fill_value=0)
    return among.index[told.to_numpy() >= D.BURST_SHARE * among.to_numpy()]


def _lift_burst(
    cols: dict[str, np.ndarray], R: list, burst: pd.DataFrame, clients: np.ndarray, window: str, what: str
) -> None:
    """Lift a rule's burst names to ``dga``, each with its largest burst as the reason."""
    best = burst.sort_values("k", ascending=False).drop_duplicates("n")
    idx = best["n"].to_numpy()
    n = cols["verdict"].size
    mask = np.zeros(n, dtype=bool)
    mask[idx] = True
    k = np.zeros(n, dtype=np.int64)
    k[idx] = best["k"].to_numpy()
    who = np.full(n, "", dtype=object)
    who[idx] = clients[best["c"].to_numpy()]
    cols.setdefault("_burst_done", np.zeros(n, dtype=bool))
    D.lift(cols, mask & (cols["verdict"] != "dga"), "dga", 0.7)
    R.append(
        _reason(
            mask & ~cols["_burst_done"],
            "client ",
            pa.array(who, pa.large_string()),
            " looked up ",
            _fmt(k),
            f" distinct {what} registered domains within ",
            window,
            " (DGA burst)",
        )
    )
    cols["_burst_done"] = cols["_burst_done"] | mask


def _domain_flags(
    flags: pd.DataFrame, ctx: pd.DataFrame, batch: dict[str, np.ndarray], dom_code: np.ndarray
) -> pd.DataFrame:
    """One row per registered domain: worst name verdict, max score, counts and the top reasons.

    ``ctx`` and ``batch`` are indexed by domain code, as is ``dom_code`` per name, so everything
    lines up by position (no joins on domain strings).
    """
    rank = {"tunnel": 0, "dga": 1, "suspicious": 2, "benign": 3, "invalid": 4}
    r = flags["verdict"].map(rank).to_numpy()
    order = np.lexsort((-flags["score"].to_numpy(), r, dom_code))
    first = np.ones(order.size, dtype=bool)
    first[1:] = dom_code[order][1:] != dom_code[order][:-1]
    top_rows = order[first]  # one per domain code, in code order 0..nd-1
    counts = np.bincount(dom_code[r <= 2], minlength=len(ctx))
    top = flags.iloc[top_rows]
    out = pd.DataFrame(
        {
            "registered_domain": ctx["registered_domain"].to_numpy(),
            "verdict": top["verdict"].to_numpy(),
            "score": top["score"].to_numpy(),
            "reasons": top["reasons"].to_numpy(),
            "example_name": top["name"].to_numpy(),
            "flagged_names": counts,
        }
    )
    for c in ctx.columns:
        if c != "registered_domain":
            out[c] = ctx[c].to_numpy()
    out["encoded_subdomains"] = batch["encoded_subdomains"]
    out["long_payload_names"] = batch["long_payload_names"]
    out = out.sort_values(["score", "queries"], ascending=[False, False]).reset_index(drop=True)
    return out


FLAGGED = ("tunnel", "dga", "suspicious")
VERDICT_WEIGHT = {"tunnel": 3.0, "dga": 2.0, "suspicious": 1.0}


def findings_first(domains: pd.DataFrame, verdicts: tuple[str, ...] = FLAGGED) -> pd.DataFrame:
    """The domains of these ``verdicts``, tunnels first, then DGA, then suspicious, each by score (then
    queries).

    Why: one infected host's DGA yields a hundred domains scored 0.99, and sorted by score alone they
    push the day's one tunnel (a canary token that fired, an exfiltration) out of a 15-row preview.
    """
    hot = domains[domains["verdict"].isin(verdicts)]
    keys = pd.DataFrame({"rank": hot["verdict"].map(VERDICT_WEIGHT).astype(float),
                         "score": hot["score"].astype(float)}, index=hot.index)
    if "queries" in hot.columns:
        keys["queries"] = hot["queries"].fillna(0).astype(float)
    return hot.loc[keys.sort_values(list(keys.columns), ascending=False, kind="stable").index]


_REASON_VALUES = re.compile(r"'[^']*'|\d+(?:\.\d+)?")


def reason_shape(reasons: str) -> str:
    """A finding's reasons with their quoted labels and numbers taken out (``#``): which kinds of evidence,
    not which domain or how much."""
    return _REASON_VALUES.sub("#", reasons)


def findings_preview(
    domains: pd.DataFrame, rows: int = 15, by: pd.Series | None = None, verdicts: tuple[str, ...] = FLAGGED
) -> pd.DataFrame:
    """``findings_first``'s domains for a short preview: within each verdict, the findings take turns by
    ``by`` (per registered domain, e.g. ``principal_clients``: who looked it up), each group's best first;
    without ``by``, by the shape of their reasons (``reason_shape``).

    Why: one infected host's random-letter DGA yields a hundred domains at 0.99 and would fill a 15-row
    preview, hiding another host's dictionary DGA at 0.7: the hunter should meet every campaign of the
    day in the preview, not only the loudest.
    """
    hot = findings_first(domains, verdicts)
    if hot.empty:
        return hot
    if by is not None:
        group = hot["registered_domain"].map(by).fillna("").astype(str)
    elif "reasons" in hot.columns:
        group = hot["reasons"].fillna("").astype(str).map(reason_shape)
    else:
        return hot.head(rows)
    keys = pd.DataFrame({
        "rank": -hot["verdict"].map(VERDICT_WEIGHT).astype(float).to_numpy(),
        "turn": hot.groupby([hot["verdict"].to_numpy(), group.to_numpy()], sort=False).cumcount().to_numpy(),
        "position": np.arange(len(hot)),
    })
    order = keys.sort_values(["rank", "turn", "position"], kind="stable").index.to_numpy()
    return hot.iloc[order[:rows]]


def principal_clients(events: pd.DataFrame, domains: pd.DataFrame, names: pd.DataFrame | None = None,
                      verdicts: tuple[str, ...] = FLAGGED) -> pd.Series:
    """Per flagged registered domain, the client that looked it up most (ties: the first in sort order):
    which host a finding belongs to, for ``findings_preview``. Empty without a client column."""
    if "client" not in events.columns or domains.empty:
        return pd.Series(dtype=object)
    flagged = set(domains.loc[domains["verdict"].isin(verdicts), "registered_domain"])
    codes, doms = _name_domains(events, names)
    if doms.size == 0 or not flagged:
        return pd.Series(dtype=object)
    keep = pd.Series(doms, dtype=object).isin(flagged).to_numpy()
    m = (codes >= 0) & keep[np.maximum(codes, 0)]
    if not m.any():
        return pd.Series(dtype=object)
    rows = np.flatnonzero(m)  # the flagged domains' look-ups only: a day's client column as objects is gigabytes
    pairs = pd.DataFrame({"domain": doms[codes[rows]],
                          "client": events["client"].iloc[rows].astype(object).to_numpy()}).dropna()
    counts = pairs.groupby(["domain", "client"]).size().rename("n").reset_index()
    top = counts.sort_values(["domain", "n", "client"], ascending=[True, False, True]).drop_duplicates("domain")
    return pd.Series(top["client"].to_numpy(), index=top["domain"].to_numpy(), dtype=object)


def _name_domains(events: pd.DataFrame, names: pd.DataFrame | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(per row: code of its name, -1 when missing; per distinct name: its registered domain).

    ``names``: the per-name flags ``score_events`` returned for these events; their
    ``registered_domain`` is reused instead of parsing every distinct name again.
    """
    codes, _uniq, doms = _names_and_domains(events, names)
    return codes, doms


def _names_and_domains(
    events: pd.DataFrame, names: pd.DataFrame | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_name_domains`` with the distinct names themselves in the middle."""
    from hunt_assets.analytics.dns.names import binary_to_str, parse, registered_domains, to_binary_array

    name = events["name"]
    codes, uniq = _codes(name if is_categorical(name) else name.where(name.notna(), None))
    if uniq.size == 0:
        return codes, uniq, np.array([], dtype=object)
    if names is not None and {"name", "registered_domain"} <= set(names.columns):
        known = pd.Index(names["name"]).get_indexer(uniq)
        if (known >= 0).all():
            return codes, uniq, names["registered_domain"].to_numpy(dtype=object)[known]
    p = parse(to_binary_array(pa.array(list(uniq), pa.large_string())))
    doms = np.asarray(binary_to_str(registered_domains(p)).to_numpy(zero_copy_only=False), dtype=object)
    return codes, uniq, doms


def mark_resolved(domains: pd.DataFrame, events: pd.DataFrame, names: pd.DataFrame | None = None) -> pd.DataFrame:
    """Add ``resolved``: whether any look-up of the domain (or a subdomain) got an address back.

    Why: a DGA host tries hundreds of names and almost all are NXDOMAIN; the one that resolves is the
    live C2 and worth an investigation, the rest are evidence of the infected host, not infrastructure.
    A name counts for its registered domain as the scorer parsed it (public suffix list, escapes,
    trailing dot), so the answer is decided once per distinct name, never per look-up.
    """
    out = domains.copy()
    if out.empty or "answers" not in events.columns:
        out["resolved"] = False
        return out
    has_answer = per_value(events["answers"], lambda a: a.astype(str) != "")
    codes, regs = _name_domains(events, names)
    answered = np.bincount(codes[has_answer & (codes >= 0)], minlength=regs.size) > 0
    out["resolved"] = out["registered_domain"].isin(set(regs[answered]))
    return out


def event_domains(events: pd.DataFrame, parsed: tuple[np.ndarray, np.ndarray] | None = None) -> pd.Series:
    """Registered domain per event row (each distinct name parsed once).

    ``parsed``: ``(codes, domains)`` as ``_name_domains`` returns them, when the caller has them.
    """
    codes, doms = _name_domains(events) if parsed is None else parsed
    if doms.size == 0:
        return pd.Series([None] * len(events), index=events.index, dtype=object)
    out = np.where(codes >= 0, doms[np.maximum(codes, 0)], None)
    return pd.Series(out, index=events.index, dtype=object)


_BYPASS_COLUMNS = ["client", "encrypted_dns_lookups", "encrypted_dns", "first_seen", "last_seen"]


def encrypted_dns_by_client(events: pd.DataFrame, names: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per client: look-ups of encrypted-DNS resolvers and their canaries (``resolvers``): the hosts whose
    later look-ups this log may not see. The endpoints are named, busiest first (at most three).

    ``names``: the per-name flags of these events, to reuse their registered domains.
    """
    if "client" not in events.columns or "name" not in events.columns or len(events) == 0:
        return pd.DataFrame(columns=_BYPASS_COLUMNS)
    return _encrypted_dns(events, *_names_and_domains(events, names))


def _encrypted_dns(events: pd.DataFrame, codes: np.ndarray, uniq: np.ndarray, doms: np.ndarray) -> pd.DataFrame:
    from hunt_assets.analytics.dns.resolvers import endpoint_labels

    cols = _BYPASS_COLUMNS
    labels = endpoint_labels(uniq, doms)
    hit = np.append(labels != "", False)[codes]  # code -1 (missing name) reads the False slot
    if not hit.any():
        return pd.DataFrame(columns=cols)
    client = events["client"].to_numpy(dtype=object)[hit]
    ev = pd.DataFrame({"client": client, "endpoint": labels[codes[hit]]})
    if "timestamp" in events.columns:
        ev["timestamp"] = pd.to_datetime(events["timestamp"].to_numpy()[hit], utc=True, errors="coerce")
    else:
        ev["timestamp"] = pd.NaT
    ev = ev[pd.notna(ev["client"]) & (ev["client"].astype(str) != "")]
    if ev.empty:
        return pd.DataFrame(columns=cols)
    g = ev.groupby("client", sort=False)
    per = ev.groupby(["client", "endpoint"], sort=False).size().rename("n").reset_index()
    out = pd.DataFrame(
        {
            "encrypted_dns_lookups": g.size(),
            "encrypted_dns": _busiest_first(per, "client", "endpoint"),
            "first_seen": g["timestamp"].min(),
            "last_seen": g["timestamp"].max(),
        }
    )
    return out.reset_index(names="client")[cols]


# summarize_hosts' columns that only the hunts fill (alerts, the encrypted-DNS connection hunt): a
# DNS log alone leaves them 0 or empty, so score-dns --hosts does not print them
HUNT_ONLY_HOST_COLUMNS = ("alerts", "encrypted_dns_connections", "encrypted_dns_connected_to",
                          "encrypted_dns_processes", "encrypted_dns_other_processes")


def summarize_hosts(
    events: pd.DataFrame,
    domain_flags: pd.DataFrame,
    alerts: pd.DataFrame | None = None,
    encrypted_connections: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Per client/device: look-ups of flagged domains, distinct flagged domains, alerts, priority.

    The notebook listed "hosts observed communicating" with flagged domains; here each host gets
    a priority so the planted tunnel and DGA hosts sort first: sum over its flagged domains of
    verdict weight x domain score, plus log volume, plus a bonus for alerts on the same device.
    Hosts that looked up an encrypted-DNS resolver are listed too (``encrypted_dns``), flagged or
    not, with a small bonus (``BYPASS_PRIORITY``): their later look-ups may not be in this log, so
    a clean verdict says less about them. First and last seen span everything that lists the host.

    ``encrypted_connections``: rows of the ``encrypted_dns_connections`` hunt (``DeviceName``,
    ``FileName``, ``Connections``): the resolvers reached without a look-up (by address, or DoT on 853)
    list a host too, with the resolvers they reached and the processes that made them. A capture's
    connections (``score-dns --hosts``) come without ``FileName``: no process is named or judged; beside an
    endpoint's rows, they come marked ``Sensor``, judged by their rate as alone. Processes that are
    neither browsers nor DNS software (``resolvers.process_kind``) are listed again in
    ``encrypted_dns_other_processes`` and add ``OTHER_PROCESS_PRIORITY``: a program resolving over HTTPS by
    itself is how a DoH tunnel looks.
    """
    cols = [
        "client",
        "lookups_flagged",
        "distinct_flagged_domains",
        "tunnel_domains",
        "dga_domains",
        "first_seen",
        "last_seen",
        "alerts",
        "top_domains",
        "encrypted_dns_lookups",
        "encrypted_dns",
        "encrypted_dns_connections",
        "encrypted_dns_connected_to",
        "encrypted_dns_processes",
        "encrypted_dns_other_processes",
        "priority",
    ]
    if "client" not in events.columns or "name" not in events.columns:
        return pd.DataFrame(columns=cols)
    codes, uniq, doms = _names_and_domains(events)  # every distinct name parsed once, for both parts
    out = _flagged_by_client(events, event_domains(events, (codes, doms)), domain_flags)
    bypass = _encrypted_dns(events, codes, uniq, doms).set_index("client")
    conns = _encrypted_connections(encrypted_connections)
    if out.empty and bypass.empty and conns.empty:
        return pd.DataFrame(columns=cols)
    both = out.index.union(bypass.index, sort=False).union(conns.index, sort=False)
    out = out.reindex(both)
    for c in ("first_seen", "last_seen"):  # NaT-safe: the earliest / latest of any kind of evidence
        pair = pd.concat([out[c], bypass[c].reindex(both), conns[c].reindex(both)], axis=1)
        out[c] = pair.min(axis=1) if c == "first_seen" else pair.max(axis=1)
    out["encrypted_dns_lookups"] = bypass["encrypted_dns_lookups"].reindex(both).fillna(0).astype(np.int64)
    out["encrypted_dns"] = bypass["encrypted_dns"].reindex(both).fillna("")
    out["encrypted_dns_connections"] = conns["connections"].reindex(both).fillna(0).astype(np.int64)
    out["encrypted_dns_connected_to"] = conns["connected_to"].reindex(both).fillna("")
    out["encrypted_dns_processes"] = conns["processes"].reindex(both).fillna("")
    out["encrypted_dns_other_processes"] = conns["other_processes"].reindex(both).fillna("")
    counts = ["lookups_flagged", "distinct_flagged_domains", "tunnel_domains", "dga_domains"]
    out[counts] = out[counts].fillna(0).astype(np.int64)
    out["top_domains"] = out["top_domains"].fillna("")
    out["alerts"] = 0
    if alerts is not None and not alerts.empty:
        key = next((c for c in ("DeviceName", "client", "device") if c in alerts.columns), None)
        if key is not None:
            out["alerts"] = alerts.groupby(key).size().reindex(out.index).fillna(0).astype(np.int64)
    out["priority"] = (
        3.0 * out["capped"].fillna(0)
        + np.log1p(out["lookups_flagged"])
        + 2.0 * np.log1p(out["alerts"])
        + BYPASS_PRIORITY * ((out["encrypted_dns_lookups"] > 0) | (out["encrypted_dns_connections"] > 0))
        + OTHER_PROCESS_PRIORITY * ((out["encrypted_dns_other_processes"] != "")
                                    | conns["steady"].reindex(out.index).fillna(False).astype(bool))
    ).round(3)
    out = out.reset_index(names="client").sort_values("priority", ascending=False, kind="stable")
    return out.reset_index(drop=True)[cols]


# a host that may resolve past this log ranks above hosts with nothing, below one flagged domain
# (a single DGA domain at score 0.7 adds 3 * log1p(1.4) + log1p(1) = 3.3)
BYPASS_PRIORITY = 1.0
# a process that is neither a browser nor DNS software resolving over HTTPS/TLS by itself is the shape of a
# DoH tunnel or C2: with the bypass bonus it ranks like one flagged DGA domain (3.3), below a host with a
# tunnel or a DGA day, above every host whose only finding is a browser's secure DNS
OTHER_PROCESS_PRIORITY = 2.5


def _encrypted_connections(hunt: pd.DataFrame | None) -> pd.DataFrame:
    """Per device (index): connections to encrypted-DNS resolvers, whose resolvers they reached
    (``connected_to``: ``Google Public DNS over HTTPS (397)``, see ``_resolver_labels``), the processes that
    made them (``chrome.exe (27)``, busiest first, at most three), those of them that are neither browsers nor DNS
    software (``other_processes``, see ``_other_processes``), and when they were first and last seen (the
    hunt's ``FirstSeen`` / ``LastSeen``; a table without them gives its hours, ``Timestamp``)."""
    empty = pd.DataFrame(columns=["connections", "connected_to", "processes", "other_processes", "first_seen",
                                  "last_seen", "steady"], index=pd.Index([], dtype=object, name="client"))
    need = {"DeviceName", "Connections"}
    if hunt is None or hunt.empty or not need <= set(hunt.columns):
        return empty
    h = hunt[hunt["DeviceName"].notna() & (hunt["DeviceName"].astype(str) != "")]
    if h.empty:
        return empty
    h = h.assign(resolver=_resolver_labels(h))
    if "FileName" not in h.columns:  # a sensor's connections (a capture, Zeek, Suricata): no processes
        out = h.groupby("DeviceName")["Connections"].sum().astype(np.int64).rename("connections").to_frame()
        out["processes"] = out["other_processes"] = ""
        return _connections_seen(h, out, empty, _steady_rate(h[h["resolver"] != ""].assign(label=h["resolver"])))
    sensor = h["Sensor"].fillna(False).astype(bool) if "Sensor" in h.columns else pd.Series(False, index=h.index)
    named, unnamed = h[~sensor], h[sensor]  # an endpoint's rows name the process; a sensor's beside them do not
    per = (named.assign(FileName=named["FileName"].fillna("").astype(str).replace("", "unknown process"))
           .groupby(["DeviceName", "FileName"])["Connections"].sum().rename("n").reset_index())
    per["text"] = per["FileName"] + " (" + per["n"].astype(int).astype(str) + ")"
    processes = (_busiest_first(per, "DeviceName", "FileName", "text") if len(per)  # devices: busiest process first
                 else pd.Series(dtype=object))
    devices = processes.index.append(pd.Index(unnamed["DeviceName"].unique()).difference(processes.index, sort=False))
    out = pd.DataFrame({"connections": h.groupby("DeviceName")["Connections"].sum().reindex(devices).astype(np.int64),
                        "processes": processes.reindex(devices).fillna("")})
    out["other_processes"] = _other_processes(named).reindex(out.index).fillna("")
    unnamed = unnamed[unnamed["resolver"] != ""]
    return _connections_seen(h, out, empty, _steady_rate(unnamed.assign(label=unnamed["resolver"])))


def _connections_seen(h: pd.DataFrame, out: pd.DataFrame, empty: pd.DataFrame,
                      steady: dict[tuple[str, str], str] | None = None) -> pd.DataFrame:
    """``out`` (per device) with where its connections went and when, in ``empty``'s column order.
    ``steady`` (``_steady_rate`` per device and resolver, for a source that names no process): the note
    joins the resolver's count, and ``steady`` says the device has one -- without a process to judge, a
    program on a timer is told from a browser by its rate alone."""
    where = h[h["resolver"] != ""].groupby(["DeviceName", "resolver"])["Connections"].sum().rename("n").reset_index()
    notes = [(steady or {}).get(k, "") for k in zip(where["DeviceName"], where["resolver"], strict=True)]
    where["text"] = where["resolver"] + " (" + where["n"].astype(int).astype(str) + pd.Series(notes, index=where.index,
                                                                                           dtype=object) + ")"
    out["steady"] = pd.Series(True, index=sorted({d for d, _ in (steady or {})}), dtype=bool).reindex(
        out.index).fillna(False).astype(bool)
    out["connected_to"] = (_busiest_first(where, "DeviceName", "resolver", "text") if not where.empty
                           else pd.Series(dtype=object)).reindex(out.index).fillna("")
    for col, fallback, how in (("first_seen", "FirstSeen", "min"), ("last_seen", "LastSeen", "max")):
        src = fallback if fallback in h.columns else "Timestamp" if "Timestamp" in h.columns else None
        when = (pd.to_datetime(h[src], utc=True, errors="coerce") if src is not None
                else pd.Series(pd.NaT, index=h.index, dtype="datetime64[ns, UTC]"))
        out[col] = when.groupby(h["DeviceName"]).agg(how).reindex(out.index)
    out.index = out.index.astype(object)
    out.index.name = "client"
    return out[list(empty.columns)]


def _resolver_labels(h: pd.DataFrame) -> pd.Series:
    """Per hunt row: where the connection went (``resolvers.connection_label``), labelled once per distinct
    address, URL and port; empty for a table without them (an older warehouse)."""
    from hunt_assets.analytics.dns.resolvers import connection_label

    if not {"RemoteIP", "RemoteUrl", "ServerName"} & set(h.columns):
        return pd.Series("", index=h.index, dtype=object)

    def text(col: str) -> pd.Series:  # missing values as "", which connection_label reads as missing
        if col not in h.columns:
            return pd.Series("", index=h.index, dtype=object)
        return h[col].astype(object).where(h[col].notna(), "").astype(str)

    keys = list(zip(text("RemoteIP"), text("RemoteUrl"), text("RemotePort"), text("Protocol"), text("ServerName"),
                    strict=True))
    labels = {k: connection_label(*k) for k in set(keys)}
    return pd.Series([labels[k] for k in keys], index=h.index, dtype=object)


def _other_processes(h: pd.DataFrame) -> pd.Series:
    """Per device: the processes on encrypted DNS that are neither browsers nor DNS software
    (``resolvers.process_kind``, judged per image path and company when the hunt gives them), as
    ``<path or name> (<connections>)``, busiest first, at most three."""
    from hunt_assets.analytics.dns.resolvers import OTHER_PROCESS, process_kind

    keys = ["DeviceName", "FileName"] + [c for c in ("FolderPath", "Company") if c in h.columns]
    h = h.assign(**{c: h[c].fillna("").astype(str) for c in keys[1:]})  # once, for the images and their hours
    g = h.groupby(keys)["Connections"].sum().rename("n").reset_index()
    path, company = (g[c] if c in g.columns else pd.Series("", index=g.index) for c in ("FolderPath", "Company"))
    known = "Company" in g.columns  # a source without it (Sysmon 3) does not say "no version info"
    kinds = [process_kind(f, p, c, known) for f, p, c in zip(g["FileName"], path, company, strict=True)]  # per image
    g = g[np.array(kinds, dtype=object) == OTHER_PROCESS]
    if g.empty:
        return pd.Series(dtype=object)
    g = g.assign(label=path[g.index].where(path[g.index] != "", g["FileName"]).replace("", "unknown process"))
    rows = h.merge(g[[*keys, "label"]], on=keys, how="inner")  # the listed images' hunt rows, once for both notes
    steady = _steady_rate(rows)
    to = _resolvers_of_images(rows)
    g = g.groupby(["DeviceName", "label"])["n"].sum().reset_index()
    note = [to.get(k, "") + steady.get(k, "") for k in zip(g["DeviceName"], g["label"], strict=True)]
    g["text"] = g["label"] + " (" + g["n"].astype(int).astype(str) + pd.Series(note, index=g.index) + ")"
    return _busiest_first(g, "DeviceName", "label", "text")


def _resolvers_of_images(rows: pd.DataFrame) -> dict[tuple[str, str], str]:
    """``{(device, label): " to Google Public DNS over HTTPS"}``: where each listed image's connections
    went (its hunt ``rows``, labelled as ``_other_processes`` made them), busiest first (at most three) --
    the resolver a hunter asks the provider or the proxy about."""
    rows = rows[rows["resolver"] != ""]
    if rows.empty:
        return {}
    per = rows.groupby(["DeviceName", "label", "resolver"])["Connections"].sum().rename("n").reset_index()
    return {k: " to " + v for k, v in _busiest_first(per, ["DeviceName", "label"], "resolver").items()}


def _busiest_first(per: pd.DataFrame, by: str | list[str], label: str, text: str | None = None) -> pd.Series:
    """Per ``by``: its three busiest ``label``s (most ``n`` first, then by name), as ``text`` (default: the
    label) joined with commas -- how the host table names endpoints and processes."""
    per = per.sort_values(["n", label], ascending=[False, True])
    return per.groupby(by, sort=False)[text or label].apply(lambda s: ", ".join(s.head(3)))


# a beacon: at least this many hours, and every whole hour between the first and the last (those two are
# cut by the start and the end) within STEADY_BAND of their median, at STEADY_MIN_RATE or more an hour
STEADY_HOURS = 4
STEADY_BAND = 0.25
STEADY_MIN_RATE = 10


def _steady_rate(rows: pd.DataFrame) -> dict[tuple[str, str], str]:
    """``{(device, label): "; steady ~60/h over 7 h"}`` for the images whose connections came at a steady
    hourly rate: a program polling on a timer (an implant's sleep), where a browser's look-ups follow its
    user in bursts. Read from the listed images' hourly hunt ``rows`` (``Timestamp``, labelled as
    ``_other_processes`` made them); nothing without them."""
    if "Timestamp" not in rows.columns:
        return {}
    rows = rows.assign(hour=pd.to_datetime(rows["Timestamp"], utc=True, errors="coerce").dt.floor("h"))
    out: dict[tuple[str, str], str] = {}
    for (device, label), r in rows.groupby(["DeviceName", "label"]):
        per = r.groupby("hour")["Connections"].sum()
        if per.index.isna().any() or len(per) < STEADY_HOURS:
            continue
        span = pd.date_range(per.index.min(), per.index.max(), freq="h")
        inner = per.reindex(span, fill_value=0).iloc[1:-1]  # empty hours count: a beacon does not pause
        mid = float(inner.median())
        if mid >= STEADY_MIN_RATE and ((inner - mid).abs() <= STEADY_BAND * mid).all():
            out[(device, label)] = f"; steady ~{round(mid)}/h over {len(span)} h"
    return out


def _flagged_by_client(events: pd.DataFrame, reg: pd.Series, domain_flags: pd.DataFrame) -> pd.DataFrame:
    """Per client (index): look-ups of flagged domains, distinct ones per verdict, first/last seen,
    the top three, and ``capped``: the log-capped sum of verdict weight x score per verdict."""
    cols = ["lookups_flagged", "distinct_flagged_domains", "tunnel_domains", "dga_domains", "first_seen",
            "last_seen", "top_domains", "capped"]
    empty = pd.DataFrame(columns=cols, index=pd.Index([], dtype=object, name="client"))
    if domain_flags.empty:
        return empty
    flagged = domain_flags[domain_flags["verdict"].isin(FLAGGED)][["registered_domain", "verdict", "score"]]
    client = events["client"]
    if is_categorical(client):  # plain values: grouped and written as before
        client = client.astype(client.cat.categories.dtype)
    ev = pd.DataFrame({"client": client, "registered_domain": reg})
    if "timestamp" in events.columns:
        ev["timestamp"] = pd.to_datetime(events["timestamp"], utc=True, errors="coerce")
    else:
        ev["timestamp"] = pd.NaT
    ev = ev.merge(flagged, on="registered_domain", how="inner")
    ev = ev[ev["client"].notna()]
    if ev.empty:
        return empty
    g = ev.groupby("client", sort=False)
    out = pd.DataFrame(
        {
            "lookups_flagged": g.size(),
            "distinct_flagged_domains": g["registered_domain"].nunique(),
            "first_seen": g["timestamp"].min(),
            "last_seen": g["timestamp"].max(),
        }
    )
    per_dom = ev.drop_duplicates(["client", "registered_domain"]).copy()
    per_dom["w"] = per_dom["verdict"].map(VERDICT_WEIGHT) * per_dom["score"]
    out["tunnel_domains"] = per_dom[per_dom["verdict"] == "tunnel"].groupby("client").size()
    out["dga_domains"] = per_dom[per_dom["verdict"] == "dga"].groupby("client").size()
    out["top_domains"] = (
        per_dom.sort_values("w", ascending=False)
        .groupby("client")["registered_domain"]
        .apply(lambda s: ", ".join(s.head(3)))
    )
    # diminishing returns on many domains of the same kind (one DGA host resolves hundreds)
    weight = per_dom.groupby(["client", "verdict"])["w"].sum()
    out["capped"] = np.log1p(weight).groupby(level=0).sum().reindex(out.index)
    out.index.name = "client"
    return out[cols]


def volume_over_time(
    events: pd.DataFrame,
    domain_flags: pd.DataFrame,
    freq: str = "1h",
    top: int | None = 10,
    names: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Query counts per time bucket for the top flagged domains (long format, for a small chart);
    ``top=None``: every flagged domain.

    ``names``: the per-name flags of these events, to reuse their registered domains (see ``mark_resolved``).
    """
    cols = ["bucket", "registered_domain", "queries"]
    if "timestamp" not in events.columns or domain_flags.empty:
        return pd.DataFrame(columns=cols)
    flagged = domain_flags[domain_flags["verdict"].isin(FLAGGED)]
    keep = flagged.sort_values("score", ascending=False)["registered_domain"]
    if top is not None:
        keep = keep.head(top)
    codes, doms = _name_domains(events, names)  # decided per distinct name, not per event
    if doms.size == 0:
        return pd.DataFrame(columns=cols)
    keep_name = pd.Series(doms, dtype=object).isin(set(keep)).to_numpy()
    m = (codes >= 0) & keep_name[np.maximum(codes, 0)]
    if not m.any():
        return pd.DataFrame(columns=cols)
    t = events["timestamp"]
    if isinstance(t.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_dtype(t.dtype):
        ts = pd.to_datetime(t[m], utc=True, errors="coerce")
    else:  # strings: parse them all together, as their format is inferred from the column
        ts = pd.to_datetime(t, utc=True, errors="coerce")[m]
    g = pd.DataFrame({"bucket": ts.dt.floor(freq).to_numpy(), "registered_domain": doms[codes[m]]})
    return g.groupby(["bucket", "registered_domain"]).size().rename("queries").reset_index()
