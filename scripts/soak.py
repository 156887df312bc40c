#!/usr/bin/env python3
"""Soak test: trains the shipped demo model for thousands of steps through the Java command
line while sampling the process's resident memory, and checks that after warm-up it stops
growing (every tensor and result is closed).

    .venv/bin/python scripts/soak.py --classpath "target/classes:$(cat cp.txt)"

(cp.txt from `mvn -q dependency:build-classpath -Dmdep.outputFile=cp.txt`.) It runs `train`
with --no-cache (images are decoded every step), batch 8, enough epochs for --steps steps
(165 training images: 21 steps an epoch), reads VmRSS, RssAnon and RssFile from /proc/<pid>/status
every --interval seconds, takes the median of the samples from 25% to 35% of the run as the
baseline (the first quarter is warm-up: the JIT compiler, the heap and malloc's arenas settle
within about a minute) and the median of the last 10% as the end, and passes when the end
exceeds the baseline by less than --max-growth. The JVM gets a fixed heap (--heap), as a
service would, touched at start (-XX:+AlwaysPreTouch): otherwise the garbage collector taking
its heap's pages into use one region after another, up to the default maximum of a quarter of
the machine's memory, would be measured as growth. It writes every sample with --samples FILE.csv.
"""

import argparse
import math
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STEPS_PER_EPOCH = 21  # ceil(165 training images / batch 8)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--classpath", required=True, help="classpath of the compiled project")
    parser.add_argument("--java", default="java")
    parser.add_argument("--steps", type=int, default=10000, help="training steps at least (default: %(default)s)")
    parser.add_argument("--heap", default="256m", help="the JVM's -Xms and -Xmx (default: %(default)s)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between samples (default: %(default)s)")
    parser.add_argument("--max-growth", type=float, default=0.05, help="allowed growth (default: %(default)s)")
    parser.add_argument("--samples", type=Path, help="write the samples to this CSV file")
    return parser.parse_args(argv)


def memory_kb(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                fields[key] = int(value.split()[0])
    return fields


def main(argv=None):
    args = parse_args(argv)
    epochs = math.ceil(args.steps / STEPS_PER_EPOCH)
    with tempfile.TemporaryDirectory(prefix="soak_") as work:
        command = [args.java, f"-Xms{args.heap}", f"-Xmx{args.heap}", "-XX:+AlwaysPreTouch", "-cp", args.classpath,
                   "org.finetune.cli.Main", "train",
                   "--model", str(ROOT / "models" / "mobilenetv2-0.35-mnist04"),
                   "--data", str(ROOT / "data" / "digits-5-9" / "train"),
                   "--out", str(Path(work) / "out"), "--no-cache",
                   "--epochs", str(epochs), "--batch-size", "8"]
        started = time.monotonic()
        process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        samples = []
        while process.poll() is None:
            try:
                sample = memory_kb(process.pid)
            except (FileNotFoundError, ProcessLookupError):
                break
            if len(sample) == 3:  # an exiting process has no memory fields left
                samples.append((time.monotonic() - started, sample))
            time.sleep(args.interval)
        code = process.wait()
    seconds = time.monotonic() - started
    if code != 0 or len(samples) < 20:
        print(f"soak.py: FAILED: train exited {code} after {seconds:.0f} s with {len(samples)} samples")
        return 1
    if args.samples:
        with open(args.samples, "w") as out:
            out.write("seconds,vm_rss_kb,rss_anon_kb,rss_file_kb\n")
            for t, m in samples:
                out.write(f"{t:.1f},{m['VmRSS']},{m['RssAnon']},{m['RssFile']}\n")
    n = len(samples)
    window = lambda lo, hi, key: statistics.median(m[key] for _, m in samples[int(n * lo):int(n * hi)])
    baseline, end = window(0.25, 0.35, "VmRSS"), window(0.9, 1.0, "VmRSS")
    anon_baseline, anon_end = window(0.25, 0.35, "RssAnon"), window(0.9, 1.0, "RssAnon")
    growth = (end - baseline) / baseline
    peak = max(m["VmRSS"] for _, m in samples)
    print(f"{epochs * STEPS_PER_EPOCH} steps ({epochs} epochs of batch 8) in {seconds:.0f} s, {n} samples")
    print(f"VmRSS: baseline {baseline / 1024:.1f} MiB (25-35% of the run), end {end / 1024:.1f} MiB "
          f"(last 10%), growth {growth * 100:+.2f}%, peak {peak / 1024:.1f} MiB")
    print(f"RssAnon: baseline {anon_baseline / 1024:.1f} MiB, end {anon_end / 1024:.1f} MiB "
          f"({(anon_end - anon_baseline) / anon_baseline * 100:+.2f}%)")
    ok = growth < args.max_growth
    print(f"soak.py: {'OK' if ok else 'FAILED'}: growth {growth * 100:.2f}% "
          f"{'<' if ok else '>='} {args.max_growth * 100:.0f}%")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
