#!/usr/bin/env bash
# `make images`: the manager and gobgpd images from the Dockerfile with podman, tagged as
# deploy/openelb.yaml names them, on a machine that may reach no container registry.
#  1. podman & co. and a working engine configuration (engine.sh)
#  2. stand-in base images unless present (bases.sh)
#  3. both builds with the host's CA bundle and an npmrc naming it mounted for the build only,
#     skipped when the images already carry the key of this build context
#  4. removes what the run left untagged, checks that nothing of the host's TLS setup is in the
#     images, prints their sizes
set -euo pipefail
cd "$(dirname "$0")/../.."
start=$SECONDS

bash scripts/images/engine.sh
dangling_before=$(podman images --quiet --no-trunc --filter dangling=true | sort)
bash scripts/images/bases.sh

# The images the manifest runs (overridable for a registry push).
manifest_image() { awk -v c="$1" '/^[ ]*- name: /{ n = $3 } /^[ ]*image: / && n == c { print $2; exit }' deploy/openelb.yaml; }
MANAGER_IMAGE=${MANAGER_IMAGE:-$(manifest_image manager)}
GOBGPD_IMAGE=${GOBGPD_IMAGE:-$(manifest_image gobgpd)}
[ -n "$MANAGER_IMAGE" ] && [ -n "$GOBGPD_IMAGE" ] || { echo "images: no image names in deploy/openelb.yaml" >&2; exit 1; }

# Every file that can enter the build context (git's view, less the plain names .dockerignore drops),
# the bases and these scripts: an image labelled with the same key needs no rebuild.
LABEL=io.openelb-ts.context-key
context_key() {
  git rev-parse --is-inside-work-tree >/dev/null 2>&1 || return 0
  local excludes=()
  while read -r line; do
    [[ $line =~ ^[A-Za-z0-9._-]+$ ]] && excludes+=(":(exclude)$line")
  done < .dockerignore
  {
    git ls-files -z --cached --others --exclude-standard -- . "${excludes[@]}" | sort -z | xargs -0 sha256sum 2>/dev/null || true
    podman image inspect --format '{{.Id}}' "node:$(sed -n 's/^ARG NODE_VERSION=//p' Dockerfile)-bookworm" debian:bookworm-slim
  } | sha256sum | cut -c1-16
}
key=$(context_key)
current() { [ -n "$key" ] && [ "$(podman image inspect --format "{{ index .Labels \"$LABEL\" }}" "$1" 2>/dev/null)" = "$key" ]; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
build_args=(--pull=never --layers=false --label "$LABEL=${key:-none}")
# Machines whose outbound TLS is re-signed need the host's CA bundle to reach the npm registry.
# Bind mounts exist only while a RUN step runs: nothing of them is committed.
if [ -f /etc/ssl/certs/ca-certificates.crt ]; then
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\n' > "$work/npmrc"
  registry=$(npm config get registry 2>/dev/null || true)
  [ -n "$registry" ] && [ "$registry" != https://registry.npmjs.org/ ] && printf 'registry=%s\n' "$registry" >> "$work/npmrc"
  build_args+=(-v /etc/ssl/certs/ca-certificates.crt:/etc/ssl/certs/ca-certificates.crt:ro -v "$work/npmrc:/root/.npmrc:ro")
fi

# npm's download cache survives between builds (bind-mounted like the above, never committed).
NPM_CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/openelb-ts/image-npm-cache
mkdir -p "$NPM_CACHE"
build_args+=(-v "$NPM_CACHE:/root/.npm")

build() {
  local image=$1 t0=$SECONDS
  shift
  if current "$image"; then echo "images: $image is up to date"; return; fi
  echo "images: building $image"
  if ! podman build "${build_args[@]}" "$@" -t "$image" . > "$work/build.log" 2>&1; then
    cat "$work/build.log" >&2
    echo "images: building $image failed" >&2
    exit 1
  fi
  grep -E '^(prune-modules|check-modules)' "$work/build.log" || true
  echo "images: built $image in $((SECONDS - t0)) s"
}
build "$GOBGPD_IMAGE" --target gobgpd
build "$MANAGER_IMAGE"

# What this run left untagged: the stages of the builds, images the new tags replaced.
comm -13 <(echo "$dangling_before") <(podman images --quiet --no-trunc --filter dangling=true | sort) \
  | xargs -r podman rmi >/dev/null 2>&1 || true

bash scripts/images/check-host-ca.sh "$MANAGER_IMAGE" "$GOBGPD_IMAGE"
size() { podman image inspect --format '{{.Size}}' "$1" | awk '{ printf "%.1f MB", $1 / 1e6 }'; }
echo "images: $MANAGER_IMAGE $(size "$MANAGER_IMAGE")"
echo "images: $GOBGPD_IMAGE $(size "$GOBGPD_IMAGE")"
echo "images: done in $((SECONDS - start)) s"
