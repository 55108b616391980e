"""The enrichment engine against honest fakes of the providers, with a real DuckDB cache."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from hunt_assets.clients.http import Limit, RateLimiter
from hunt_assets.intel.ti.cache import TABLE, TICache
from hunt_assets.intel.ti.engine import TIEngine, combine
from hunt_assets.intel.ti.model import parse_indicator
from hunt_assets.intel.ti.registry import make_providers
from hunt_assets.warehouse.store import Warehouse
from hunt_assets_tests import ti_fakes as tf

EVIL_DOMAIN = "update-check.example-c2.xyz"


def _engine(tmp_path, names, faulty=None, *, clock=None, limits=(Limit(1000, 1.0),), sleeps=None, cfg=None):
    fake = faulty or tf.Faulty(tf.api(names))
    providers = make_providers(cfg or tf.configs(names), only=names)
    limiters = {p.name: RateLimiter(p.name, tuple(limits)) for p in providers}
    wh = Warehouse(tmp_path / "wh.duckdb")
    engine = TIEngine(
        providers,
        TICache(wh),
        transport=fake.transport(),
        limiters=limiters,
        sleep=sleeps or tf.Sleeps(),
        clock=clock or (lambda: datetime(2026, 11, 20, tzinfo=UTC)),
    )
    return engine, fake, wh


def _inds(*values):
    return [parse_indicator(v) for v in values]


def test_planted_domain_is_high_and_second_run_within_ttl_makes_no_calls(tmp_path):
    names = ["virustotal", "otx", "urlhaus"]
    engine, fake, wh = _engine(tmp_path, names)
    inds = _inds(EVIL_DOMAIN, "microsoft.com", "203.0.113.66")
    first = engine.enrich(inds)
    assert first.calls == len(fake.seen) == 9
    df = first.frame()
    evil = df[df["indicator"] == EVIL_DOMAIN].set_index("provider")
    assert evil.loc["virustotal", "severity"] == evil.loc["urlhaus", "severity"] == "high"
    assert evil.loc["otx", "severity"] == "medium"  # 3 pulses: medium by OTX's mapping (5+ is high)
    assert combine(df).set_index("indicator").loc["microsoft.com", "combined_severity"] == "information"
    second = engine.enrich(inds)
    assert second.calls == 0
    assert len(fake.seen) == 9
    assert second.frame()["from_cache"].all()
    assert len(wh.query(f"SELECT * FROM {TABLE}")) == 9


def test_expired_rows_are_fetched_again(tmp_path):
    now = [datetime(2026, 11, 20, tzinfo=UTC)]
    engine, _fake, _ = _engine(tmp_path, ["virustotal"], clock=lambda: now[0])
    engine.enrich(_inds(EVIL_DOMAIN))
    now[0] += timedelta(hours=23)
    assert engine.enrich(_inds(EVIL_DOMAIN)).calls == 0
    now[0] += timedelta(hours=2)  # past the 1-day TTL
    assert engine.enrich(_inds(EVIL_DOMAIN)).calls == 1


def test_provider_without_key_is_skipped_and_reported(tmp_path):
    cfg = tf.configs(["otx"])  # no VirusTotal key
    engine, fake, _ = _engine(tmp_path, ["virustotal", "otx"], cfg=cfg)
    report = engine.enrich(_inds(EVIL_DOMAIN))
    assert report.skipped == {"virustotal": "no API key configured"}
    assert all(r.url.host != "www.virustotal.com" for r in fake.seen)
    assert "skipped" in report.summary_markdown()


def test_429_with_retry_after_is_honoured_then_answered(tmp_path):
    sleeps = tf.Sleeps()
    fake = tf.Faulty(tf.api(["virustotal"])).script("virustotal", tf.throttled("7"), tf.server_error)
    engine, _, _ = _engine(tmp_path, ["virustotal"], fake, sleeps=sleeps)
    report = engine.enrich(_inds(EVIL_DOMAIN))
    assert report.verdicts[0].status == "ok"
    assert report.verdicts[0].severity.label == "high"
    assert 7.0 in sleeps.calls
    assert report.calls == 3


def test_persistent_server_errors_become_status_rows_cached_briefly(tmp_path):
    now = [datetime(2026, 11, 20, tzinfo=UTC)]
    fake = tf.Faulty(tf.api(["otx"])).forever("otx", tf.server_error)
    engine, _, _wh = _engine(tmp_path, ["otx"], fake, clock=lambda: now[0])
    report = engine.enrich(_inds(EVIL_DOMAIN))
    (v,) = report.verdicts
    assert v.status == "error"
    assert "503" in v.detail
    assert v.expires_at - v.fetched_at == timedelta(minutes=30)
    now[0] += timedelta(minutes=31)
    assert engine.enrich(_inds(EVIL_DOMAIN)).calls > 0


@pytest.mark.parametrize("fault", [tf.html_200, tf.empty_200, tf.truncated_200])
def test_garbage_bodies_become_malformed_rows(tmp_path, fault):
    fake = tf.Faulty(tf.api(["virustotal"])).forever("virustotal", fault)
    engine, _, _ = _engine(tmp_path, ["virustotal"], fake)
    (v,) = engine.enrich(_inds(EVIL_DOMAIN)).verdicts
    assert v.status == "malformed"
    assert v.severity.label == "information"


def test_wrong_key_stops_asking_after_the_first_401(tmp_path):
    fake = tf.Faulty(tf.api(["virustotal"])).forever("virustotal", tf.unauthorized)
    names = ["virustotal"]
    engine, _, _ = _engine(tmp_path, names, fake)
    report = engine.enrich(_inds(EVIL_DOMAIN, "microsoft.com", "203.0.113.66", "http://a.example.com/x"))
    assert {v.status for v in report.verdicts} == {"auth_error"}
    assert len(fake.seen) < 4  # concurrency 4 may have some in flight; never one per indicator after the 401


def test_limiter_keeps_each_provider_within_its_window(tmp_path):
    t = [0.0]

    class Clock:
        async def sleep(self, s):
            t[0] += s

    clock = Clock()
    names = ["virustotal"]
    providers = make_providers(tf.configs(names), only=names)
    limiter = RateLimiter("vt", (Limit(2, 1.0),), clock=lambda: t[0])
    fake = tf.Faulty(tf.api(names))
    engine = TIEngine(
        providers,
        TICache(Warehouse(tmp_path / "wh.duckdb")),
        transport=fake.transport(),
        limiters={"virustotal": limiter},
        sleep=clock.sleep,
    )
    inds = _inds(*[f"host{i}.example.com" for i in range(7)])
    engine.enrich(inds)
    assert limiter.total_calls == 7
    assert limiter.peak_per_second <= 2
    assert t[0] >= 3.0  # 7 calls at 2 per second need at least 3 seconds of (fake) waiting


def test_secrets_never_reach_the_cache_table(tmp_path):
    fake = tf.Faulty(tf.api(["shodan", "virustotal"])).forever(
        "shodan", lambda r: __import__("httpx").Response(400, json={"error": f"bad request for {r.url}"})
    )
    engine, _, wh = _engine(tmp_path, ["shodan", "virustotal"], fake)
    engine.enrich(_inds("203.0.113.66"))
    dump = wh.query(f"SELECT * FROM {TABLE}").to_csv()
    assert tf.KEY not in dump
    assert "shodan" in dump


def test_bulk_lists_are_downloaded_once_per_day(tmp_path):
    engine, _fake, _ = _engine(tmp_path, ["tor"])
    first = engine.enrich(_inds("203.0.113.66", "8.8.8.8"))
    found = {v.indicator: v for v in first.verdicts}
    assert found["203.0.113.66"].status == "ok"
    assert found["8.8.8.8"].status == "not_found"
    assert first.calls == 1
    second = engine.enrich(_inds("198.51.100.9"))  # a new IP: answered from the cached list
    assert second.calls == 0
    assert second.verdicts[0].status == "not_found"


def test_combined_severity_names_who_flagged_and_who_failed():
    import pandas as pd

    df = pd.DataFrame(
        [
            {
                "indicator_type": "domain",
                "indicator": "a.example.com",
                "provider": "vt",
                "status": "ok",
                "severity": "low",
            },
            {
                "indicator_type": "domain",
                "indicator": "a.example.com",
                "provider": "otx",
                "status": "ok",
                "severity": "high",
            },
            {
                "indicator_type": "domain",
                "indicator": "a.example.com",
                "provider": "xf",
                "status": "error",
                "severity": "information",
            },
        ]
    )
    (row,) = combine(df).to_dict("records")
    assert row["combined_severity"] == "high"
    assert row["providers_flagging"] == "otx"
    assert row["providers_failed"] == "xf (error)"
