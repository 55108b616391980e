"""The Dagster UI and the standalone HTML report in a real browser (headless Debian chromium via Playwright).

Why: the UI is what a hunter reads; whether the markdown report, its inline heatmap and the asset graph render
is only visible in a browser. The session builds a small sample lake and runs the real demo
(``hunt-assets demo``) into a tmp data dir and DAGSTER_HOME, serves it with dagster-webserver on 127.0.0.1 and
drives chromium to the pages. Screenshots are kept under ``artifacts/screenshots/``.

Chromium comes from Debian (``scripts/ensure-chromium.sh``), never from Playwright's browser download. Without
it the tests skip, except under CI (``CI`` set), where they fail.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from hunt_assets.reports.render import SECTIONS
from hunt_assets.sample_tenant.plan import CRADLE_DOMAIN, CRADLE_HOST, TUNNEL_DOMAIN, TUNNEL_HOST

pytestmark = pytest.mark.browser

REPO = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("HUNT_CHROMIUM") or "/usr/bin/chromium")
SHOTS = REPO / "artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-quic",
    "--disable-component-update", "--disable-sync", "--no-first-run",
]
TIMEOUT_MS = 30_000
# environment that could switch the demo to live mode, real TI providers or the developer's data
_FOREIGN_ENV = re.compile(r"^(HUNT_|AZURE_|M365_|DAGSTER_)|^(VT_API_KEY|OTX_API_KEY|XFORCE_API_KEY|XFORCE_API_PASSWORD|"
                          r"SHODAN_API_KEY|ABUSECH_AUTH_KEY|GREYNOISE_API_KEY|OPR_API_KEY)$")


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def _unavailable(reason: str):
    if _in_ci():
        pytest.fail(f"{reason} (CI is set, so this is a failure; run scripts/ensure-chromium.sh first)", pytrace=False)
    pytest.skip(f"{reason}; install it with: bash scripts/ensure-chromium.sh")


@pytest.fixture(scope="session")
def browser_available() -> None:
    """Skip (locally) or fail (CI) before any slow setup when the browser cannot run."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _unavailable(f"Debian chromium not found at {CHROMIUM}")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        _unavailable("the PyPI package 'playwright' is not installed in this venv (pip install -e '.[dev]')")


def _tool(name: str) -> list[str]:
    exe = Path(sys.executable).with_name(name)
    if exe.exists():
        return [str(exe)]
    if name == "hunt-assets":
        return [sys.executable, "-m", "hunt_assets.cli"]
    return [sys.executable, "-m", name.replace("-", "_")]


def _run(cmd: list[str], env: dict[str, str], log: Path, timeout: float) -> None:
    t0 = time.monotonic()
    with log.open("ab") as out:
        out.write(f"\n$ {' '.join(cmd)}\n".encode())
        out.flush()
        proc = subprocess.run(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT, timeout=timeout,
                              check=False)
    if proc.returncode != 0:
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
        pytest.fail(f"{' '.join(cmd[-2:])} exited {proc.returncode}; last lines of {log}:\n{tail}", pytrace=False)
    print(f"[ui-test] {' '.join(cmd[-3:])}: {time.monotonic() - t0:.1f} s")


@pytest.fixture(scope="session")
def hunt_env(browser_available, tmp_path_factory) -> dict[str, str]:
    """The environment of every subprocess: data dir, warehouse, lake and DAGSTER_HOME under one tmp dir.

    Variables that could switch to live mode, real TI providers or the developer's own data are dropped.
    """
    root = tmp_path_factory.mktemp("ui")
    data = root / "data"
    data.mkdir()
    env = {k: v for k, v in os.environ.items() if not _FOREIGN_ENV.match(k)}
    env.update({
        "HUNT_DATA_DIR": str(data),
        "HUNT_WAREHOUSE": str(data / "hunt_warehouse.duckdb"),
        "HUNT_SAMPLE_LAKE": str(data / "sample_tenant.duckdb"),
        "HUNT_BACKEND": "sample",
        "DAGSTER_HOME": str(root / "dagster_home"),
        "DAGSTER_DISABLE_TELEMETRY": "1",
        "PYTHONUNBUFFERED": "1",
    })
    # the persistent instance the demo (and `make ui`) use: data/dagster_home with our dagster.yaml
    (root / "dagster_home").mkdir()
    from hunt_assets.instance import DAGSTER_YAML

    (root / "dagster_home" / "dagster.yaml").write_text(DAGSTER_YAML, encoding="utf-8")
    return env


