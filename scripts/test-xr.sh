#!/usr/bin/env bash
# `make test-xr`: run the tests marked `xr` against a real OpenXR runtime (Monado, simulated HMD).
#
# Debian bookworm has no OpenXR runtime; trixie's Monado needs glibc 2.38, so the runtime and the
# OpenXR client (pytest) both run inside a Debian trixie root file system built with debootstrap and
# cached OUTSIDE the repository (default /var/cache/oasis-xr; override with OASIS_XR_CACHE).
# The repository is bind-mounted read-only at /oasis; the tests start monado-service themselves
# (tests/scenes/test_scenes_xr*.py) so that they can kill and restart it.
#
# Usage: scripts/test-xr.sh [pytest args...]       (needs root)
#        scripts/test-xr.sh --clean                 (unmount and delete the cached chroot)
set -euo pipefail

cache="${OASIS_XR_CACHE:-/var/cache/oasis-xr}"
root="$cache/trixie"
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
apt_pkgs=(python3 python3-venv python3-pip ca-certificates monado-service libopenxr1-monado
          libopenxr-loader1 mesa-vulkan-drivers libvulkan1 libgl1-mesa-dri libegl1 libegl-mesa0 libgl1
          libglx-mesa0 fonts-noto-cjk procps)
# The Python packages the OpenXR tests need, with their pins as pyproject.toml states them (one place).
mapfile -t py_pkgs < <(python3 - "$repo/pyproject.toml" <<'PY'
import re, sys, tomllib

with open(sys.argv[1], "rb") as f:
    project = tomllib.load(f)["project"]
wanted = ["pyopenxr", "pyglet", "numpy", "pytest", "pytest-timeout"]
specs = {re.match(r"[A-Za-z0-9_.-]+", s).group(0).lower(): s
         for s in project["dependencies"] + project["optional-dependencies"]["dev"]}
missing = [name for name in wanted if name not in specs]
if missing:
    sys.exit(f"pyproject.toml does not name {missing}")
print("\n".join(specs[name] for name in wanted))
PY
)
[ ${#py_pkgs[@]} -eq 5 ] || { echo "test-xr: could not read the pins from pyproject.toml" >&2; exit 1; }
# Every test marked xr must pass, and no test may be skipped (tests/skip_gate.py): an XR run that
# tested nothing fails. Raise this when an XR test is added (9: five lifecycle and headset tests, and
# tests/scenes/test_scenes_xr_panel.py once for each of the four scenes).
xr_min_passed=9
# The stamp names what was installed: a change to either list rebuilds the environment.
want_stamp="$(printf '%s\n' "${apt_pkgs[@]}" "${py_pkgs[@]}" | sha256sum | cut -c1-16)"

[ "$(id -u)" -eq 0 ] || { echo "test-xr needs root (debootstrap, chroot, bind mounts)" >&2; exit 1; }

# One run at a time: runs share the chroot's bind mounts, and each unmounts them when it ends.
mkdir -p "$cache"
exec 9>"$cache/.lock"
flock 9

mounts=(proc sys dev dev/pts oasis)

unmount_all() {
  # Reverse order: dev/pts before dev. Never leave a bind mount behind in the cache.
  local i
  for ((i = ${#mounts[@]} - 1; i >= 0; i--)); do
    if mountpoint -q "$root/${mounts[i]}" 2>/dev/null; then
      umount "$root/${mounts[i]}" 2>/dev/null || umount -l "$root/${mounts[i]}"
    fi
  done
}

mount_all() {
  mkdir -p "$root/oasis"
  mountpoint -q "$root/proc" || mount -t proc proc "$root/proc"
  mountpoint -q "$root/sys" || mount --rbind /sys "$root/sys"
  mountpoint -q "$root/dev" || mount --bind /dev "$root/dev"
  mountpoint -q "$root/dev/pts" || mount --bind /dev/pts "$root/dev/pts"
  if ! mountpoint -q "$root/oasis"; then
    mount --bind "$repo" "$root/oasis"
    mount -o remount,bind,ro "$root/oasis"
  fi
}

delete_root() {
  unmount_all
  # Refuse to delete while anything is still mounted below the chroot.
  if grep -q " $root/" /proc/mounts; then
    echo "refusing to delete $root: still mounted:" >&2
    grep " $root/" /proc/mounts >&2
    exit 1
  fi
  rm -rf --one-file-system "$root"
}

if [ "${1:-}" = "--clean" ]; then
  delete_root
  echo "removed $root"
  exit 0
fi

trap unmount_all EXIT

build_root() {
  command -v debootstrap >/dev/null || {
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends debootstrap >/dev/null
  }
  [ -e "$root" ] && delete_root
  mkdir -p "$cache"
  echo "test-xr: debootstrap trixie into $root (once; cached)"
  debootstrap --variant=minbase trixie "$root" >"$cache/debootstrap.log" 2>&1 \
    || { tail -20 "$cache/debootstrap.log" >&2; exit 1; }
  mount_all
  # The host's package-index settings and extra CA certificates, for apt and pip inside.
  mkdir -p "$root/usr/local/share/ca-certificates" "$root/etc/xdg/pip" "$root/etc/pip"
  cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/" 2>/dev/null || true
  for f in /etc/pip.conf /etc/xdg/pip/pip.conf /etc/xdg/pip/constraints.txt; do
    [ -f "$f" ] && cp "$f" "$root$f"
  done
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  echo "test-xr: installing Monado and Mesa inside"
  chroot "$root" /usr/bin/env DEBIAN_FRONTEND=noninteractive bash -c "
    apt-get update -qq && apt-get install -y -qq --no-install-recommends ${apt_pkgs[*]} >/dev/null \
    && update-ca-certificates >/dev/null && apt-get clean"
  echo "test-xr: creating the Python environment inside"
  chroot "$root" /usr/bin/env -u PIP_FIND_LINKS bash -c "
    python3 -m venv /opt/oasis-venv && /opt/oasis-venv/bin/pip install -q \
      --cert /etc/ssl/certs/ca-certificates.crt $(printf "'%s' " "${py_pkgs[@]}")"
  echo "$want_stamp" >"$root/.oasis-xr-stamp"
}

started=$(date +%s)
if [ "$(cat "$root/.oasis-xr-stamp" 2>/dev/null)" != "$want_stamp" ]; then
  build_root
fi
mount_all
echo "test-xr: environment ready ($(($(date +%s) - started)) s); running the xr tests"

# Monado's socket lives in XDG_RUNTIME_DIR: one directory per run, so that a run of an older copy of
# this script (no lock) cannot connect to, or kill, this run's runtime.
xdg="/run/xdg-$$"
set +e
chroot "$root" /usr/bin/env -i PATH=/opt/oasis-venv/bin:/usr/bin:/bin HOME=/root LANG=C.UTF-8 \
  OASIS_XR_RUNTIME=monado XDG_RUNTIME_DIR="$xdg" \
  XR_RUNTIME_JSON=/usr/share/openxr/1/openxr_monado.json PYTHONDONTWRITEBYTECODE=1 \
  bash -c 'mkdir -p -m 700 "$XDG_RUNTIME_DIR" && cd /oasis && PYTHONPATH=/oasis python -m pytest -p no:cacheprovider \
    -m xr -q --min-passed '"$xr_min_passed"' tests/scenes/test_scenes_xr*.py "$@"' _ "$@"
rc=$?
rm -rf --one-file-system "${root:?}$xdg"
set -e
echo "test-xr: finished in $(($(date +%s) - started)) s (rc=$rc)"
exit $rc
