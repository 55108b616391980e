"""``hunt-assets``: the command line.

Imports are lazy per subcommand: ``score-dns`` must start in milliseconds, not wait for Dagster.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _cmd_build_sample(args: argparse.Namespace) -> int:
    from hunt_assets import settings
    from hunt_assets.sample_tenant import build_lake

    path = settings.lake_path()
    summary = build_lake(path, dns_scale=args.dns_scale, overwrite=args.force)
    print(f"sample tenant written to {path}: " + ", ".join(f"{k} {v:,}" for k, v in summary.row_counts.items()))
    return 0


def _cmd_demo(args: argparse.Namespace) -> int:
    from hunt_assets.demo import run_demo

    return run_demo(rebuild=args.rebuild)


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
