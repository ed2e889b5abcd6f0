#!/usr/bin/env bash
# Load test: the handler side by side with the floor (examples/floor.rs, a bare warp server that
# answers a fixed empty result), in one run on this machine. Each is driven by wrk with 64
# keep-alive connections posting a mix of real host invocation bodies (benches/bodies/).
# Prints requests/s, p50 and p99 latency, peak RSS, and the handler/floor ratios.
#
#   scripts/loadtest.sh            # 10 s per target
#   DURATION=30 scripts/loadtest.sh
#   BASELINE=/tmp/handler.before scripts/loadtest.sh   # an earlier build too, as "before"
set -euo pipefail
cd "$(dirname "$0")/.."

DURATION="${DURATION:-10}"
CONNECTIONS="${CONNECTIONS:-64}"
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

cargo build --release --quiet --bin handler --example floor
HANDLER=target/release/handler
FLOOR=target/release/examples/floor

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }

# run_one NAME BINARY -> prints "NAME rps p50_us p99_us peak_rss_kib errors"
run_one() {
  local name=$1 bin=$2 port pid out peak
  port=$(free_port)
  FUNCTIONS_CUSTOMHANDLER_PORT=$port RUST_LOG=warn "$bin" >/dev/null 2>&1 &
  pid=$!
  for _ in $(seq 1 400); do
    curl -s -o /dev/null "http://127.0.0.1:$port/" && break
    sleep 0.025
  done
  # Warm-up, then the measured run.
  wrk -t"$THREADS" -c"$CONNECTIONS" -d2s -s scripts/mix.lua "http://127.0.0.1:$port" >/dev/null
  out=$(wrk -t"$THREADS" -c"$CONNECTIONS" -d"${DURATION}s" --latency -s scripts/mix.lua "http://127.0.0.1:$port")
  peak=$(awk '/VmHWM/ {print $2}' "/proc/$pid/status")
  kill -TERM "$pid"; wait "$pid" || true
  local line
  line=$(echo "$out" | grep '^RESULT')
  local rps p50 p99 errors
  rps=$(echo "$line" | sed -E 's/.*rps=([0-9.]+).*/\1/')
  p50=$(echo "$line" | sed -E 's/.*p50_us=([0-9]+).*/\1/')
  p99=$(echo "$line" | sed -E 's/.*p99_us=([0-9]+).*/\1/')
  errors=$(echo "$line" | sed -E 's/.*errors=([0-9]+).*/\1/')
  echo "$name $rps $p50 $p99 $peak $errors"
}

echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(uname -m); ${CONNECTIONS} connections, ${THREADS} wrk threads, ${DURATION}s per target"
floor=$(run_one floor "$FLOOR")
handler=$(run_one handler "$HANDLER")
before=""
if [ -n "${BASELINE:-}" ]; then before=$(run_one before "$BASELINE"); fi

python3 - "$floor" "$handler" "$before" <<'PY'
import sys
f = sys.argv[1].split(); h = sys.argv[2].split(); b = sys.argv[3].split()
def row(r): return f"| {r[0]:<8} | {float(r[1]):>10.0f} | {int(r[2])/1000:>8.3f} | {int(r[3])/1000:>8.3f} | {int(r[4])/1024:>8.1f} | {r[5]:>6} |"
print("| target   | requests/s | p50 (ms) | p99 (ms) | RSS MiB  | errors |")
print("|----------|-----------:|---------:|---------:|---------:|-------:|")
print(row(f)); print(row(h))
if b: print(row(b))
rps = float(h[1]) / float(f[1]); p50 = int(h[2]) / max(int(f[2]), 1); p99 = int(h[3]) / max(int(f[3]), 1); rss = int(h[4]) / int(f[4])
print(f"| ratio    | {rps:>10.2f} | {p50:>8.2f} | {p99:>8.2f} | {rss:>8.2f} |        |")
if b:
    print(f"| ratio, before | {float(b[1]) / float(f[1]):>10.2f} | {int(b[2]) / max(int(f[2]), 1):>8.2f} | {int(b[3]) / max(int(f[3]), 1):>8.2f} | {int(b[4]) / int(f[4]):>8.2f} |        |")
print()
print(f"targets: throughput >= 0.85x: {'met' if rps >= 0.85 else 'NOT met'}; p99 <= 1.25x: {'met' if p99 <= 1.25 else 'NOT met'}; "
      f"peak RSS <= 2x: {'met' if rss <= 2 else 'NOT met'} and < 32 MiB: {'met' if int(h[4]) < 32*1024 else 'NOT met'}")
PY
size=$(stat -c %s "$HANDLER")
echo "release binary: $((size / 1024)) KiB (stripped; target < 10 MB)"
echo; cargo build --release --quiet --example startup && target/release/examples/startup "${RUNS:-25}" ${BASELINE:+"before=$BASELINE"}
