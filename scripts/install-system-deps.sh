#!/usr/bin/env bash
# Installs the Debian packages the test suite and the lab need, only when missing.
# Runs as root on Debian 12 (CI and developer machines). Never starts the daemons it installs.
set -euo pipefail

PKGS=(gobgpd bird2 frr iputils-arping iputils-ping ndisc6 tcpdump yamllint iproute2 curl unzip procps psmisc openssl prometheus)

missing=()
for p in "${PKGS[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  echo "install-system-deps: missing packages ${missing[*]} and not root; install them with apt-get" >&2
  exit 1
fi

# Keep package post-install scripts from starting bird/frr in the root namespace.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy"
  chmod +x "$policy"
  created_policy=1
fi
trap '[ "$created_policy" = 1 ] && rm -f "$policy"' EXIT

echo "install-system-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
