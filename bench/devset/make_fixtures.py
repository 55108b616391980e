"""Write a small, fixed slice of the development set as test fixtures.

.venv/bin/python -m bench.devset.make_fixtures
"""

from __future__ import annotations

from pathlib import Path

from bench.devset.build import build

OUT = Path(__file__).resolve().parents[2] / "hunt_assets_tests" / "fixtures" / "dns"


def main() -> None:
    names, ev = build(seed=7, per_dga=40, sessions=2, per_session=60, per_lookalike=30, popular_limit=300)
    # tunnel names from one whole session each: a session cut short at another's start (a Cobalt
    # Strike beacon's heartbeats repeat, so its sessions hold fewer distinct names) would leave a
    # few short polls without the per-domain context that convicts them in a real log
    tun = ev["client"].str.startswith("tun-")
    first = set(ev.loc[tun & ev["client"].str.endswith("-0"), "name"])
    sl = names[(names["group"] != "tunnel") | names["name"].isin(first)].groupby("family").head(30)
    OUT.mkdir(parents=True, exist_ok=True)
    sl.to_csv(OUT / "devset_slice.csv", index=False)
    keep = ev["client"].str.startswith("tun-") | (ev["client"].str.startswith("ws-") & (ev.index % 20 == 0))
    ev[keep].to_csv(OUT / "events_slice.csv", index=False)
    print(f"{len(sl)} names, {int(keep.sum())} events")


if __name__ == "__main__":
    main()
