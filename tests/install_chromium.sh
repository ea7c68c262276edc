#!/bin/sh
# Headless Chromium for the browser tests (tests/test_ui.py): Debian's chromium and chromium-driver.
# Called by `make test`; does nothing when /usr/bin/chromium is already there.
set -e
[ -x /usr/bin/chromium ] && exit 0
if [ "$(id -u)" != "0" ] || ! command -v apt-get >/dev/null 2>&1; then
    echo "chromium is missing and cannot be installed here (needs root and apt-get); the browser tests will skip" >&2
    exit 0
fi
echo "installing chromium and chromium-driver for the browser tests (about 30 s)" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -q >/dev/null
apt-get install -y -q --no-install-recommends chromium chromium-driver >/dev/null
