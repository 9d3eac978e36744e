#!/usr/bin/env bash
# Installs the Debian packages the project needs, only those missing; apt-get update only when something is.
set -euo pipefail
packages=(fonts-noto-cjk libharfbuzz-subset0 fontconfig libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core
          postgresql chromium poppler-utils wrk python3-venv)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing Debian packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
$SUDO apt-get update -q
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
