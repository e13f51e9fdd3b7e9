#!/usr/bin/env bash
# Installs the Debian packages Oasis needs, only those that are missing.
# Usage: scripts/install-system-deps.sh [runtime|test]
set -euo pipefail
profile="${1:-runtime}"

runtime=(python3 python3-venv python3-pip libegl1 libegl-mesa0 libgl1-mesa-dri libgl1 libglu1-mesa
         fontconfig fonts-noto-cjk libasound2 xvfb xauth)
# systemd for systemd-analyze (the unit's check), openssl for the TLS certificates of the tests
test_extra=(chromium postgresql debootstrap xdotool systemd openssl)

want=("${runtime[@]}")
[ "$profile" = test ] && want+=("${test_extra[@]}")

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing Debian packages: ${missing[*]}"
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "need root (or sudo) to install: ${missing[*]}" >&2; exit 1; }
  sudo=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
