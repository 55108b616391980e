#!/usr/bin/env bash
# Make the browser test runnable: Debian's chromium at /usr/bin/chromium, and the PyPI `playwright` package in the
# venv (a dev extra). Playwright's own browser download is never used (`playwright install` is not run).
# Idempotent and quiet: does nothing when both are present. Needs root (CI and the dev machines run as root).
#   usage: bash scripts/ensure-chromium.sh        (VENV=path overrides .venv)
set -euo pipefail
cd "$(dirname "$0")/.."

CHROMIUM=/usr/bin/chromium
VENV=${VENV:-.venv}

if [ ! -x "$CHROMIUM" ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        echo "ensure-chromium: $CHROMIUM is missing and apt-get is not available; install Chromium by hand" \
             "(the browser test expects it at $CHROMIUM)" >&2
        exit 2
    fi
    if [ "$(id -u)" -ne 0 ]; then
        echo "ensure-chromium: $CHROMIUM is missing and installing it needs root (apt-get install chromium)" >&2
        exit 2
    fi
    echo "ensure-chromium: installing Debian's chromium (apt-get)"
    log=$(mktemp)
    if ! { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium; } \
            >"$log" 2>&1; then
        tail -n 30 "$log" >&2
        rm -f "$log"
        echo "ensure-chromium: apt-get could not install chromium (output above)" >&2
        exit 3
    fi
    rm -f "$log"
    if [ ! -x "$CHROMIUM" ]; then
        echo "ensure-chromium: apt-get succeeded but $CHROMIUM is still missing" >&2
        exit 3
    fi
fi

if [ -x "$VENV/bin/python" ]; then
    if ! "$VENV/bin/python" -c 'import playwright.sync_api' >/dev/null 2>&1; then
        echo "ensure-chromium: installing the dev extras (playwright) into $VENV"
        PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 "$VENV/bin/python" -m pip install --quiet -e '.[dev]'
        "$VENV/bin/python" -c 'import playwright.sync_api' || {
            echo "ensure-chromium: playwright is still not importable from $VENV; is it in pyproject's dev extras?" >&2
            exit 4
        }
    fi
else
    echo "ensure-chromium: no venv at $VENV (run 'make install'); chromium is ready, playwright not checked" >&2
fi
