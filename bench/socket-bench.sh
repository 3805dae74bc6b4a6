#!/bin/sh
# Socket ingest benchmark: acked events/s with 4 producers, ack latency at 10,000 events/s offered, beside the
# stdin figure of the same run. Build first (./mvnw -B -q package -DskipTests). Output in bench/out/.
set -eu
cd "$(dirname "$0")/.."
F=target/flywheel
JAVA="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java"
out=${OUT:-bench/out/socket}
rm -rf "$out"
mkdir -p "$out"
n=${1:-1000000}

"$F" generate -n "$n" --durable-only > "$out/f"
echo "input: $n durable events, $(wc -c < "$out/f") bytes"

t0=$(date +%s%N)
"$F" run --dir "$out/d-stdin" < "$out/f" 2> "$out/stdin.log"
t1=$(date +%s%N)
awk -v n="$n" -v ns=$((t1 - t0)) 'BEGIN { printf "stdin:  %d events in %.2f s (process start included) = %.0f events/s\n", n, ns / 1e9, n / (ns / 1e9) }'
grep -o '[0-9.]* events/s$' "$out/stdin.log" | sed 's/^/stdin, as flywheel run reports it: /'

"$F" run --dir "$out/d-sock" --socket "$out/s.sock" 2> "$out/socket.log" &
pid=$!
i=0
until grep -q "listening on" "$out/socket.log" 2>/dev/null; do
  i=$((i + 1)); [ $i -lt 300 ] || { echo "server did not start" >&2; kill $pid; exit 1; }
  sleep 0.1
done
"$JAVA" bench/SocketBench.java "$out/s.sock" "$out/f"
kill -TERM $pid
wait $pid
tail -1 "$out/socket.log"
"$F" verify --dir "$out/d-sock" >/dev/null && echo "verify: OK"
