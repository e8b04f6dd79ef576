#!/usr/bin/env bash
# Debian/Ubuntu packages Qt needs to run (also offscreen), the Chinese font, and the PDF tools
# the tests use to look at printed pages, and PostgreSQL (the data-layer tests also run against
# a throw-away server, scripts/pg-test-server.sh), and chromium with its driver (the 扫码评价
# phone page is tested in a real headless browser, tests/test_web_survey_browser.py). Skipped when everything is already there.
set -euo pipefail
PKGS=(libegl1 libgl1 libfontconfig1 libxkbcommon0 libxkbcommon-x11-0 libdbus-1-3 libglib2.0-0
      libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-randr0 libxcb-render-util0
      libxcb-image0 libxcb-xinerama0 libxcb-xkb1 libxrender1 libxi6 libsm6 libice6
      fonts-wqy-microhei poppler-utils binutils python3-venv libreoffice-calc-nogui
      postgresql chromium chromium-driver)
command -v apt-get >/dev/null 2>&1 || { echo "不是 Debian/Ubuntu 系统,跳过系统软件包安装。"; exit 0; }
missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