@pytest.fixture(scope="session")
def small_lake(hunt_env) -> Path:
    """A small sample tenant lake: a fifth of the benign DNS volume, the same planted incidents (demo ~20 s faster)."""
    log = Path(hunt_env["HUNT_DATA_DIR"]).parent / "demo.log"
    _run([*_tool("hunt-assets"), "build-sample", "--dns-scale", "0.2"], hunt_env, log, timeout=120)
    return Path(hunt_env["HUNT_SAMPLE_LAKE"])


@pytest.fixture(scope="session")
def demo_env(hunt_env, small_lake) -> dict[str, str]:
    """Warehouse + materializations + investigations, built by the real demo (``hunt-assets demo``) on that lake."""
    data = Path(hunt_env["HUNT_DATA_DIR"])
    log = data.parent / "demo.log"
    _run([*_tool("hunt-assets"), "demo"], hunt_env, log, timeout=400)
    for domain in (TUNNEL_DOMAIN, CRADLE_DOMAIN):
        assert (data / "reports" / f"{domain}.html").is_file(), f"the demo wrote no report for {domain}; see {log}"
    return hunt_env


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _graphql(base: str, query: str) -> str:
    req = urllib.request.Request(f"{base}/graphql", data=json.dumps({"query": query}).encode(),  # noqa: S310
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as resp:  # noqa: S310 (http://127.0.0.1 only)
        return resp.read().decode()


def _location_loaded(base: str) -> bool:
    """True once the code location has loaded (the UI is then usable)."""
    try:
        body = _graphql(base, "{ workspaceOrError { ... on Workspace { locationEntries { name loadStatus } } } }")
    except OSError:
        return False
    return '"loadStatus":"LOADED"' in body.replace(" ", "")


def _stop_group(proc: subprocess.Popen) -> None:
    """SIGTERM the webserver's process group (webserver + its code server), SIGKILL whatever is left after 20 s."""
    if proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        pass
    except ProcessLookupError:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)  # the group: code servers outlive their parent otherwise
    proc.wait(timeout=10)


def _server_answers(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/server_info", timeout=2):  # noqa: S310 (http://127.0.0.1 only)
            return True
    except OSError:
        return False


@pytest.fixture(scope="session")
def webserver(hunt_env, request, tmp_path_factory):
    """dagster-webserver on 127.0.0.1:<free port> over the demo's instance; yields the base URL.

    Started before the demo runs: once /server_info answers, the instance's storage exists, and the demo's runs
    can go in while the webserver is still loading the code location (saves ~10 s on 2 cores).
    """
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = tmp_path_factory.mktemp("webserver") / "webserver.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [*_tool("dagster-webserver"), "-w", "workspace.yaml", "-h", "127.0.0.1", "-p", str(port)],
            cwd=REPO, env=hunt_env, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    t0 = time.monotonic()

    def wait_for(ready, what: str) -> None:
        deadline = time.monotonic() + 90
        while not ready(base):
            if proc.poll() is not None or time.monotonic() > deadline:
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-40:])
                state = f"exited {proc.returncode}" if proc.poll() is not None else f"{what} not ready after 90 s"
                pytest.fail(f"dagster-webserver {state}; last lines of {log}:\n{tail}", pytrace=False)
            time.sleep(0.5)
        print(f"[ui-test] dagster-webserver: {what} ready after {time.monotonic() - t0:.1f} s")

    try:
        request.getfixturevalue("small_lake")  # while the webserver starts
        wait_for(_server_answers, "/server_info")
        request.getfixturevalue("demo_env")
        wait_for(_location_loaded, "code location")
        # The "Join the Dagster community" dialog opens 1 s after the first page load on 127.0.0.1, over whatever
        # is being asserted, until someone clicks Skip (stored in the instance). Mark it seen up front, as Skip
        # does; the page fixture still clicks Skip should it show up anyway.
        with contextlib.suppress(OSError):
            _graphql(base, "mutation { setNuxSeen }")
        yield base
    finally:
        _stop_group(proc)


@pytest.fixture(scope="session")
def browser(browser_available):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture
def page(browser, request):
    """A fresh context per test (so the first-visit dialog shows up and is dismissed), 1400x900.

    Only 127.0.0.1, file: and data: URLs load; anything else is aborted and listed in ``page.blocked``.
    On failure a screenshot ``FAILED-<test>.png`` is kept next to the others.
    """
    from playwright.sync_api import expect

    expect.set_options(timeout=TIMEOUT_MS)
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(TIMEOUT_MS)
    blocked: list[str] = []

    def _route(route):
        url = route.request.url
        if url.startswith(("http://127.0.0.1:", "file:", "data:", "blob:")):
            route.continue_()
        else:
            blocked.append(url)
            route.abort()

    context.route("**/*", _route)
    pg = context.new_page()
    pg.blocked = blocked
    # first visit on a fresh profile: "Join the Dagster community" dialog with a Skip button, whenever it shows
    pg.add_locator_handler(pg.get_by_role("button", name="Skip", exact=True), lambda loc: loc.click())
    failed_before = request.session.testsfailed
    yield pg
    if request.session.testsfailed > failed_before:
        SHOTS.mkdir(parents=True, exist_ok=True)
        name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name)
        try:
            pg.screenshot(path=str(SHOTS / f"FAILED-{name}.png"), full_page=True)
        except Exception as exc:  # best effort; the test failure is what matters
            print(f"could not save the failure screenshot: {exc}")
    context.close()


