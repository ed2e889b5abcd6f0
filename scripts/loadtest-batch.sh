#!/usr/bin/env bash
# Batch load test: events per second through EventHubTrigger (Event Hubs batches of 100 and 500
# events, `dataType: string`, as the host posts them) against the one-event webhook path
# (EventGridTrigger), the same distinct events, the same release handler, in one run on this
# machine. Bodies come from examples/batch_body.rs (the ones benches/batch.rs measures).
# Prints requests/s, events/s, p50/p99 latency and the events/s ratio (target: batch >= 10x).
#
#   scripts/loadtest-batch.sh                 # 3 rounds of 5 s per mode
#   ROUNDS=5 DURATION=10 scripts/loadtest-batch.sh
#
# The modes run in alternating rounds against one handler process, and the ratio is taken per
# round (then the median): other builds on the machine change its speed from minute to minute,
# and a slow minute then slows both sides of a round instead of one mode.
#
# Connections: the webhook run uses 64 (Event Grid pushes many deliveries at once), the batch
# runs 8 (the Event Hubs trigger sends one batch at a time per partition: 8 = the template's
# default partition count, all on one instance).
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-5}"
ROUNDS="${ROUNDS:-3}"
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

port=$(free_port)
FUNCTIONS_CUSTOMHANDLER_PORT=$port RUST_LOG=warn "$HANDLER" >/dev/null 2>&1 &
pid=$!
trap 'kill -TERM "$pid" 2>/dev/null || true; rm -rf "$BODIES_DIR"' EXIT
for _ in $(seq 1 400); do
  curl -s -o /dev/null "http://127.0.0.1:$port/" && break
  sleep 0.025
done

# run_one NAME FUNCTION BODIES EVENTS_PER_REQUEST CONNECTIONS SECONDS -> "NAME rps events_per_s p50_us p99_us errors"
run_one() {
  local name=$1 function=$2 bodies=$3 per=$4 connections=$5 seconds=$6 out line
  export BODIES_DIR FUNCTION="$function" BODIES="$bodies"
  out=$(wrk -t"$THREADS" -c"$connections" -d"${seconds}s" --timeout 10s --latency -s scripts/mix.lua "http://127.0.0.1:$port")
  line=$(echo "$out" | grep '^RESULT')
  local rps p50 p99 errors
  rps=$(echo "$line" | sed -E 's/.*rps=([0-9.]+).*/\1/')
  p50=$(echo "$line" | sed -E 's/.*p50_us=([0-9]+).*/\1/')
  p99=$(echo "$line" | sed -E 's/.*p99_us=([0-9]+).*/\1/')
  errors=$(echo "$line" | sed -E 's/.*errors=([0-9]+).*/\1/')
  echo "$name $rps $(python3 -c "print($rps * $per)") $p50 $p99 $errors"
}

singles=$(seq -s, -f 'single-%g' 0 99)
echo "machine: $(nproc) cores, $(uname -m), load average $(cut -d' ' -f1-3 /proc/loadavg); webhook ${CONNECTIONS} connections, batches ${BATCH_CONNECTIONS}; ${THREADS} wrk threads; ${ROUNDS} rounds of ${DURATION}s per mode"
# Warm-up of each mode, then the rounds.
run_one webhook EventGridTrigger "$singles" 1 "$CONNECTIONS" 2 >/dev/null
run_one batch-100 EventHubTrigger batch-100 100 "$BATCH_CONNECTIONS" 2 >/dev/null
run_one batch-500 EventHubTrigger batch-500 500 "$BATCH_CONNECTIONS" 2 >/dev/null
results=()
for round in $(seq 1 "$ROUNDS"); do
  results+=("$round $(run_one webhook EventGridTrigger "$singles" 1 "$CONNECTIONS" "$DURATION")")
  results+=("$round $(run_one batch-100 EventHubTrigger batch-100 100 "$BATCH_CONNECTIONS" "$DURATION")")
  results+=("$round $(run_one batch-500 EventHubTrigger batch-500 500 "$BATCH_CONNECTIONS" "$DURATION")")
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "${results[@]}" <<'PY'
import sys, statistics
rows = [a.split() for a in sys.argv[1:]]   # round name rps events p50 p99 errors
modes = ["webhook", "batch-100", "batch-500"]
by_mode = {m: [r for r in rows if r[1] == m] for m in modes}
base = {r[0]: float(r[3]) for r in by_mode["webhook"]}
print("| mode      | requests/s | events/s   | p50 (ms) | p99 (ms) | errors | events/s vs webhook (median of rounds) |")
print("|-----------|-----------:|-----------:|---------:|---------:|-------:|---------------------------------------:|")
best = 0
for m in modes:
    rs = by_mode[m]
    med = lambda i: statistics.median(float(r[i]) for r in rs)
    ratio = statistics.median(float(r[3]) / base[r[0]] for r in rs)
    if m != "webhook":
        best = max(best, ratio)
    errors = sum(int(r[6]) for r in rs)
    print(f"| {m:<9} | {med(2):>10.0f} | {med(3):>10.0f} | {med(4)/1000:>8.3f} | {med(5)/1000:>8.3f} | {errors:>6} | {ratio:>37.2f}x |")
print()
print(f"target: batch events/s >= 10x the webhook path: {'met' if best >= 10 else 'NOT met'} ({best:.2f}x)")
PY
