# syntax=docker/dockerfile:1
# openelb-ts images. `make images` builds both with podman on a machine that reaches no registry
# (stand-in bases, see scripts/images/); with Docker and the official bases it is the same file:
#
#   docker build -t openelb-manager .                   manager (the default, last target)
#   docker build --target gobgpd -t openelb-gobgpd .    gobgpd sidecar (Debian's package)
#
# Both runtime images are FROM scratch: the program, the shared libraries it links and, for gobgpd,
# the shell and the three tools its probes run (sh, rm, date, stat). The manager has no shell.
# The AF_PACKET addon is native code: build each architecture on (or for) that architecture.

ARG NODE_VERSION=24

FROM node:${NODE_VERSION}-bookworm AS build
# node-gyp compiles the addon against this image's Node headers instead of downloading them. npm
# passes npm_package_config_node_gyp_* through without the "Unknown env config" warning that
# npm_config_nodedir gets (and that npm's next major turns into an error).
ENV npm_package_config_node_gyp_nodedir=/usr/local
WORKDIR /src
COPY package.json package-lock.json ./
COPY scripts/check-node.mjs scripts/
# npm ci runs the package's install script, which compiles the addon: its sources must be there.
COPY src/layer2/native/ src/layer2/native/
RUN npm ci --no-audit --no-fund
COPY . .
# tsc for src/ plus the addon, then only what the runtime needs into /out; production modules lose
# what Node never loads, and every dependency must still import from /out.
RUN npm run build:prod \
 && npm prune --omit=dev --no-audit --no-fund \
 && sh scripts/images/prune-modules.sh node_modules \
 && mkdir -p /out/src/layer2/native/build/Release \
 && cp -r package.json dist node_modules proto /out/ \
 && cp src/layer2/native/build/Release/afpacket.node /out/src/layer2/native/build/Release/ \
 && node scripts/images/check-modules.mjs /out

# Node's binary and its libraries as a root filesystem (from the build base: no second download).
FROM node:${NODE_VERSION}-bookworm AS node-rootfs
COPY scripts/images/rootfs.sh /usr/local/bin/
RUN sh /usr/local/bin/rootfs.sh /rootfs /usr/local/bin/node \
 && chroot /rootfs /usr/local/bin/node -e 'process.exit(0)'

FROM debian:bookworm-slim AS gobgpd-rootfs
RUN apt-get update \
 && apt-get install -y --no-install-recommends gobgpd \
 && rm -rf /var/lib/apt/lists/*
COPY scripts/images/rootfs.sh /usr/local/bin/
# The chart's probes and command run /bin/sh with test, [, umask, exec (shell builtins), rm, date
# and stat.
RUN sh /usr/local/bin/rootfs.sh /rootfs /usr/bin/gobgpd /bin/sh /usr/bin/rm /usr/bin/date /usr/bin/stat \
 && chroot /rootfs /bin/sh -c 'gobgpd --version && rm --version && date +%s && stat -c %Y /' >/dev/null

FROM scratch AS gobgpd
COPY --from=gobgpd-rootfs /rootfs/ /
ENV PATH=/usr/bin:/bin
# The chart runs it as 65532 (root with NET_BIND_SERVICE only for a BGP port below 1024).
USER 65532:65532
ENTRYPOINT ["gobgpd"]
CMD ["--api-hosts=unix:///run/openelb/gobgpd.sock", "--pprof-disable", "--log-plain"]

FROM scratch AS manager
COPY --from=node-rootfs /rootfs/ /
COPY --from=build /out/ /app/
ENV PATH=/usr/local/bin:/usr/bin:/bin NODE_ENV=production
WORKDIR /app
# Runs as root with every capability but NET_RAW dropped by the pod spec (see the chart).
ENTRYPOINT ["node", "/app/dist/src/main.js"]
