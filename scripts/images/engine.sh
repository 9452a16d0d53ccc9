#!/usr/bin/env bash
# Podman and its helpers from Debian (only when missing), and an engine configuration that works on
# these machines: crun cannot set rlimits or use hybrid cgroups here, runc with cgroupfs can.
# /etc/containers/containers.conf is written only when absent or when we wrote it (marker line);
# a configuration of the machine's owner is never replaced.
set -euo pipefail

PKGS=(podman buildah runc fuse-overlayfs slirp4netns uidmap mmdebstrap)
CONF=${CONTAINERS_CONF_PATH:-/etc/containers/containers.conf}
MARKER='# openelb-ts scripts/images/engine.sh wrote this file (delete this line to keep your edits)'

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "images: missing packages ${missing[*]} and not root; install them with apt-get" >&2
    exit 1
  fi
  echo "images: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

want=$(cat <<CONF
$MARKER
[containers]
# Raising these limits needs CAP_SYS_RESOURCE, which root lacks on some CI machines.
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
)

if [ ! -e "$CONF" ]; then
  mkdir -p "$(dirname "$CONF")"
  printf '%s\n' "$want" > "$CONF"
  echo "images: wrote $CONF (runc, cgroupfs, file events, ulimits)"
elif head -n 1 "$CONF" | grep -qxF "$MARKER"; then
  if [ "$(cat "$CONF")" != "$want" ]; then
    printf '%s\n' "$want" > "$CONF"
    echo "images: updated $CONF"
  fi
else
  echo "images: $CONF exists and is not ours; leaving it as it is (if builds fail with crun or" \
    "setrlimit errors, give it the [engine] and [containers] settings this script writes)" >&2
fi
