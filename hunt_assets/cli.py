"""``hunt-assets``: the command line.

Imports are lazy per subcommand: ``score-dns`` must start in milliseconds, not wait for Dagster.
Subcommand names and their output columns are interfaces others script against: keep them stable.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence


def _settings_kwargs() -> dict[str, str | None]:
    """Connection settings from the environment (the same variables the resources read)."""
    from hunt_assets import settings

    env = os.environ.get
    return {
        "lake_path": str(settings.lake_path()),
        "tenant_id": env("AZURE_TENANT_ID"),
        "client_id": env("AZURE_CLIENT_ID"),
        "client_secret": env("AZURE_CLIENT_SECRET"),
        "client_certificate_path": env("AZURE_CLIENT_CERTIFICATE_PATH"),
        "graph_url": env("HUNT_GRAPH_URL") or "https://graph.microsoft.com",
        "defender_url": env("HUNT_DEFENDER_URL") or "https://api.security.microsoft.com",
        "authority_host": env("HUNT_AUTHORITY_HOST") or "https://login.microsoftonline.com",
        "fake_faults": env("HUNT_FAKE_FAULTS") or "",
        "token_cache_path": settings.token_cache_path() or None,
    }


def _instance():  # -> dg.DagsterInstance
    from hunt_assets import settings
    from hunt_assets.instance import ensure_dagster_home

    ensure_dagster_home(settings.data_dir())
    import dagster as dg

    return dg.DagsterInstance.get()


def _cmd_demo(args: argparse.Namespace) -> int:
    from hunt_assets.demo import run_demo

    return run_demo(rebuild=args.rebuild)


def _cmd_build_sample(args: argparse.Namespace) -> int:
    from hunt_assets import settings
    from hunt_assets.duckdb_files import StillLocked
    from hunt_assets.sample_tenant import build_lake

    path = settings.lake_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        summary = build_lake(path, dns_scale=args.dns_scale, overwrite=args.force)
    except FileExistsError:  # build_lake's message names its Python argument, not the flag
        print(f"hunt-assets build-sample: the sample tenant {path} already exists (use --force to rebuild it)",
              file=sys.stderr)
        return 2
    except StillLocked as exc:
        print(f"hunt-assets build-sample: the sample tenant {path} stayed busy for a minute (a hunt or "
              f"`new-alert` using it?); it was left as it was, try again ({exc})", file=sys.stderr)
        return 1
    print(f"sample tenant written to {path}: " + ", ".join(f"{k} {v:,}" for k, v in summary.row_counts.items()))
    return 0


def _cmd_investigate(args: argparse.Namespace) -> int:
    from hunt_assets.entities import InvalidEntity

    instance = _instance()
    from hunt_assets.assets.investigations import add_investigation

    try:
        key = add_investigation(instance, args.value)
    except InvalidEntity as exc:
        print(f"hunt-assets investigate: rejected: {exc.reason}", file=sys.stderr)
        return 2
    print(f"investigation opened: {key}")
    if args.now:
        from hunt_assets.definitions import defs

        result = defs.resolve_job_def("investigate_domain").execute_in_process(
            partition_key=key, instance=instance, raise_on_error=False)
        print(f"investigation {key}: {'materialized' if result.success else 'FAILED (see the run in the UI)'}")
        return 0 if result.success else 1
    print("it runs with the next sensor tick or daily refresh; or now: hunt-assets investigate --now " + key)
    return 0


def _cmd_new_alert(args: argparse.Namespace) -> int:
    from hunt_assets import settings
    from hunt_assets.sample_tenant import add_alert

    if not (args.domain or args.url or args.ip):
        print("hunt-assets new-alert: give at least one of --domain, --url, --ip", file=sys.stderr)
        return 2
    lake = settings.lake_path()
    if not lake.exists():
        print(f"hunt-assets new-alert: sample tenant {lake} does not exist; run `make demo` first", file=sys.stderr)
        return 2
    from hunt_assets.duckdb_files import StillLocked

    try:
        alert_id = add_alert(lake, domain=args.domain, url=args.url, ip=args.ip, title=args.title)
    except StillLocked as exc:
        print(f"hunt-assets new-alert: the sample tenant {lake} stayed busy for a minute (a long hunt "
              f"reading it?); nothing was added, try again ({exc})", file=sys.stderr)
        return 1
    print(f"alert {alert_id} added to the sample tenant ({lake})")
    print("new_alert_sensor picks it up within one sensor interval (30 s) while `make ui` runs")
    return 0


def _cmd_check_connection(args: argparse.Namespace) -> int:
    from hunt_assets import settings
    from hunt_assets.clients.check import check_connection, format_results

    kind = args.backend or settings.backend_name()
    results = check_connection(kind, **_settings_kwargs())
    print(format_results(results))
    return 0 if all(r.ok for r in results) else 1


def _cmd_login(args: argparse.Namespace) -> int:
    """Delegated sign-in once, interactively; scheduled runs then use the cached refresh token."""
    from hunt_assets import settings
    from hunt_assets.clients.auth import DeviceCodeProvider, MsalHttpClient, defender_scope, graph_scope
    from hunt_assets.clients.http import ApiError

    kw = _settings_kwargs()
    if not (kw["tenant_id"] and kw["client_id"]):
        print("hunt-assets login: set AZURE_TENANT_ID and AZURE_CLIENT_ID (a public client app registration)",
              file=sys.stderr)
        return 2
    cache = args.cache or settings.token_cache_path() or str(settings.data_dir() / "msal_token_cache.json")
    scopes = [graph_scope(str(kw["graph_url"]))]
    if args.defender:
        scopes.append(defender_scope(str(kw["defender_url"])))
    try:
        for scope in scopes:
            DeviceCodeProvider(str(kw["tenant_id"]), str(kw["client_id"]), scope, cache,
                               str(kw["authority_host"]), prompt=lambda m: print(m, flush=True),
                               http_client=MsalHttpClient()).token()
            print(f"signed in for {scope}")
    except ApiError as exc:
        print(f"hunt-assets login: {exc}", file=sys.stderr)
        return 1
    print(f"token cache: {cache} (mode 0600). Use it with HUNT_AUTH=device-code"
          + ("" if cache == settings.token_cache_path() else f" HUNT_TOKEN_CACHE={cache}"))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hunt-assets", description="Threat hunting over Microsoft 365 "
                                     "Defender as Dagster assets.")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("demo", help="build the sample tenant and materialize every asset for the sample days")
    p.add_argument("--rebuild", action="store_true", help="rebuild the sample tenant lake even if it exists")
    p.set_defaults(func=_cmd_demo)

    p = sub.add_parser("build-sample", help="(re)build the sample tenant lake")
    p.add_argument("--dns-scale", type=float, default=1.0, help="multiply benign DNS volume (benchmarks)")
    p.add_argument("--force", action="store_true", help="overwrite an existing lake")
    p.set_defaults(func=_cmd_build_sample)

    sub.add_parser("score-dns", help="score DNS names: FILE... is CSV (name[,client,timestamp,qtype]), one name "
                   "per line, a DNS log (Zeek, JSON lines, BIND, dnsmasq, Unbound, CoreDNS, Windows DNS debug) or a "
                   "hunting API's saved JSON response, or a packet capture; "
                   "writes CSV name,verdict,score,reasons to stdout", add_help=False)

    p = sub.add_parser("investigate", help="open an investigation for a domain, URL (its host) or IP")
    p.add_argument("value", help="domain, URL or IP; e.g. HTTP://WWW.Example.COM/path investigates www.example.com")
    p.add_argument("--now", action="store_true", help="materialize the investigation right away, in-process")
    p.set_defaults(func=_cmd_investigate)

    p = sub.add_parser("new-alert", help="add an alert to the sample tenant, to watch the sensor open an investigation")
    p.add_argument("--domain")
    p.add_argument("--url")
    p.add_argument("--ip")
    p.add_argument("--title")
    p.set_defaults(func=_cmd_new_alert)

    p = sub.add_parser("login", help="delegated device-code sign-in; caches tokens for HUNT_AUTH=device-code")
    p.add_argument("--cache", help="token cache file (default: HUNT_TOKEN_CACHE or data/msal_token_cache.json)")
    p.add_argument("--defender", action="store_true", help="also sign in for the legacy Defender API")
    p.set_defaults(func=_cmd_login)

    p = sub.add_parser("check-connection", help="check which tenant permissions work (never prints secrets)")
    p.add_argument("--backend", choices=["sample", "graph", "defender", "fake-graph"],
                   help="default: HUNT_BACKEND")
    p.set_defaults(func=_cmd_check_connection)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "score-dns":
        # fast path: no argparse tree, no Dagster import. No linear algebra runs here, so OpenBLAS
        # need not start a thread per core while numpy is imported (a tenth of the start-up)
        os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
        # NumPy asks for transparent huge pages on every large array; where the kernel compacts
        # memory for them on demand (defrag=madvise) and other processes have fragmented it, the
        # page faults stall: ~4 % of a 1M-name run right after another big process, nothing gained
        # on an idle machine (bench notes in the issue-6 log)
        os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
        from hunt_assets.analytics.dns.cli import defer_pandas, keep_freed_memory, score_dns_main

        # process-wide tunings: only in the command's own process
        keep_freed_memory()
        defer_pandas()
        # scoring threads hand the GIL over between NumPy/Arrow/C calls; a longer switch interval
        # (20 ms, not 5) lets each run its Python glue in longer stretches (measured ~4 % less CPU)
        sys.setswitchinterval(0.02)
        try:
            return score_dns_main(argv[1:])
        except BrokenPipeError:
            return _reader_went_away()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return _reader_went_away()


def _reader_went_away() -> int:
    """The reader of stdout closed it early (``| head``): not an error, and nothing more to say.

    stdout is pointed at /dev/null so the interpreter's final flush does not raise again.
    """
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)
    return 0


def run() -> None:
    """Console entry point: ``main`` and then exit.

    ``score-dns`` ends without the interpreter's teardown: once its output is flushed, freeing a
    million-name batch object by object and unloading every module is ~60 ms (5 % of a 1M-name
    run) of work whose result the operating system throws away anyway. Only the command's own
    process does this; ``main`` called as a function returns normally.
    """
    argv = sys.argv[1:]
    rc = main(argv)
    if argv and argv[0] == "score-dns":
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            rc = _reader_went_away()
        sys.stderr.flush()
        os._exit(rc)
    sys.exit(rc)


if __name__ == "__main__":
    run()
