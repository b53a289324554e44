#!/usr/bin/env bash
# Builds the statically linked release binary (glibc static-pie) and checks that it is
# static: `file` must say so and `ldd` must find no shared libraries.
set -euo pipefail
cd "$(dirname "$0")/.."
target=x86_64-unknown-linux-gnu
RUSTFLAGS="-C target-feature=+crt-static" cargo build --release --locked --target "$target"
bin=target/$target/release/proxy
description=$(file -b "$bin")
echo "$bin: $description"
case "$description" in
  *"static-pie linked"* | *"statically linked"*) ;;
  *) echo "error: $bin is not statically linked" >&2; exit 1 ;;
esac
if ldd "$bin" 2>&1 | grep -q '=>'; then
  echo "error: ldd finds shared libraries in $bin:" >&2
  ldd "$bin" >&2
  exit 1
fi
if cargo tree --target "$target" -e normal | grep -qi openssl; then
  echo "error: OpenSSL is in the dependency tree" >&2
  exit 1
fi
"$bin" --version
echo "static: ok"
