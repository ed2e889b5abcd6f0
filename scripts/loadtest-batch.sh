#!/usr/bin/env bash
# Batch load test: events per second through EventHubTrigger (Event Hubs batches of 100 and 500
# events, `dataType: string`, as the host posts them) against the one-event webhook path
# (EventGridTrigger), the same distinct events, the same release handler, in one run on this
# machine. Bodies come from examples/batch_body.rs (the ones benches/batch.rs measures).
# Prints requests/s, events/s, p50/p99 latency and the events/s ratio (target: batch >= 10x).
#
#   scripts/loadtest-batch.sh                 # 10 s per mode
#   DURATION=30 scripts/loadtest-batch.sh
#
# Connections: the webhook run uses 64 (Event Grid pushes many deliveries at once), the batch
# runs 8 (the Event Hubs trigger sends one batch at a time per partition: 8 = the template's
# default partition count, all on one instance).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
BATCH_CONNECTIONS="${BATCH_CONNECTIONS:-8}"
THREADS="${THREADS:-2}"

if ! command -v wrk >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing wrk (Debian package)…" >&2
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk) >/dev/null
  else
    echo "wrk is needed: install it with 'sudo apt-get install wrk' (Debian/Ubuntu) or 'brew install wrk'" >&2
    exit 2
  fi
fi

cargo build --release --quiet --bin handler
HANDLER=target/release/handler
BODIES_DIR=$(mktemp -d)
trap 'rm -rf "$BODIES_DIR"' EXIT
# The generator only writes files: the debug build is enough.
cargo run --quiet --example batch_body -- "$BODIES_DIR" 100 500

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }

# run_one NAME FUNCTION BODIES EVENTS_PER_REQUEST CONNECTIONS -> "NAME rps events_per_s p50_us p99_us errors"
run_one() {
  local name=$1 function=$2 bodies=$3 per=$4 connections=$5 port pid out line
  port=$(free_port)
  FUNCTIONS_CUSTOMHANDLER_PORT=$port RUST_LOG=warn "$HANDLER" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 400); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.025
  done
  export BODIES_DIR FUNCTION="$function" BODIES="$bodies"
  wrk -t"$THREADS" -c"$connections" -d2s -s scripts/mix.lua "http://127.0.0.1:$port" >/dev/null
  out=$(wrk -t"$THREADS" -c"$connections" -d"${DURATION}s" --timeout 10s --latency -s scripts/mix.lua "http://127.0.0.1:$port")
  kill -TERM "$pid"; wait "$pid" || true
  line=$(echo "$out" | grep '^RESULT')
  local rps p50 p99 errors
  rps=$(echo "$line" | sed -E 's/.*rps=([0-9.]+).*/\1/')
  p50=$(echo "$line" | sed -E 's/.*p50_us=([0-9]+).*/\1/')
  p99=$(echo "$line" | sed -E 's/.*p99_us=([0-9]+).*/\1/')
  errors=$(echo "$line" | sed -E 's/.*errors=([0-9]+).*/\1/')
  echo "$name $rps $(python3 -c "print($rps * $per)") $p50 $p99 $errors"
}

singles=$(seq -s, -f 'single-%g' 0 99)
echo "machine: $(nproc) cores, $(uname -m); webhook ${CONNECTIONS} connections, batches ${BATCH_CONNECTIONS}; ${THREADS} wrk threads, ${DURATION}s per mode"
webhook=$(run_one webhook EventGridTrigger "$singles" 1 "$CONNECTIONS")
batch100=$(run_one batch-100 EventHubTrigger batch-100 100 "$BATCH_CONNECTIONS")
batch500=$(run_one batch-500 EventHubTrigger batch-500 500 "$BATCH_CONNECTIONS")

python3 - "$webhook" "$batch100" "$batch500" <<'PY'
import sys
rows = [a.split() for a in sys.argv[1:]]
print("| mode      | requests/s | events/s   | p50 (ms) | p99 (ms) | errors | events/s vs webhook |")
print("|-----------|-----------:|-----------:|---------:|---------:|-------:|--------------------:|")
base = float(rows[0][2])
for r in rows:
    ratio = float(r[2]) / base
    print(f"| {r[0]:<9} | {float(r[1]):>10.0f} | {float(r[2]):>10.0f} | {int(r[3])/1000:>8.3f} | {int(r[4])/1000:>8.3f} | {r[5]:>6} | {ratio:>18.2f}x |")
best = max(float(r[2]) for r in rows[1:]) / base
print()
print(f"target: batch events/s >= 10x the webhook path: {'met' if best >= 10 else 'NOT met'} ({best:.2f}x)")
PY
