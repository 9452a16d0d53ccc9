# syntax=docker/dockerfile:1
# openelb-ts images. CI has no container engine, so these builds are not exercised there; CI runs
# the same `npm run build:prod` as the build stage, and test/deploy starts the manager from its
# output (--help, --version).
#
#   docker build -t openelb-manager .                   manager (the default, last target)
#   docker build --target gobgpd -t openelb-gobgpd .    gobgpd sidecar (Debian's package)
#
# The AF_PACKET addon is native code: build each architecture on (or for) that architecture.

ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm AS build
# node-gyp compiles the addon against this image's Node headers instead of downloading them.
ENV npm_config_nodedir=/usr/local
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/check-node.mjs scripts/
# npm ci runs the package's install script, which compiles the addon: its sources must be there.
COPY src/layer2/native/ src/layer2/native/
RUN npm ci --no-audit --no-fund
COPY . .
# tsc for src/ plus the addon, then only what the runtime needs into /out.
RUN npm run build:prod \
 && npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p /out/src/layer2/native/build/Release \
 && cp -r package.json dist node_modules proto /out/ \
 && cp src/layer2/native/build/Release/afpacket.node /out/src/layer2/native/build/Release/

FROM debian:bookworm-slim AS gobgpd
RUN apt-get update \
 && apt-get install -y --no-install-recommends gobgpd \
 && rm -rf /var/lib/apt/lists/*
# The chart runs it as 65532 (root with NET_BIND_SERVICE only for a BGP port below 1024).
USER 65532:65532
ENTRYPOINT ["gobgpd"]
CMD ["--api-hosts=unix:///run/openelb/gobgpd.sock", "--pprof-disable", "--log-plain"]

FROM node:${NODE_VERSION}-bookworm-slim AS manager
ENV NODE_ENV=production
WORKDIR /app
COPY --from=build /out/ /app/
# Runs as root with every capability but NET_RAW dropped by the pod spec (see the chart).
ENTRYPOINT ["node", "/app/dist/src/main.js"]
