"""Markdown tables in the UI neutralize attacker-controlled values."""

import pandas as pd

from hunt_assets.assets.hunts import preview_markdown
from hunt_assets.reports.tables import cell_text, md_table


def test_hostile_command_line_cannot_become_an_image_or_link_or_break_the_table():
    df = pd.DataFrame({"CommandLine": ["powershell ![x](http://evil.example/p.png) | [click](http://evil) <img>"]})
    md = preview_markdown(df)
    assert "![x](" not in md
    assert "[click](" not in md
    assert "<img>" not in md
    assert md.splitlines()[2].count(" | ") == 0  # the value's pipe is escaped, the row keeps one cell


def test_long_cells_are_clipped_and_lists_joined():
    df = pd.DataFrame({"a": ["x" * 500], "b": [["ns1.example.net", "ns2.example.net"]]})
    md = md_table(df, cell_limit=40)
    assert "x" * 40 not in md
    assert "…" in md
    assert cell_text(["a", "b"]) == "a, b"
    assert md_table(pd.DataFrame(), empty="_no rows_") == "_no rows_"
