#!/usr/bin/env python3
"""Flywheel benchmark suite: every figure beside a baseline measured in the same run, on this machine.

    bench/suite.py            # full run (about 3 minutes on 2 cores); build first: ./mvnw -q package -DskipTests
    bench/suite.py --quick    # smaller inputs, for a smoke run
    bench/suite.py --live     # only the live-path figures: broadcast cost (taps, in process), echo into a stalled reader, follow

Prints a table, writes bench/out/suite/results.json and bench/ack-latency.svg (the ack-latency distribution README
shows). Needs: target/flywheel, a JDK 21+ (JAVA_HOME or /usr/lib/jvm/temurin-25-jdk-amd64), python3, curl (ship).
"""
import json, os, platform, re, shutil, signal, socket, subprocess, sys, time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
os.chdir(ROOT)
FW = os.environ.get("FLYWHEEL_BIN") or str(ROOT / "target/flywheel")  # e.g. an older build, for a before/after
JAVA_HOME = os.environ.get("JAVA_HOME") or "/usr/lib/jvm/temurin-25-jdk-amd64"
JAVA = JAVA_HOME + "/bin/java"
OUT = ROOT / "bench/out/suite"
QUICK = "--quick" in sys.argv
LIVE_ONLY = "--live" in sys.argv
N = 200_000 if QUICK else 1_000_000
results = {"machine": {}, "figures": []}


def sh(cmd, **kw):
    return subprocess.run(cmd, shell=isinstance(cmd, str), check=True, capture_output=True, text=True, **kw)


def timed(cmd):
    t0 = time.perf_counter()
    r = subprocess.run(cmd, shell=True, capture_output=True, text=True)
    dt = time.perf_counter() - t0
    if r.returncode != 0:
        raise SystemExit(f"failed: {cmd}\n{r.stderr}")
    return dt, r


def figure(group, name, value, unit, baseline_name, baseline, note=""):
    ratio = value / baseline if baseline else None
    results["figures"].append(dict(group=group, name=name, value=value, unit=unit, baseline=baseline_name,
                                   baseline_value=baseline, ratio=ratio, note=note))
    print(f"  {name:<44} {value:>12,.2f} {unit:<9} | {baseline_name:<34} {baseline:>12,.2f} | x{ratio:.3f}"
          if ratio is not None else f"  {name:<44} {value:>12,.2f} {unit}", flush=True)


def percentile(sorted_vals, q):
    return sorted_vals[min(len(sorted_vals) - 1, int(q * len(sorted_vals)))]


def start_server(d, sock):
    log = open(d.parent / (d.name + ".log"), "w")
    p = subprocess.Popen([FW, "run", "--dir", str(d), "--socket", str(sock)], stderr=log, stdout=subprocess.DEVNULL)
    for _ in range(300):
        if sock.exists():
            try:
                s = socket.socket(socket.AF_UNIX)
                s.connect(str(sock))
                s.close()
                return p
            except OSError:
                pass
        time.sleep(0.05)
    p.kill()
    raise SystemExit("server did not start")


def stop_server(p):
    p.send_signal(signal.SIGTERM)
    if p.wait(60) != 0:
        raise SystemExit("server exited %d" % p.returncode)


def bench_classes():
    """bench/SocketBench.java and TapFloor.java compiled once (a source-file launch compiles on every run)."""
    classes = OUT / "classes"
    if not (classes / "SocketBench.class").exists():
        sh([JAVA_HOME + "/bin/javac", "-d", str(classes), "bench/SocketBench.java", "bench/TapFloor.java"])
    return classes


def socket_bench(*args):
    return sh([JAVA, "-cp", str(bench_classes()), "SocketBench", *map(str, args)]).stdout


def machine():
    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    jv = sh([JAVA, "-version"]).stderr.splitlines()[0]
    results["machine"] = dict(date=time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()), cpu=cpu, cores=os.cpu_count(),
                              kernel=platform.release(), java=jv, events=N)
    print(f"Flywheel benchmark suite, {results['machine']['date']}: {os.cpu_count()} cores, {cpu}, {jv}")


