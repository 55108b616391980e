"""The advanced-hunting budget is shared by every step process of a run (file-backed limiter)."""

from __future__ import annotations

import multiprocessing
from datetime import UTC, datetime, timedelta

from hunt_assets.clients.factory import hunting_limiter, make_hunt_backend
from hunt_assets.clients.fake_graph import FakeGraph
from hunt_assets.clients.file_limiter import FileRateLimiter, limiter_file
from hunt_assets.clients.http import Limit
from hunt_assets_tests.fakes.m365 import FakeClock, build_mini_lake

LIMITS = (Limit(45, 60), Limit(1500, 3600))


def _windows_ok(times: list[float], calls: int, per: float) -> bool:
    times = sorted(times)
    return all(times[i + calls] - times[i] >= per - 1e-6 for i in range(len(times) - calls))


def test_two_step_processes_share_one_window(tmp_path):
    clock = FakeClock()
    path = limiter_file(tmp_path, "tenant-a:hunting")
    step_a = FileRateLimiter(path, LIMITS, clock=clock, sleep=clock.sleep)
    step_b = FileRateLimiter(path, LIMITS, clock=clock, sleep=clock.sleep)  # a second process, same file
    sent: list[float] = []
    for i in range(120):
        (step_a if i % 2 else step_b).acquire()
        sent.append(clock.now)
    assert _windows_ok(sent, 45, 60)  # never more than 45 in any 60 s, across both "processes"
    assert clock.now - 1_000 >= 120
    assert step_a.total_calls == step_b.total_calls == 60
    assert "per 60s" in step_a.state()
    assert "tenant-a" not in path.name  # the file name does not reveal the tenant


def test_file_limiter_keeps_the_fake_service_from_throttling(tmp_path):
    lake = build_mini_lake(tmp_path / "lake.duckdb", network_rows=10)
    clock = FakeClock()
    fake = FakeGraph(lake, faults="quota:10", clock=clock, sleep=clock.sleep)  # a service admitting 10/min
    backends = []
    for _ in range(2):  # two hunts' steps, each with its own backend object
        backend = make_hunt_backend("fake-graph", lake_path=lake, transport=fake, sleep=clock.sleep,
                                    tenant_id="tenant-b", limiter_dir=tmp_path / "limits", calls_per_minute=10)
        backend.graph.limiter.clock = clock
        backend.graph.limiter.sleep = clock.sleep
        backends.append(backend)
    day = datetime(2026, 11, 16, tzinfo=UTC)
    for i in range(24):
        backends[i % 2].query("DeviceNetworkEvents | take 1", start=day, end=day + timedelta(hours=1))
    assert fake.injected["quota"] == 0
    assert fake.max_calls_per_minute <= 10


def _burst(path: str, n: int, out) -> None:
    limiter = FileRateLimiter(path, (Limit(1000, 60),))
    for _ in range(n):
        limiter.acquire()
    out.put(limiter.total_calls)


def test_real_processes_do_not_lose_calls_under_the_lock(tmp_path):
    path = str(limiter_file(tmp_path, "t:hunting"))
    queue = multiprocessing.get_context("fork").Queue()
    procs = [multiprocessing.get_context("fork").Process(target=_burst, args=(path, 25, queue)) for _ in range(3)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(20)
    assert sorted(queue.get(timeout=5) for _ in procs) == [25, 25, 25]
    state = FileRateLimiter(path, (Limit(1000, 60),)).state()
    assert state.startswith("75/1000 per 60s")


def test_without_a_directory_the_limiter_is_the_in_process_shared_one():
    a = hunting_limiter("tenant-c")
    b = hunting_limiter("tenant-c")
    assert a is b