def _shot(pg, name: str, *, fit_element=None, settle: bool = False) -> Path:
    """Full-page screenshot; ``fit_element``: grow the viewport until that (dialog) element is shown whole."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    path = SHOTS / f"{name}.png"
    if settle:
        _settle(pg)
    if fit_element is not None:
        # a Blueprint dialog is position:fixed and only as tall as the viewport: make the viewport as tall as its
        # content, otherwise a full-page screenshot shows only the first screen of the report
        height = fit_element.evaluate("e => Math.max(e.scrollHeight, ...[...e.querySelectorAll('*')]"
                                      ".map(c => c.scrollHeight))")
        pg.set_viewport_size({"width": 1400, "height": min(int(height) + 300, 16_000)})
        pg.wait_for_timeout(300)
    pg.screenshot(path=str(path), full_page=True)
    return path


def _settle(pg) -> None:
    """Let the UI finish its first round of GraphQL queries (statuses fill in after the names), best effort."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    with contextlib.suppress(PlaywrightTimeout):
        pg.wait_for_load_state("networkidle", timeout=5_000)


def _wait_image_rendered(pg, img) -> int:
    img.scroll_into_view_if_needed()
    pg.wait_for_function("e => e.complete && e.naturalWidth > 0", arg=img.element_handle(), timeout=TIMEOUT_MS)
    return int(img.evaluate("e => e.naturalWidth"))


def test_asset_graph_shows_hunt_assets(webserver, page):
    from playwright.sync_api import expect

    page.goto(f"{webserver}/asset-groups")
    expect(page.get_by_text("Global asset lineage")).to_be_visible()
    for group in ("hunts", "detections", "intel", "investigations", "reports"):
        expect(page.get_by_text(group, exact=True).first).to_be_visible()
    expect(page.get_by_text("fetching statuses")).to_have_count(0)  # the group nodes show their status counts
    _shot(page, "01-global-lineage", settle=True)

    # the catalog lists every asset with its description
    page.goto(f"{webserver}/assets")
    for name in ("dns_events", "ldap_recon_queries", "domain_report"):
        expect(page.get_by_role("link", name=re.compile(rf"\b{name}$")).first).to_be_visible()
    expect(page.get_by_text("DNS look-ups from every source").first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^\d+ partitions$")).first).to_be_visible()  # the status column loaded
    _shot(page, "02-asset-catalog")

    # the report's upstream graph: the hunts and the intel assets it is built from (a taller window fits it all)
    page.set_viewport_size({"width": 1400, "height": 1200})
    page.goto(f"{webserver}/assets/reports/domain_report?view=lineage&lineageScope=upstream")
    for name in ("dns_events", "ldap_recon_queries", "passive_dns", "ti_verdicts", "pdns_heatmap"):
        expect(page.get_by_text(name, exact=True).first).to_be_visible()
    expect(page.get_by_text("domain_report", exact=True).last).to_be_visible()
    _shot(page, "03-domain-report-upstream-graph", settle=True)
    assert not page.blocked, f"the UI tried to reach outside 127.0.0.1: {page.blocked}"


@pytest.mark.parametrize(("domain", "host"), [(TUNNEL_DOMAIN, TUNNEL_HOST), (CRADLE_DOMAIN, CRADLE_HOST)])
def test_domain_report_partition_shows_markdown_report(webserver, page, domain, host):
    from playwright.sync_api import expect

    page.goto(f"{webserver}/assets/reports/domain_report?view=partitions&partition={domain}")
    # the partition's detail panel: its metadata, including the standalone HTML file's path
    expect(page.get_by_text(f"/reports/{domain}.html")).to_be_visible()
    expect(page.get_by_text("severity", exact=True).first).to_be_visible()
    page.get_by_text("Show Markdown").first.click()

    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("heading", name=f"Findings: {domain}")).to_be_visible()
    for section in ("Summary", "Threat intelligence verdicts", "Passive DNS", "Hosts in the environment",
                    "DNS tunnel / DGA verdicts"):
        expect(dialog.get_by_role("heading", name=section, exact=True)).to_be_attached()
    expect(dialog.get_by_text("Overall severity:")).to_be_visible()
    hosts_table = dialog.locator("h2:has-text('Hosts in the environment') + table")
    expect(hosts_table.get_by_text(host).first).to_be_attached()

    img = dialog.get_by_role("img", name=f"passive DNS of {domain}")
    expect(img).to_be_attached()
    assert _wait_image_rendered(page, img) > 0
    _shot(page, f"04-domain-report-{domain}", fit_element=dialog)
    assert not page.blocked, f"the UI tried to reach outside 127.0.0.1: {page.blocked}"


