"""Delegated (device-code) sign-in end to end against the fake: `hunt-assets login` once, then runs use the cache."""

import os
import stat
from datetime import UTC, datetime

import pytest

from hunt_assets.clients.auth import DeviceCodeProvider, MsalHttpClient, graph_scope
from hunt_assets.clients.factory import make_hunt_backend
from hunt_assets.clients.fake_graph import FakeGraph
from hunt_assets.clients.http import AuthenticationError

TENANT = "11111111-aaaa-bbbb-cccc-222222222222"
CLIENT = "public-client"
START, END = datetime(2026, 11, 16, tzinfo=UTC), datetime(2026, 11, 17, tzinfo=UTC)
KQL = "AlertInfo | project Timestamp, AlertId, Title"


def _backend(fake, cache):
    return make_hunt_backend("graph", tenant_id=TENANT, client_id=CLIENT, token_cache_path=cache,
                             transport=fake, sleep=lambda s: None)


def test_scheduled_run_without_a_login_fails_clearly_and_never_prompts(sample_lake, tmp_path):
    fake = FakeGraph(sample_lake)
    backend = _backend(fake, tmp_path / "missing_cache.json")
    with pytest.raises(AuthenticationError, match="hunt-assets login"):
        backend.query(KQL, start=START, end=END)


def test_login_once_then_runs_use_the_cached_delegated_token(sample_lake, tmp_path):
    fake = FakeGraph(sample_lake)
    cache = tmp_path / "msal_token_cache.json"
    prompts: list[str] = []
    DeviceCodeProvider(TENANT, CLIENT, graph_scope("https://graph.microsoft.com"), cache, prompt=prompts.append,
                       http_client=MsalHttpClient(transport=fake)).token()  # what `hunt-assets login` does
    assert len(prompts) == 1
    assert stat.S_IMODE(os.stat(cache).st_mode) == 0o600
    result = _backend(fake, cache).query(KQL, start=START, end=END)
    assert len(result) > 0
    assert len(prompts) == 1  # no second prompt: the run used the cache
