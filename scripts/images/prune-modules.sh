#!/bin/sh
# prune-modules.sh DIR: drops from production node_modules what Node never loads at run time:
# type declarations and TypeScript sources (Node does not strip types under node_modules), source
# maps (only read with --enable-source-maps, and a missing one is skipped), markdown, and type-only
# packages. Licence and notice files stay. check-modules.mjs then imports every dependency.
set -eu
dir=${1:?usage: prune-modules.sh NODE_MODULES_DIR}
[ -d "$dir" ] || { echo "prune-modules.sh: $dir is not a directory" >&2; exit 1; }
before=$(du -sk "$dir" | cut -f1)
find "$dir" -depth -type d \( -path '*/node_modules/@types' -o -path '*/node_modules/undici-types' \) -exec rm -rf {} +
find "$dir" -type f \( -name '*.ts' -o -name '*.mts' -o -name '*.cts' -o -name '*.map' -o -iname '*.md' -o -iname '*.markdown' \) \
  ! -iname 'licen[cs]e*' ! -iname 'notice*' ! -iname 'copying*' -delete
after=$(du -sk "$dir" | cut -f1)
echo "prune-modules.sh: $dir $((before / 1024)) MB -> $((after / 1024)) MB"