def test_host_summary_partition_ranks_the_hosts_and_names_the_doh_process(webserver, page):
    """The hunter's entry point: the first day's host table in the partition's metadata, the DGA, dictionary-DGA
    and tunnel hosts first, then the implant that resolves over HTTPS, named by its image's path."""
    from playwright.sync_api import expect

    from hunt_assets.sample_tenant.plan import DGA_HOST, DICT_DGA_HOST, DOH_C2_HOST, DOH_C2_PROCESS, TUNNEL_HOST

    page.goto(f"{webserver}/assets/analytics/host_summary?view=partitions&partition=2026-11-16")
    expect(page.get_by_text("encrypted_dns_hosts").first).to_be_visible()
    page.get_by_text("Show Markdown").first.click()
    dialog = page.get_by_role("dialog")
    rows = dialog.locator("table tbody tr")
    expect(rows.first).to_contain_text(DGA_HOST)
    expect(rows.nth(1)).to_contain_text(DICT_DGA_HOST)
    expect(rows.nth(2)).to_contain_text(TUNNEL_HOST)
    expect(rows.nth(3)).to_contain_text(DOH_C2_HOST)
    expect(rows.nth(3)).to_contain_text(DOH_C2_PROCESS)
    # where it went and its timer, in the preview itself (the path alone fills a narrower cell)
    expect(rows.nth(3)).to_contain_text("to Google Public DNS over HTTPS; steady ~60/h")
    _shot(page, "06-host-summary-2026-11-16", fit_element=dialog)
    assert not page.blocked, f"the UI tried to reach outside 127.0.0.1: {page.blocked}"


def test_dns_flags_checks_tab_shows_the_days_checks_passed(webserver, demo_env, page):
    """The demo's days ran dns_flags' checks (its log counts them); the Checks tab lists both, the look-up count
    marked blocking, with the latest day's result and figures."""
    from playwright.sync_api import expect

    log = (Path(demo_env["HUNT_DATA_DIR"]).parent / "demo.log").read_text(errors="replace")
    assert log.count(": ok, 4 asset checks passed") == len(re.findall(r"daily hunts for \S+:", log)) > 0
    page.goto(f"{webserver}/assets/analytics/dns_flags?view=checks")
    expect(page.get_by_text("flags_explained", exact=True).first).to_be_visible()
    expect(page.get_by_text("every_lookup_counted", exact=True).first).to_be_visible()
    expect(page.get_by_text("blocking", exact=True).first).to_be_visible()
    expect(page.get_by_text(re.compile(r"^all [\d,]+ look-ups counted under a registered domain$"))).to_be_visible()
    expect(page.get_by_text("Passed", exact=True).first).to_be_visible()
    _shot(page, "07-dns-flags-checks")
    assert not page.blocked, f"the UI tried to reach outside 127.0.0.1: {page.blocked}"


def test_standalone_html_report_renders_offline(demo_env, browser):
    """data/reports/<domain>.html opens from disk with the network off: every section, the inlined heatmap."""
    from playwright.sync_api import expect

    report = Path(demo_env["HUNT_DATA_DIR"]) / "reports" / f"{TUNNEL_DOMAIN}.html"
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    requests: list[str] = []
    context.on("request", lambda r: requests.append(r.url))
    try:
        pg = context.new_page()
        pg.goto(report.as_uri())
        expect(pg.get_by_role("heading", level=1)).to_have_text(f"Findings: {TUNNEL_DOMAIN}")
        expect(pg.get_by_role("heading", level=2)).to_have_text(list(SECTIONS))
        expect(pg.locator("h2:has-text('Hosts in the environment') + table").get_by_text(TUNNEL_HOST).first
               ).to_be_visible()
        img = pg.get_by_role("img", name=re.compile(f"passive DNS heatmap and timeline for {re.escape(TUNNEL_DOMAIN)}"))
        expect(img).to_be_visible()
        assert _wait_image_rendered(pg, img) > 0
        _shot(pg, f"05-standalone-html-{TUNNEL_DOMAIN}")
        outside = [u for u in requests if not u.startswith(("file:", "data:"))]
        assert not outside, f"the standalone report made network requests: {outside}"
    finally:
        context.close()
