#!/usr/bin/env bash
# check-host-ca.sh IMAGE...: fails when an image carries what the build borrowed from this machine:
# an npmrc, the host's CA bundle, or any certificate the host added to the Debian set (the CAs that
# re-sign outbound TLS on some machines live in /usr/local/share/ca-certificates). Searches the
# image filesystems and their configuration.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: check-host-ca.sh IMAGE..." >&2; exit 2; }
BUNDLE=/etc/ssl/certs/ca-certificates.crt

# One base64 line from the middle of each local CA certificate: unique to that certificate.
needles=$(mktemp)
trap 'rm -f "$needles"' EXIT
shopt -s nullglob globstar
for crt in /usr/local/share/ca-certificates/**/*.crt; do
  awk '/BEGIN CERTIFICATE/ { n = 0; on = 1; next } /END CERTIFICATE/ { on = 0 } on { n++; if (n == 5) print }' "$crt" >> "$needles"
done
bundle_sum=''
[ -f "$BUNDLE" ] && bundle_sum=$(sha256sum < "$BUNDLE" | cut -d' ' -f1)

bad=0
for image in "$@"; do
  root=$(podman image mount "$image")
  found=$(
    cd "$root"
    find . \( -name .npmrc -o -name npmrc \) -print
    if [ -s "$needles" ]; then grep -rlF -f "$needles" . 2>/dev/null || true; fi
    if [ -n "$bundle_sum" ]; then
      find . -type f -size "$(stat -c %s "$BUNDLE")c" -exec sha256sum {} + | awk -v s="$bundle_sum" '$1 == s { print $2 }'
    fi
  )
  podman image unmount "$image" >/dev/null
  config=$(podman image inspect --format '{{json .Config}}' "$image" | grep -o -i -E 'npmrc|cafile|NODE_EXTRA_CA_CERTS|ca-certificates\.crt' || true)
  if [ -n "$found$config" ]; then
    echo "images: $image carries host TLS/npm configuration:" >&2
    printf '  %s\n' $found $config >&2
    bad=1
  fi
done
exit $bad