def stdin_ingest(inp):
    print("\n[1] durable stdin ingest (best of 3, process start included)")
    base, fw, reported, rss = 1e9, 1e9, 0.0, 0
    for _ in range(3):
        out = OUT / "base.out"
        dt, _ = timed(f"cat {inp} | cat > {out}; sync")
        base = min(base, dt)
        d = OUT / "stdin-data"
        shutil.rmtree(d, ignore_errors=True)
        sh("sync")
        dt, r = timed(f"cat {inp} | /usr/bin/time -f 'RSS %M' {FW} run --dir {d}")
        fw = min(fw, dt)
        m = re.search(r"([0-9]+) events/s", r.stderr)
        reported = max(reported, float(m.group(1))) if m else reported
        rss = max(rss, int(re.search(r"RSS (\d+)", r.stderr).group(1)))
        if f"{N} kept" not in r.stderr:
            raise SystemExit("not every event kept: " + r.stderr)
    figure("stdin", "flywheel run, durable events/s", N / fw, "ev/s", "cat | cat > f; sync (ev/s)", N / base)
    figure("stdin", "flywheel run, steady rate it reports", reported, "ev/s", "cat | cat > f; sync (ev/s)", N / base,
           "excludes JVM start-up")
    results["stdin_peak_rss_kib"] = rss
    return N / fw


def fsync_baseline():
    f = OUT / "fsync.bin"
    fd = os.open(f, os.O_WRONLY | os.O_CREAT | os.O_TRUNC)
    line = b"x" * 229 + b"\n"
    lat = []
    for _ in range(2000):
        t0 = time.perf_counter_ns()
        os.write(fd, line)
        os.fdatasync(fd)
        lat.append(time.perf_counter_ns() - t0)
    os.close(fd)
    lat.sort()
    return lat


def socket_figures(inp, stdin_eps, fsync):
    print("\n[2] socket: acked throughput (4 producers) and ack latency at fixed offered loads")
    d, sock = OUT / "sock-data", OUT / "s.sock"
    shutil.rmtree(d, ignore_errors=True)
    p = start_server(d, sock)
    try:
        socket_bench(sock, inp, "throughput", 4)  # warm-up
        m = re.search(r"= ([0-9]+) events/s", socket_bench(sock, inp, "throughput", 4))
        figure("socket", "acked events/s, 4 producers", float(m.group(1)), "ev/s", "stdin run of this suite (ev/s)", stdin_eps)
        curves = {}
        for rate in ([1000, 10000] if QUICK else [1000, 10000, 50000]):
            lat_file = OUT / f"lat-{rate}.txt"
            socket_bench(sock, inp, "latency", rate, 3 if QUICK else 10, lat_file)
            lat = [int(x) for x in lat_file.read_text().split()]
            curves[f"ack @ {rate:,} ev/s"] = lat
            for q, qn in ((0.5, "p50"), (0.99, "p99"), (0.999, "p999")):
                figure("ack latency", f"ack {qn} at {rate:,} ev/s offered", percentile(lat, q) / 1e6, "ms",
                       f"fdatasync {qn} (4 KiB-ish write)", percentile(fsync, q) / 1e6)
        curves["fdatasync alone (baseline)"] = fsync
    finally:
        stop_server(p)
    return curves


