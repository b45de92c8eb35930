#!/usr/bin/env bash
# Builds the npm package `countersign` from this crate into pkg/ at the
# repository root (build output, never committed):
#
#   pkg/package.json   name `countersign`, `exports` for browsers and Node
#   pkg/web/           wasm-bindgen --target web (ES module; call init() first)
#   pkg/node/          wasm-bindgen --target nodejs (CommonJS; ready on import)
#   pkg/README.md      this crate's README
#
# and prints the wasm's size gzipped. Needs the wasm32 target, the
# wasm-bindgen CLI at exactly the version in Cargo.lock, and wasm-opt from
# binaryen 132 (node_modules/.bin, as `npm ci` at the root installs it).
#
# Environment (defaults in brackets):
#   COUNTERSIGN_PKG_DIR   where to write the package   [ROOT/pkg]
#   WASM_BINDGEN          the wasm-bindgen CLI          [wasm-bindgen on PATH]
#   WASM_OPT              binaryen's wasm-opt           [ROOT/node_modules/.bin/wasm-opt]
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
crate="$root/crates/countersign-wasm"
out="${COUNTERSIGN_PKG_DIR:-$root/pkg}"
wasm_bindgen="${WASM_BINDGEN:-wasm-bindgen}"
wasm_opt="${WASM_OPT:-$root/node_modules/.bin/wasm-opt}"

cd "$root"

# The CLI refuses a module made by another wasm-bindgen version, so check
# first and say what to do.
locked="$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print }' Cargo.lock)"
installed="$("$wasm_bindgen" --version | awk '{ print $2 }')"
if [ "$locked" != "$installed" ]; then
  echo "build.sh: wasm-bindgen CLI is $installed but Cargo.lock has $locked:" >&2
  echo "  cargo install wasm-bindgen-cli --version $locked" >&2
  exit 1
fi
if [ ! -x "$wasm_opt" ]; then
  echo "build.sh: no wasm-opt at $wasm_opt: run npm ci at the repository root" >&2
  exit 1
fi

cargo build -p countersign-wasm --target wasm32-unknown-unknown --profile wasm-release
input="${CARGO_TARGET_DIR:-$root/target}/wasm32-unknown-unknown/wasm-release/countersign_wasm.wasm"

rm -rf "$out"
mkdir -p "$out"
"$wasm_bindgen" --target web --out-dir "$out/web" "$input"
"$wasm_bindgen" --target nodejs --out-dir "$out/node" "$input"
for wasm in "$out/web/countersign_wasm_bg.wasm" "$out/node/countersign_wasm_bg.wasm"; do
  "$wasm_opt" -Oz --strip-debug --strip-producers "$wasm" -o "$wasm"
done

# The Node build is CommonJS; the package as a whole is ES modules.
printf '{\n  "type": "commonjs"\n}\n' >"$out/node/package.json"

version="$(awk -F'"' '/^\[workspace.package\]/ { in_ws = 1 } in_ws && /^version/ { print $2; exit }' Cargo.toml)"
cat >"$out/package.json" <<EOF
{
  "name": "countersign",
  "version": "$version",
  "description": "Request, approve and verify countersign logins from JavaScript (browsers and Node), in WebAssembly.",
  "license": "MIT OR Apache-2.0",
  "type": "module",
  "main": "./node/countersign_wasm.js",
  "module": "./web/countersign_wasm.js",
  "types": "./web/countersign_wasm.d.ts",
  "exports": {
    ".": {
      "browser": {
        "types": "./web/countersign_wasm.d.ts",
        "default": "./web/countersign_wasm.js"
      },
      "node": {
        "types": "./node/countersign_wasm.d.ts",
        "default": "./node/countersign_wasm.js"
      },
      "default": {
        "types": "./web/countersign_wasm.d.ts",
        "default": "./web/countersign_wasm.js"
      }
    },
    "./web": {
      "types": "./web/countersign_wasm.d.ts",
      "default": "./web/countersign_wasm.js"
    },
    "./node": {
      "types": "./node/countersign_wasm.d.ts",
      "default": "./node/countersign_wasm.js"
    },
    "./countersign_wasm_bg.wasm": "./web/countersign_wasm_bg.wasm",
    "./package.json": "./package.json"
  },
  "files": ["web", "node", "README.md"],
  "engines": { "node": ">=20" }
}
EOF
cp "$crate/README.md" "$out/README.md"

wasm="$out/web/countersign_wasm_bg.wasm"
bytes="$(wc -c <"$wasm" | tr -d ' ')"
gz_bytes="$(gzip -9c "$wasm" | wc -c | tr -d ' ')"
# Its gate (how much it may grow) is `cargo xtask test`'s: xtask/src/sizes.rs.
echo "package wasm: $bytes bytes, $gz_bytes bytes gzipped"
