"""Alert cursor semantics, free of Dagster: exactly once, shared timestamps, late arrivals, hostile input."""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from hunt_assets.automation.alert_cursor import AlertCursor, plan

T0 = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


@dataclass
class Ev:
    kind: str
    value: str


@dataclass
class A:
    id: str
    last_updated: datetime
    evidence: list = field(default_factory=list)
    title: str = "t"


def alert(i: str, minutes: float, *values: tuple[str, str]) -> A:
    return A(i, T0 + timedelta(minutes=minutes), [Ev(k, v) for k, v in values])


def test_first_tick_requests_every_entity_and_moves_cursor():
    alerts = [alert("a1", 0, ("url", "https://login-bad.example.com/x")), alert("a2", 1, ("dns", "evil.example.net"))]
    p = plan(alerts, AlertCursor())
    assert [r.partition_key for r in p.requests] == ["login-bad.example.com", "evil.example.net"]
    assert p.cursor.since == T0 + timedelta(minutes=1)
    assert len({r.run_key for r in p.requests}) == 2


def test_repeated_tick_with_overlap_requests_nothing_new():
    alerts = [alert("a1", 0, ("url", "https://a.example.com/")), alert("a2", 1, ("ip", "8.8.8.8"))]
    first = plan(alerts, AlertCursor())
    # the next poll re-reads from since - overlap and gets the same alerts back
    again = plan(alerts, AlertCursor.from_json(first.cursor.to_json()))
    assert again.requests == []
    assert again.new_alerts == 0


def test_alerts_sharing_a_timestamp_are_never_missed():
    first = plan([alert("a1", 5, ("dns", "one.example.com"))], AlertCursor())
    # a2 carries the same lastUpdateDateTime but arrives (ingestion lag) only at the next poll
    later = [alert("a1", 5, ("dns", "one.example.com")), alert("a2", 5, ("dns", "two.example.com"))]
    second = plan(later, first.cursor)
    assert [r.partition_key for r in second.requests] == ["two.example.com"]


def test_late_alert_inside_overlap_is_caught_once():
    first = plan([alert("a1", 10, ("dns", "one.example.com"))], AlertCursor())
    late = alert("a0", 8, ("dns", "late.example.com"))  # older than the cursor, within the overlap
    second = plan([late, alert("a1", 10, ("dns", "one.example.com"))], first.cursor)
    assert [r.partition_key for r in second.requests] == ["late.example.com"]
    third = plan([late], second.cursor)
    assert third.requests == []


def test_updated_alert_is_reinvestigated_with_a_new_run_key():
    first = plan([alert("a1", 0, ("dns", "x.example.com"))], AlertCursor())
    second = plan([alert("a1", 3, ("dns", "x.example.com"))], first.cursor)
    assert len(second.requests) == 1
    assert second.requests[0].run_key != first.requests[0].run_key


def test_hostile_entities_are_rejected_with_reasons():
    hostile = alert("a9", 0,
                    ("dns", 'evil.com" | union DeviceInfo //'),
                    ("url", "http://" + "a" * 10_000 + ".com/"),
                    ("dns", "bad\x07name.com"),
                    ("ip", "10.0.0.0/8"),
                    ("ip", "10.1.2.3"),
                    ("url", "hxxp://ok[.]example[.]org/p"))
    p = plan([hostile], AlertCursor())
    assert [r.partition_key for r in p.requests] == ["ok.example.org"]
    reasons = " | ".join(r.reason for r in p.rejections)
    assert len(p.rejections) == 5
    for fragment in ("cannot appear", "longer than", "control characters", "IP range", "private address"):
        assert fragment in reasons


def test_addresses_follow_the_one_rule_for_what_may_be_looked_up_outside():
    """The sensor used Python's ``is_private``: it dropped documentation-range C2 addresses (the sample
    tenant's planted infrastructure), which threat intel does ask about, and let carrier-grade NAT
    (100.64.0.0/10) through, which threat intel refuses. Both now follow ``is_public_address``."""
    a = alert("a7", 0, ("ip", "198.51.100.53"), ("ip", "100.64.3.4"), ("url", "http://[fe80::1]/x"),
              ("ip", "2001:db8::7"), ("ip", "1.1.1.1"))
    p = plan([a], AlertCursor())
    assert [r.partition_key for r in p.requests] == ["198.51.100.53", "2001:db8::7", "1.1.1.1"]
    assert [r.value for r in p.rejections] == ["100.64.3.4", "http://[fe80::1]/x"]
    assert {r.reason for r in p.rejections} == {"private address: nothing to look up outside"}


def test_cursor_round_trips_and_prunes_old_keys():
    alerts = [alert(f"a{i}", i * 10, ("dns", f"d{i}.example.com")) for i in range(10)]
    p = plan(alerts, AlertCursor())
    restored = AlertCursor.from_json(p.cursor.to_json())
    assert restored.since == p.cursor.since
    # only keys within the overlap (10 minutes) of the newest survive
    assert len(restored.seen) <= 2
