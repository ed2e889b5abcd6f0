#!/usr/bin/env bash
# Builds the release binary and puts it where host.json expects it (./handler at the app root),
# so that `func start` and `func azure functionapp publish` find it.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --bin handler
cp target/release/handler ./handler
echo "built ./handler ($(du -h handler | cut -f1))"
