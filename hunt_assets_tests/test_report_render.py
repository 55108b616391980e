"""The findings report renders every section and escapes attacker-controlled text."""

import re
from datetime import UTC, datetime

import pandas as pd

from hunt_assets.reports.render import SECTIONS, ReportData, render_html, render_markdown

HOSTILE = "<script>alert(1)</script> | [x](http://evil.example/) `code` # head"


def _data() -> ReportData:
    return ReportData(
        key="evil.example.com", generated_at=datetime(2026, 11, 22, tzinfo=UTC), overall_severity="high",
        urls=["http://evil.example.com/a.ps1"],
        ti=pd.DataFrame({"provider": ["virustotal"], "severity": ["high"], "detail": [HOSTILE]}),
        registration={"registrar": "Example Registrar", "created": "2026-11-01"},
        resolutions=pd.DataFrame({"type": ["A"], "value": ["203.0.113.7"], "asn": ["AS64500"], "tor": [False]}),
        certificate={"sha1": "ab" * 20, "sslbl": "not listed"},
        heatmap_png=b"\x89PNG\r\n\x1a\n" + b"0" * 64,
        alerts=pd.DataFrame({"AlertId": ["da1"], "Title": [HOSTILE]}),
        hosts=pd.DataFrame({"DeviceName": ["ws-fin-014"], "priority": [0.9]}),
        dns_verdicts=pd.DataFrame({"name": ["abc.evil.example.com"], "verdict": ["tunnel"], "reasons": ["x"]}),
    )


def test_markdown_has_every_section_and_escapes_hostile_text():
    md = render_markdown(_data(), image_markdown="![heatmap](data:image/png;base64,AAAA)")
    for section in SECTIONS:
        assert f"## {section}" in md or (section == "Summary" and "## Summary" in md)
    assert "<script>" not in md
    assert "\\[x\\]" in md  # a markdown link from an alert title is not rendered as a link
    assert "ws-fin-014" in md
    assert "![heatmap](data:image/png;base64,AAAA)" in md


def test_html_is_standalone_and_escaped():
    page = render_html(_data())
    for section in SECTIONS:
        assert f"<h2>{section}</h2>" in page
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    # nothing is fetched when the page is opened: only data: URIs
    assert not re.search(r"""(src|href)=['"](?!data:)""", page)
    assert "default-src 'none'" in page
    assert "data:image/png;base64," in page


def test_empty_sections_say_so():
    md = render_markdown(ReportData(key="quiet.example.org"))
    assert md.count("_none found_") >= 5
    assert "_not available_" in md
