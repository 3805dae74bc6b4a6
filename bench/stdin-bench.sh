#!/usr/bin/env bash
# Durable stdin ingest vs. the same bytes through `cat | cat > file; sync`, measured in the same run.
# Usage: bench/stdin-bench.sh [events] [bytes-per-event]    (build first: ./mvnw package -DskipTests)
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-1000000}
SIZE=${2:-200}
F=target/flywheel
W=$(mktemp -d "${TMPDIR:-/tmp}/flywheel-bench.XXXXXX")
trap 'rm -rf "$W"' EXIT

$F generate -n "$N" --size "$SIZE" --durable-only > "$W/in.jsonl"
bytes=$(stat -c %s "$W/in.jsonl")
now() { date +%s.%N; }
calc() { awk "BEGIN { printf \"%.6f\", $1 }"; }

best_base=999999; best_fw=999999
for round in 1 2 3; do
  rm -f "$W/base.out"; sync
  t0=$(now); cat "$W/in.jsonl" | cat > "$W/base.out"; sync; t1=$(now)
  base=$(calc "$t1 - $t0")
  rm -rf "$W/data"; sync
  t0=$(now); cat "$W/in.jsonl" | $F run --dir "$W/data" 2> "$W/run.err"; t1=$(now)
  fw=$(calc "$t1 - $t0")
  grep -q "$N kept" "$W/run.err" || { echo "run did not keep all events:"; cat "$W/run.err"; exit 1; }
  best_base=$(calc "($base < $best_base) ? $base : $best_base")
  best_fw=$(calc "($fw < $best_fw) ? $fw : $best_fw")
  printf 'round %d: baseline %.3fs  flywheel %.3fs\n' "$round" "$base" "$fw"
done
$F verify --dir "$W/data" > /dev/null
base_eps=$(calc "$N / $best_base")
fw_eps=$(calc "$N / $best_fw")
printf '\n%-42s %12s %10s\n' "best of 3, $N events of ~$SIZE B ($((bytes / 1048576)) MiB)" "events/s" "MiB/s"
printf '%-42s %12.0f %10.1f\n' "cat | cat > file; sync (baseline)" "$base_eps" "$(calc "$bytes / $best_base / 1048576")"
printf '%-42s %12.0f %10.1f\n' "flywheel run (durable, fsynced, verified)" "$fw_eps" "$(calc "$bytes / $best_fw / 1048576")"
printf '%-42s %12.1f %%\n' "ratio flywheel / baseline" "$(calc "100 * $fw_eps / $base_eps")"
echo "(wall time includes process start-up and the final seal; machine: $(nproc) cores, $(uname -r))"
