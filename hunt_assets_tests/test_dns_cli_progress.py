"""score-dns shows progress on stderr only when stderr is a terminal and the input is large."""

import os
import pty
import subprocess
import sys

import pytest

from hunt_assets.analytics.dns import cli as dns_cli


def _run(path, *, tty: bool) -> tuple[str, str]:
    if not tty:
        proc = subprocess.run([sys.executable, "-m", "hunt_assets.cli", "score-dns", str(path)],
                              capture_output=True, text=True, timeout=120)
        return proc.stdout, proc.stderr
    master, slave = pty.openpty()
    try:
        proc = subprocess.run([sys.executable, "-m", "hunt_assets.cli", "score-dns", str(path)],
                              stdout=subprocess.PIPE, stderr=slave, text=True, timeout=120)
        os.close(slave)
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:  # the pty is closed once the child is gone
                break
            if not data:
                break
            chunks.append(data)
        return proc.stdout, b"".join(chunks).decode(errors="replace")
    finally:
        os.close(master)


@pytest.fixture(scope="module")
def large_input(tmp_path_factory):
    path = tmp_path_factory.mktemp("names") / "names.txt"
    n = dns_cli.LARGE_INPUT + 10
    path.write_text("\n".join(f"host{i}.example{i % 97}.com" for i in range(n)) + "\n", encoding="utf-8")
    assert path.stat().st_size > dns_cli.LARGE_BYTES
    return path, n


def test_progress_on_a_terminal_for_large_input(large_input):
    path, n = large_input
    out, err = _run(path, tty=True)
    assert out.count("\n") == n + 1  # header + one row per distinct name, stdout untouched by progress
    assert "distinct names" in err
    assert "reading " in err  # the file is over LARGE_BYTES: said before it is read


def test_no_progress_when_stderr_is_not_a_terminal(large_input):
    path, n = large_input
    out, err = _run(path, tty=False)
    assert out.count("\n") == n + 1
    assert err == ""


def test_reading_line_for_a_big_file_of_few_rows(tmp_path):
    """A big log with few distinct rows still says it is reading, and ends the line it started."""
    path = tmp_path / "big.txt"
    path.write_text(("x" * 1000 + ".example.com\n") * (dns_cli.LARGE_BYTES // 1000 + 10))
    out, err = _run(path, tty=True)
    assert out.count("\n") == 2
    assert "reading " in err
    assert err.endswith("\n")