def tap_round(inp, taps, stalled):
    """One fresh server with TAPS tap readers (STALLED of them never read): a warm-up run, then one measured run.
    Returns (acked events/s, [server CPU-s, tap readers CPU-s], events dropped for lagging taps)."""
    d, sock = OUT / f"bc-{taps}", OUT / f"bc-{taps}.sock"
    shutil.rmtree(d, ignore_errors=True)
    p = start_server(d, sock)
    tp = None
    try:
        if taps:
            tp = subprocess.Popen([JAVA, "-cp", str(bench_classes()), "SocketBench", str(sock), "-", "taps", str(taps),
                                   str(stalled)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            tp.stdout.readline()
        pids = [java_pid(p.pid)] + ([tp.pid] if tp else [])
        socket_bench(sock, inp, "throughput", 4)  # warm-up: this JVM's JIT
        before = [cpu_of(pid) for pid in pids]
        out = socket_bench(sock, inp, "throughput", 4)
        used = [cpu_of(pid) - b for pid, b in zip(pids, before)] + [0.0]
    finally:
        if tp:
            tp.stdin.close()
            tp.wait(30)
        stop_server(p)
    dropped = re.search(r"(\d+) dropped for lagging", (OUT / f"bc-{taps}.log").read_text())
    return float(re.search(r"= ([0-9]+) events/s", out).group(1)), used[:2], int(dropped.group(1)) if dropped else 0


def broadcast_cost(inp):
    print("\n[3] broadcast cost: acked events/s with 0, 1 and 8 tap subscribers (one of the 8 stalled)")
    # Interleaved rounds, each configuration on a fresh server every round, in a rotating order: a busy neighbour
    # then hits every configuration alike, and no configuration keeps one JVM's luck with the JIT for all its rounds
    # (with long-lived servers, 1 tap once measured slower than 8 throughout a run)
    configs = ((0, 0), (1, 0), (8, 1))
    rounds = int(os.environ.get("BENCH_ROUNDS", 3 if QUICK else 7))
    rates = {c: [] for c in configs}
    cpu = {c: [0.0, 0.0] for c in configs}  # server, tap readers: over the measured runs
    dropped = {c: 0 for c in configs}
    for r in range(rounds):
        for c in configs[r % 3:] + configs[:r % 3]:
            eps, used, lost = tap_round(inp, *c)
            rates[c].append(eps)
            cpu[c] = [a + b for a, b in zip(cpu[c], used)]
            dropped[c] += lost
    base = None
    for taps, stalled in configs:
        c = (taps, stalled)
        label = f"{taps} subscribers" + (f" ({stalled} stalled)" if stalled else "")
        eps = sorted(rates[c])[rounds // 2]
        base = base or eps
        # each round beside the same round's no-tap run: slow drifts of the machine cancel out
        paired = sorted(x / b for x, b in zip(rates[c], rates[configs[0]]))[rounds // 2]
        figure("broadcast", f"acked events/s, {label}", eps, "ev/s", "0 subscribers (ev/s)", base,
               f"median of {rounds} interleaved rounds {[round(x) for x in rates[c]]}; median of the round-by-round "
               f"ratios {paired:.3f}; dropped for lagging taps (warm-up runs included): {dropped[c]}")
        print(f"    rounds: {', '.join(f'{x:,.0f}' for x in rates[c])}; median of the round-by-round ratios: "
              f"{paired:.3f}; dropped for lagging taps: {dropped[c]:,}")
    # CPU per event is steadier than a rate on a shared machine: it is what the broadcast costs, not when it ran
    base_us = None
    for taps, stalled in configs:
        server, readers = (x / (rounds * N) * 1e6 for x in cpu[(taps, stalled)])
        base_us = base_us or server + readers
        figure("broadcast", f"CPU per acked event, {taps} taps (server + tap readers)", server + readers, "us",
               "0 taps (us)", base_us, f"of which the server: {server:.2f} us")
        print(f"    of which the server: {server:.2f} us")
        if taps:
            tap_floor(inp, taps - stalled, base_us, server + readers)


def tap_floor(inp, consuming, base_us, flywheel_us):
    """What CONSUMING taps cost at the least: the same lines through as many Unix sockets, gathered in a direct
    buffer, read and discarded; no journal, parsing or broadcast. On a machine whose cores are all busy, acked
    throughput with taps can be at most (CPU per event without taps) / (that + the floor) of throughput without."""
    out = sh([JAVA, "-cp", str(bench_classes()), "TapFloor", str(inp), str(consuming)]).stdout
    floor = float(re.search(r"together ([0-9.]+) us", out).group(1))
    figure("broadcast", f"CPU per event, the floor of {consuming} consuming taps", floor, "us",
           "what Flywheel's taps add (us)", flywheel_us - base_us, out.strip())
    print(f"    when every core is busy, acked throughput with these taps is at most x{base_us / (base_us + floor):.3f}"
          f" of that without (Flywheel's: x{base_us / flywheel_us:.3f})")


def embedded_broadcast():
    print("\n[3b] broadcast cost to producers, in process: an embedded FlywheelRuntime with 0, 1, 8 (1 stalled), 8 stalled subscribers, and 8 LiveSinks (1 stalled)")
    cp = "target/quarkus-app/app/*:target/quarkus-app/lib/main/*:target/quarkus-app/lib/boot/*"
    r = subprocess.run([JAVA, "-cp", cp, "bench/EmbeddedLiveBench.java", str(N), "3" if QUICK else "9"],
                       capture_output=True, text=True)
    rows = re.findall(r"(\d) subscriber\(s\)[^:]*: ([\d,]+) events/s\s+\(rounds: ([^)]*)\)", r.stdout)
    if r.returncode != 0 or len(rows) != 5:
        print("  embedded broadcast benchmark failed:\n" + r.stdout[-1000:] + r.stderr[-2000:])
        return
    base = float(rows[0][1].replace(",", ""))
    for k, (subs, eps, rounds) in enumerate(rows):
        label = ["0 subscribers", "1 subscriber", "8 subscribers (7 counting, 1 stalled)", "8 subscribers, all stalled",
                 "8 LiveSinks taking runs (7 counting, 1 stalled)"][k]
        figure("broadcast", f"in process, events/s, {label}", float(eps.replace(",", "")), "ev/s",
               "0 subscribers (ev/s)", base, f"median of rounds {rounds}")


def ship():
    print("\n[4] ship throughput vs the S3 server's raw upload (S3Proxy on loopback)")
    env = dict(os.environ, OUT=str(OUT / "ship"), JAVA_HOME=JAVA_HOME)
    r = subprocess.run(["bench/ship-bench.sh", "4", "25"], capture_output=True, text=True, env=env)
    if r.returncode != 0:
        print("  ship benchmark failed:\n" + r.stderr[-2000:])
        return
    curl = float(re.search(r"raw curl PUT:\s+[\d.]+ s\s+([\d.]+) MiB/s", r.stdout).group(1))
    minio = float(re.search(r"raw minio-java:\s+[\d.]+ s\s+([\d.]+) MiB/s", r.stdout).group(1))
    fw = float(re.search(r"flywheel ship:\s+[\d.]+ s\s+([\d.]+) MiB/s", r.stdout).group(1))
    figure("ship", "flywheel ship (whole process, verified)", fw, "MiB/s", "raw curl PUT (MiB/s)", curl)
    figure("ship", "flywheel ship (whole process, verified)", fw, "MiB/s", "raw MinIO SDK upload (MiB/s)", minio)


def startup():
    print("\n[5] start-up time and peak RSS (median of 5)")
    def measure(cmd):
        walls, rss = [], []
        for _ in range(5):
            t0 = time.perf_counter()
            r = subprocess.run(f"/usr/bin/time -f 'RSS %M' {cmd}", shell=True, capture_output=True, text=True)
            walls.append(time.perf_counter() - t0)
            rss.append(int(re.search(r"RSS (\d+)", r.stderr).group(1)))
        walls.sort()
        rss.sort()
        return walls[2], rss[2]
    sh(f"{FW} --version")  # make sure the CDS archive exists
    fw_t, fw_rss = measure(f"{FW} --version")
    jvm_t, jvm_rss = measure(f"{JAVA} -Xshare:auto -version")
    run_t, run_rss = measure(f"{FW} run --dir {OUT / 'startup-data'} < src/test/resources/sample-session.jsonl")
    figure("start-up", "flywheel --version, wall", fw_t * 1000, "ms", "bare JVM: java -version (ms)", jvm_t * 1000)
    figure("start-up", "flywheel run of a 26-event session, wall", run_t * 1000, "ms", "bare JVM: java -version (ms)", jvm_t * 1000)
    figure("memory", "flywheel --version, peak RSS", fw_rss / 1024, "MiB", "bare JVM peak RSS (MiB)", jvm_rss / 1024)
    figure("memory", "flywheel run, 1M events, peak RSS", results.get("stdin_peak_rss_kib", 0) / 1024, "MiB",
           "bare JVM peak RSS (MiB)", jvm_rss / 1024)


def svg(curves, path):
    """Latency distribution as complementary CDF lines on log-log axes: how often an ack takes longer than x."""
    import math
    W, H, L, R, T, B = 760, 420, 70, 20, 30, 50
    xmin, xmax = math.log10(0.01), math.log10(100.0)  # ms
    ymin, ymax = -4.0, 0.0                             # fraction of events slower, log10
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#7f7f7f"]
    def X(ms):
        return L + (min(max(math.log10(max(ms, 1e-3)), xmin), xmax) - xmin) / (xmax - xmin) * (W - L - R)
    def Y(frac):
        return T + (ymax - max(math.log10(max(frac, 1e-6)), ymin)) / (ymax - ymin) * (H - T - B)
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{W}" height="{H}" font-family="sans-serif" font-size="12">',
             f'<rect width="{W}" height="{H}" fill="white"/>',
             f'<text x="{W/2}" y="18" text-anchor="middle" font-size="14">Flywheel socket ack latency ({results["machine"]["date"]}, {results["machine"]["cores"]} cores)</text>']
    for e in range(-2, 3):
        x = X(10 ** e)
        parts.append(f'<line x1="{x:.1f}" y1="{T}" x2="{x:.1f}" y2="{H-B}" stroke="#ddd"/>')
        parts.append(f'<text x="{x:.1f}" y="{H-B+16}" text-anchor="middle">{10**e:g} ms</text>')
    for e, label in ((0, "100%"), (-1, "10%"), (-2, "1% (p99)"), (-3, "0.1% (p999)"), (-4, "0.01%")):
        y = Y(10 ** e)
        parts.append(f'<line x1="{L}" y1="{y:.1f}" x2="{W-R}" y2="{y:.1f}" stroke="#ddd"/>')
        parts.append(f'<text x="{L-4}" y="{y+4:.1f}" text-anchor="end">{label}</text>')
    parts.append(f'<text x="{W/2}" y="{H-12}" text-anchor="middle">latency from write to the ack covering the line (log)</text>')
    parts.append(f'<text transform="translate(14,{H/2}) rotate(-90)" text-anchor="middle">share of events slower (log)</text>')
    for i, (name, lat) in enumerate(curves.items()):
        n = len(lat)
        pts = []
        step = max(1, n // 2000)
        for k in list(range(0, n, step)) + [n - 1]:
            pts.append(f"{X(lat[k] / 1e6):.1f},{Y((n - k) / n):.1f}")
        c = colours[i % len(colours)]
        dash = ' stroke-dasharray="5,4"' if "baseline" in name else ""
        parts.append(f'<polyline fill="none" stroke="{c}" stroke-width="2"{dash} points="{" ".join(pts)}"/>')
        parts.append(f'<line x1="{W-R-220}" y1="{T+16+i*18}" x2="{W-R-196}" y2="{T+16+i*18}" stroke="{c}" stroke-width="2"{dash}/>')
        parts.append(f'<text x="{W-R-190}" y="{T+20+i*18}">{name}</text>')
    parts.append("</svg>")
    path.write_text("\n".join(parts))


def rss_of(pid):
    try:
        for l in open(f"/proc/{pid}/status"):
            if l.startswith("VmRSS:"):
                return int(l.split()[1])
    except OSError:
        pass
    return 0


def cpu_of(pid):
    """CPU-seconds (user + system) a process has used so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def java_pid(launcher_pid):
    """The launcher execs java, so the pid is the JVM's; kept as a hook in case it ever forks."""
    return launcher_pid


def echo_stalled(inp, n, stall):
    print(f"\n[6] run --echo into a reader stalled for {stall} s, -Xmx128m, {n:,} events")
    d = OUT / "echo-data"
    shutil.rmtree(d, ignore_errors=True)
    env = dict(os.environ, FLYWHEEL_JAVA_OPTS="-Xmx128m")
    err = open(OUT / "echo.err", "w")
    p = subprocess.Popen([FW, "run", "--dir", str(d), "--echo"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=err, env=env)
    import threading
    def feed():
        with open(inp, "rb") as f:
            shutil.copyfileobj(f, p.stdin, 1 << 20)
    feeder = threading.Thread(target=feed, daemon=True)
    feeder.start()
    peak, t0 = 0, time.time()
    while time.time() - t0 < stall:  # the reader does not read at all while events flow
        peak = max(peak, rss_of(java_pid(p.pid)))
        time.sleep(0.1)
    fed_during_stall = not feeder.is_alive()
    counts = {"lines": 0, "lagged": 0, "notices": 0}
    def read():  # the reader resumes
        for raw in p.stdout:
            if raw.startswith(b'{"lagged":'):
                counts["lagged"] += int(raw[10:raw.index(b"}")])
                counts["notices"] += 1
            else:
                counts["lines"] += 1
    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    feeder.join()
    p.stdin.close()  # end of input: the run drains the echo to the reader and exits
    while reader.is_alive():
        peak = max(peak, rss_of(p.pid))
        reader.join(0.1)
    lines, lagged, notices = counts["lines"], counts["lagged"], counts["notices"]
    code = p.wait(60)
    log = (OUT / "echo.err").read_text()
    kept = int(re.search(r"\((\d+) kept", log).group(1)) if re.search(r"\((\d+) kept", log) else -1
    eph = int(re.search(r"(\d+) ephemeral", log).group(1)) if re.search(r"(\d+) ephemeral", log) else -1
    figure("live", f"run --echo, stalled reader: peak RSS", peak / 1024, "MiB", "bound asked for (MiB)", 256,
           f"exit {code}; of {n:,} events {kept:,} durable kept + {eph:,} ephemeral; echoed {lines:,} + lagged {lagged:,} in {notices} notices "
           f"= {lines + lagged:,}; all input sent during the stall: {fed_during_stall}; "
           f"OutOfMemoryError in log: {'OutOfMemoryError' in log}")
    results["echo_stalled"] = dict(exit=code, kept=kept, events=n, echoed=lines, lagged=lagged, notices=notices,
                                   peak_rss_kib=peak)


def follow_rolls(n, seconds):
    print(f"\n[7] follow -f on a directory rolling every 0.1 s, {n:,} events over ~{seconds} s (tail -F beside it)")
    d = OUT / "follow-data"
    shutil.rmtree(d, ignore_errors=True)
    gen = sh([FW, "generate", "-n", str(n), "--durable-only"]).stdout.encode()
    run = subprocess.Popen([FW, "run", "--dir", str(d), "--roll-age", "100ms"], stdin=subprocess.PIPE,
                           stdout=subprocess.DEVNULL, stderr=open(OUT / "follow-run.err", "w"))
    chunk = max(1, len(gen) // (seconds * 50))
    run.stdin.write(gen[:chunk])
    run.stdin.flush()
    while not (d / "current.jsonl").exists():
        time.sleep(0.01)
    fol_started = time.time()
    fol = subprocess.Popen([FW, "follow", "--dir", str(d), "--from-seq", "1", "-f", "--envelope"], stdout=subprocess.PIPE)
    tail = subprocess.Popen(["tail", "-n", "+1", "-F", str(d / "current.jsonl")], stdout=open(OUT / "tail.out", "w"),
                            stderr=subprocess.DEVNULL)
    import threading
    seqs, lags, steady, secs = [], [], [], {}
    import calendar
    def reader():
        for raw in fol.stdout:
            now = time.time()
            i = raw.index(b'"ts":"') + 6
            ts = raw[i:i + 23].decode()
            base = secs.get(ts[:19])
            if base is None:
                base = secs[ts[:19]] = calendar.timegm(time.strptime(ts[:19], "%Y-%m-%dT%H:%M:%S"))
            t = base + float(ts[19:23])
            seqs.append(int(raw[7:raw.index(b",")]))
            lags.append(now - t)
            if t > fol_started + 3:  # follow's own JVM start-up and catch-up are over
                steady.append(now - t)
    th = threading.Thread(target=reader, daemon=True)
    th.start()
    for off in range(chunk, len(gen), chunk):
        run.stdin.write(gen[off:off + chunk])
        run.stdin.flush()
        time.sleep(0.02)
    run.stdin.close()
    run.wait(120)
    deadline = time.time() + 60
    while len(seqs) < n and time.time() < deadline:
        time.sleep(0.1)
    time.sleep(1.5)
    fol.terminate()
    tail.terminate()
    fol.wait(10)
    th.join(10)
    segs = len(list((d / "segments").glob("*.jsonl")))
    in_order = seqs == list(range(1, len(seqs) + 1))
    tail_lines = sum(1 for l in open(OUT / "tail.out", "rb") if l.startswith(b'{"seq":'))
    lags.sort()
    steady.sort()
    p99 = percentile(lags, 0.99) * 1000 if lags else -1
    steady_p99 = percentile(steady, 0.99) * 1000 if steady else -1
    figure("live", "follow -f: durable events printed (once, in order)", len(seqs), "events", "tail -F current.jsonl (lines)",
           tail_lines, f"{n:,} written, {segs} segments; exactly once in seq order: {in_order}; follow lag p50 "
           f"{percentile(lags, 0.5) * 1000:.0f} ms, p99 {p99:.0f} ms (poll 50 ms); events received over 3 s after follow "
           f"started: p50 {percentile(steady, 0.5) * 1000 if steady else -1:.0f} ms, p99 {steady_p99:.0f} ms")
    results["follow"] = dict(events=n, printed=len(seqs), in_order=in_order, tail_lines=tail_lines, segments=segs,
                             lag_p99_ms=p99, steady_lag_p99_ms=steady_p99)


def prepare():
    """A fresh output directory, the machine line, and N durable events to feed; returns the input file."""
    shutil.rmtree(OUT, ignore_errors=True)
    OUT.mkdir(parents=True)
    machine()
    inp = OUT / "in.jsonl"
    with open(inp, "w") as f:
        subprocess.run([FW, "generate", "-n", str(N), "--durable-only"], stdout=f, check=True)
    return inp


def live_main():
    inp = prepare()
    only = os.environ.get("BENCH_ONLY", "broadcast,embedded,echo,follow").split(",")
    if "broadcast" in only:
        broadcast_cost(inp)
    if "embedded" in only:
        embedded_broadcast()
    echo_n = 1_000_000 if QUICK else 5_000_000
    echo_inp = OUT / "echo-in.jsonl"
    if "echo" in only:
        with open(echo_inp, "w") as f:
            subprocess.run([FW, "generate", "-n", str(echo_n)], stdout=f, check=True)
        echo_stalled(echo_inp, echo_n, 15 if QUICK else 60)
    if "follow" in only:
        follow_rolls(200_000 if QUICK else 1_000_000, 10 if QUICK else 30)
    (OUT / "results-live.json").write_text(json.dumps(results, indent=2))
    print(f"\nwrote {OUT / 'results-live.json'}")


def main():
    if not os.access(FW, os.X_OK):
        raise SystemExit("build first: ./mvnw -q package -DskipTests")
    if LIVE_ONLY:
        return live_main()
    inp = prepare()
    stdin_eps = stdin_ingest(inp)
    fsync = fsync_baseline()
    curves = socket_figures(inp, stdin_eps, fsync)
    broadcast_cost(inp)
    embedded_broadcast()
    echo_inp = OUT / "echo-in.jsonl"
    with open(echo_inp, "w") as f:
        subprocess.run([FW, "generate", "-n", str(N)], stdout=f, check=True)
    echo_stalled(echo_inp, N, 15 if QUICK else 60)
    follow_rolls(N // 5 if QUICK else N, 10 if QUICK else 30)
    ship()
    startup()
    (OUT / "results.json").write_text(json.dumps(results, indent=2))
    svg(curves, ROOT / "bench/ack-latency.svg")
    print(f"\nwrote {OUT / 'results.json'} and bench/ack-latency.svg")


if __name__ == "__main__":
    main()
