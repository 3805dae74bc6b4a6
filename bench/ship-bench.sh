#!/usr/bin/env bash
# Benchmark (not a test): `flywheel ship` throughput against S3Proxy, compared with the server's raw upload
# throughput for the same files (sequential single PUTs with curl --aws-sigv4).
# Usage: bench/ship-bench.sh [segments=8] [MiB each=25]   (after ./mvnw package; needs curl >= 7.75)
set -euo pipefail
cd "$(dirname "$0")/.."
COUNT=${1:-8}
MIB=${2:-25}
JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
JAVA="$JAVA_HOME/bin/java"
OUT=${OUT:-bench/out/ship}
JAR=target/s3proxy/s3proxy.jar
[ -x target/flywheel ] || { echo "build first: ./mvnw package -DskipTests" >&2; exit 2; }
[ -f "$JAR" ] || { echo "missing $JAR: ./mvnw process-test-resources" >&2; exit 2; }
rm -rf "$OUT"; mkdir -p "$OUT/s3data"
OUT=$(cd "$OUT" && pwd)

echo "== making $COUNT x $MIB MiB of sealed segments" >&2
"$JAVA" -cp "target/classes:target/quarkus-app/lib/main/*" bench/MakeSegments.java "$OUT/dir" "$COUNT" "$MIB"
BYTES=$(du -cb "$OUT"/dir/segments/*.jsonl | tail -1 | cut -f1)

PORT=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
AK=bench$RANDOM; SK=$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')
cat > "$OUT/s3proxy.conf" <<CONF
s3proxy.endpoint=http://127.0.0.1:$PORT
s3proxy.authorization=aws-v4
s3proxy.identity=$AK
s3proxy.credential=$SK
jclouds.provider=filesystem
jclouds.filesystem.basedir=$OUT/s3data
CONF
"$JAVA" -XX:TieredStopAtLevel=1 -XX:+UseSerialGC -jar "$JAR" --properties "$OUT/s3proxy.conf" >"$OUT/s3proxy.log" 2>&1 &
S3PID=$!
trap 'kill $S3PID 2>/dev/null || true' EXIT
tries=0
until curl -s -o /dev/null "http://127.0.0.1:$PORT/"; do
  tries=$((tries + 1))
  [ $tries -lt 300 ] || { echo "S3Proxy did not start; see $OUT/s3proxy.log" >&2; exit 1; }
  sleep 0.1
done
EP="http://127.0.0.1:$PORT"
sig=(--aws-sigv4 "aws:amz:us-east-1:s3" --user "$AK:$SK" -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -s -f)
curl "${sig[@]}" -X PUT "$EP/raw" -o /dev/null
curl "${sig[@]}" -X PUT "$EP/flywheel" -o /dev/null

now() { date +%s.%N; }
# CPU seconds the S3 server has used so far (utime + stime of its JVM), to show where each upload's time goes
srvcpu() { awk -v hz="$(getconf CLK_TCK)" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$S3PID/stat"; }
echo "== raw: curl PUT of each segment, sequential" >&2
c0=$(srvcpu); t0=$(now)
for f in "$OUT"/dir/segments/*.jsonl; do
  curl "${sig[@]}" -T "$f" -H 'Content-Type: application/x-ndjson' "$EP/raw/$(basename "$f")" -o /dev/null
done
tc=$(now); cc=$(srvcpu)
echo "== raw: minio-java uploadObject (16 MiB parts, signed payload over http), timed inside one JVM" >&2
mj=$("$JAVA" -cp "target/quarkus-app/lib/main/*" bench/RawMinio.java "$EP" "$AK" "$SK" rawminio "$OUT/dir/segments")
echo "== flywheel ship" >&2
c1=$(srvcpu); t1=$(now)
MINIO_ENDPOINT=$EP MINIO_ACCESS_KEY=$AK MINIO_SECRET_KEY=$SK /usr/bin/time -f '%U %S' -o "$OUT/ship.cpu" \
  target/flywheel ship --dir "$OUT/dir" --keep-shipped 1d
t2=$(now); c2=$(srvcpu)
fwcpu=$(awk '{ printf "%.2f", $1 + $2 }' "$OUT/ship.cpu")
[ -z "$(ls "$OUT"/dir/segments/)" ] || { echo "segments left unshipped" >&2; exit 1; }

awk -v cs1="$(awk -v a="$c0" -v b="$cc" 'BEGIN { printf "%.2f", b - a }')" \
  -v cs2="$(awk -v a="$c1" -v b="$c2" 'BEGIN { printf "%.2f", b - a }')" -v fwcpu="$fwcpu" \
  -v b="$BYTES" -v t0="$t0" -v tc="$tc" -v mj="$mj" -v t1="$t1" -v t2="$t2" 'BEGIN {
  mib = b / 1048576; curl = mib / (tc - t0); minio = mib / mj; fw = mib / (t2 - t1);
  printf "bytes:           %.1f MiB in %d segments\n", mib, '"$COUNT"'
  printf "raw curl PUT:    %5.1f s %6.1f MiB/s (UNSIGNED-PAYLOAD: server does not hash)\n", tc - t0, curl
  printf "raw minio-java:  %5.1f s %6.1f MiB/s (uploadObject, payload signed over http, JVM warm-up included, start excluded)\n", mj, minio
  printf "flywheel ship:   %5.1f s %6.1f MiB/s (whole process: JVM start, upload checked against the seal record, verify, move)\n", t2 - t1, fw
  printf "cpu seconds:     server during curl %.2f; during ship: server %.2f, flywheel %.2f\n", cs1, cs2, fwcpu
  printf "ratio ship/curl: %.2f   ratio ship/minio-java: %.2f\n", fw / curl, fw / minio }'
