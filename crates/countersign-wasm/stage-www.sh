#!/usr/bin/env bash
# Assembles one directory for `countersign-server serve --web-dir DEST` that
# serves the approval web app and, beside it, the www/ example with the
# package it imports. The server serves only the top level of --web-dir
# (crates/countersign-server/src/web.rs), so the layout is flat:
#
#   DEST/index.html, DEST/countersign-web-*.{js,wasm}, ...   the app (dist/)
#   DEST/example.html                                          www/index.html
#   DEST/main.js                                               www/main.js
#   DEST/countersign_wasm.js, DEST/countersign_wasm_bg.wasm    pkg/web/
#
# The example is then at {public URL}/example.html. Build the app (trunk) and
# the package (build.sh) first.
#
# Usage: stage-www.sh DEST
# Environment: COUNTERSIGN_WEB_DIR (the built app, default ROOT/dist),
#              COUNTERSIGN_PKG_DIR (the built package, default ROOT/pkg).
set -euo pipefail

if [ "$#" -ne 1 ]; then
  echo "usage: $0 DEST" >&2
  exit 2
fi
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
dest="$1"
dist="${COUNTERSIGN_WEB_DIR:-$root/dist}"
pkg="${COUNTERSIGN_PKG_DIR:-$root/pkg}"

if [ ! -f "$dist/index.html" ]; then
  echo "stage-www.sh: no app in $dist: build it with trunk (cargo xtask builds it)" >&2
  exit 1
fi
if [ ! -f "$pkg/web/countersign_wasm.js" ]; then
  echo "stage-www.sh: no package in $pkg: run crates/countersign-wasm/build.sh" >&2
  exit 1
fi
# Only ever empty a directory this script made (it holds the example and
# the package; no marker file, since the server would serve it too).
if [ -e "$dest" ]; then
  if [ -f "$dest/example.html" ] && [ -f "$dest/countersign_wasm_bg.wasm" ]; then
    rm -rf "$dest"
  elif [ -n "$(ls -A "$dest")" ]; then
    echo "stage-www.sh: $dest is not empty and was not made by this script" >&2
    exit 1
  fi
fi
mkdir -p "$dest"

find "$dist" -maxdepth 1 -type f -exec cp {} "$dest/" \;
for name in example.html main.js countersign_wasm.js countersign_wasm_bg.wasm; do
  if [ -e "$dest/$name" ]; then
    echo "stage-www.sh: the app already has a file named $name" >&2
    exit 1
  fi
done
cp "$root/www/index.html" "$dest/example.html"
cp "$root/www/main.js" "$dest/main.js"
cp "$pkg/web/countersign_wasm.js" "$pkg/web/countersign_wasm_bg.wasm" "$dest/"
echo "staged the app and the example in $dest (example at /example.html)"
