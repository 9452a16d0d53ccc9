#!/bin/sh
# rootfs.sh DEST PATH...: a minimal root filesystem in DEST holding the given files, every shared
# library their ELF binaries load (as ldd reports them) and the symlinks on the way, at the same
# paths as on this system. Runs inside the Dockerfile's assembly stages (Debian, merged /usr or not).
# Also writes what a runtime and image scanners expect of a root filesystem: /etc/passwd and
# /etc/group (root and nonroot 65532), /etc/os-release, a 1777 /tmp, and for every Debian package a
# file was taken from, its dpkg record in /var/lib/dpkg/status.d/ and its copyright file.
set -eu

dest=$1
shift
[ $# -gt 0 ] || { echo "usage: rootfs.sh DEST PATH..." >&2; exit 2; }
mkdir -p "$dest"
packages=$(mktemp)
trap 'rm -f "$packages"' EXIT

# The Debian package that ships a file; dpkg knows pre-merge paths (/bin/dash for /usr/bin/dash)
# and lists diversions (/bin/sh) before the owner.
owner() {
  for p in "$@" "${2#/usr}" "/usr$2"; do
    pkg=$(dpkg-query -S "$p" 2>/dev/null | grep -v '^diversion by' | sed -n '1s/^\([^:,]*\).*/\1/p') || true
    if [ -n "$pkg" ]; then echo "$pkg"; return; fi
  done
}

add() {
  dir=$(realpath -e "$(dirname "$1")")
  src="$dir/$(basename "$1")"
  to="$dest$src"
  if [ -e "$to" ] || [ -L "$to" ]; then return; fi
  [ -e "$src" ] || { echo "rootfs.sh: $1 does not exist" >&2; exit 1; }
  mkdir -p "$dest$dir"
  owner "$1" "$src" >> "$packages"
  if [ -L "$src" ]; then
    cp -P "$src" "$to"
    link=$(readlink "$src")
    case $link in /*) add "$link" ;; *) add "$dir/$link" ;; esac
  else
    cp -p "$src" "$to"
    # ldd prints a path for every library it resolved and for the ELF interpreter.
    for lib in $(ldd "$src" 2>/dev/null | awk '{ for (i = 1; i <= NF; i++) if ($i ~ /^\//) print $i }'); do
      add "$lib"
    done
  fi
}

for f in "$@" /etc/os-release; do add "$f"; done

# Merged /usr: /bin, /lib, /lib64, /sbin are links into /usr; keep them where their targets exist.
for top in /bin /sbin /lib /lib32 /lib64 /libx32; do
  if [ -L "$top" ] && [ -d "$dest/$(realpath -m "$top" | sed 's|^/||')" ] && [ ! -e "$dest$top" ]; then
    ln -s "$(readlink "$top")" "$dest$top"
  fi
done

mkdir -p "$dest/etc" "$dest/tmp" "$dest/var/lib/dpkg/status.d"
chmod 1777 "$dest/tmp"
printf '%s\n' 'root:x:0:0:root:/root:/sbin/nologin' 'nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin' > "$dest/etc/passwd"
printf '%s\n' 'root:x:0:' 'nonroot:x:65532:' > "$dest/etc/group"

for pkg in $(sort -u "$packages"); do
  dpkg-query -s "$pkg" > "$dest/var/lib/dpkg/status.d/$pkg"
  if [ -f "/usr/share/doc/$pkg/copyright" ]; then
    mkdir -p "$dest/usr/share/doc/$pkg"
    cp "/usr/share/doc/$pkg/copyright" "$dest/usr/share/doc/$pkg/"
  fi
done
