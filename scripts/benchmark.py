#!/usr/bin/env python3
"""Side-by-side benchmark: keras-finetune-java against Python Keras, same machine, one run.

For each model (MobileNetV2 224x224 alpha 1.0, VGG16 64x64) the script builds one Keras base
(keras.applications, weights=None, seeded, BatchNormalization statistics calibrated as
export_keras_model.py does), exports it with Keras 3 `model.export()` for Java and saves it as
a .keras file for Keras, so both sides start from the same weights; generates a learnable data
set of JPEGs once; and then measures, each side in a fresh process of its own:

  (a) inference    images/s through the frozen base, batch 64, on images decoded into memory
                   beforehand: Java (rebuilt graph in a session) vs Keras `model.predict`;
                   also the fraction of the machine's fp32 matmul throughput reached
  (b) train-head   wall time of a 10-epoch head training with the base frozen, images read
                   from disk: Java `FineTuner.train` (product defaults) vs Keras `model.fit`
                   on `image_dataset_from_directory` + `preprocess_input`
  (c) train-top    training images/s with the base's top block unfrozen (BatchNormalization
                   frozen, inference mode): Java phase 2 of `--strategy unfreeze --from` vs
                   Keras `model.fit` with the same layers trainable
  (d) memory       peak resident memory of every process, measured from outside it
  pipeline         (diagnostic) one epoch of each side's input pipeline alone, no model

and prints ratios Java / Keras (for times, Keras time / Java time: higher is better for both).
--memory-growth also trains on 2,000 and 20,000 images (10x apart) and compares peak memory.
The Java side is org.finetune.bench.Benchmark; docs/benchmarks.md explains what is timed.

Examples (from the repository root, with the project's pinned environment):
  .venv/bin/python scripts/benchmark.py                                  # everything, ~1 hour
  .venv/bin/python scripts/benchmark.py --models vgg16 --tasks inference --images 640
  .venv/bin/python scripts/benchmark.py --memory-growth --tasks none --growth-models vgg16
"""

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
ROOT = SCRIPTS.parent
JAVA_MAIN = "org.finetune.bench.Benchmark"

# The models of the issue; `top_from` is the first layer of the "top block" train-top unfreezes:
# VGG16's block 5 (Chollet's choice) and MobileNetV2's last stage, blocks 13-16 and Conv_1
# (what `recommend` picks for large-and-similar data, `--top 12`).
MODELS = {
    "mobilenet_v2": dict(arch="mobilenet_v2", size=224, alpha=1.0, module="mobilenet_v2",
                         constructor="MobileNetV2", top_from="block_13_expand",
                         title="MobileNetV2 224x224 (alpha 1.0)"),
    "vgg16": dict(arch="vgg16", size=64, alpha=None, module="vgg16", constructor="VGG16",
                  top_from="block5_conv1", title="VGG16 64x64"),
}
TASKS = ("inference", "train-head", "train-top", "pipeline")
TARGETS = {"inference": 1.0, "train-head": 5.0, "train-top": 0.9}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Benchmark keras-finetune-java against Python Keras side by side.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--models", default="mobilenet_v2,vgg16",
                        help="comma-separated, of: %s (default: %%(default)s)" % ", ".join(MODELS))
    parser.add_argument("--tasks", default=",".join(TASKS),
                        help="comma-separated, of: %s, or 'none' (default: %%(default)s)"
                             % ", ".join(TASKS))
    parser.add_argument("--sides", default="java,keras",
                        help="java, keras or both (default: %(default)s)")
    parser.add_argument("--images", type=int, default=3000,
                        help="images in the generated data set (default: %(default)s)")
    parser.add_argument("--classes", type=int, default=4,
                        help="classes in the generated data set (default: %(default)s)")
    parser.add_argument("--source-size", type=int, default=256,
                        help="width and height of the generated JPEGs; each side resizes "
                             "them to the model's input (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=10,
                        help="train-head: epochs (default: %(default)s)")
    parser.add_argument("--batch-size", type=int, default=64, help="(default: %(default)s)")
    parser.add_argument("--inference-images", type=int, default=1024,
                        help="inference: images decoded into memory, rounded down to whole "
                             "batches (default: %(default)s)")
    parser.add_argument("--inference-passes", type=int, default=2,
                        help="inference: timed passes over them (default: %(default)s)")
    parser.add_argument("--fine-tune-epochs", type=int, default=1,
                        help="train-top: epochs with the top unfrozen (default: %(default)s)")
    parser.add_argument("--skip-steps", type=int, default=3,
                        help="train-top: steps left out of the timing at the start "
                             "(default: %(default)s)")
    parser.add_argument("--warmup-images", type=int, default=256,
                        help="train-head: images of the untimed warm-up run each side makes "
                             "first; 0 for none (default: %(default)s)")
    parser.add_argument("--warm-cache", action="store_true",
                        help="train-head: also rerun Java with the bottleneck cache its first "
                             "run filled (the 'across runs' case)")
    parser.add_argument("--no-cache-run", action="store_true",
                        help="train-head: also run Java with the bottleneck cache off")
    parser.add_argument("--checkpoint-run", action="store_true",
                        help="train-head: also run Java keeping a checkpoint after every epoch, "
                             "as `train --out` does")
    parser.add_argument("--memory-growth", action="store_true",
                        help="also train on two data sets 10x apart (--growth-sizes) and "
                             "compare peak memory")
    parser.add_argument("--growth-sizes", default="2000,20000",
                        help="memory growth: the two data set sizes (default: %(default)s)")
    parser.add_argument("--growth-models", default="vgg16,mobilenet_v2",
                        help="memory growth: the models (default: %(default)s)")
    parser.add_argument("--growth-epochs", type=int, default=1,
                        help="memory growth: epochs per run (default: %(default)s)")
    parser.add_argument("--growth-sides", default="java,keras",
                        help="memory growth: java, keras or both (default: %(default)s)")
    parser.add_argument("--repeat", type=int, default=1,
                        help="run the measurements this many times, to see the noise "
                             "(default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seeds the weights and the images (default: %(default)s)")
    parser.add_argument("--java-opts", default="",
                        help="extra JVM options, e.g. '-Xmx4g' (default: the JVM's defaults)")
    parser.add_argument("--cache-dir", type=Path, default=ROOT / ".cache" / "benchmark",
                        help="generated images, models, logs and results (default: "
                             ".cache/benchmark)")
    parser.add_argument("--json", type=Path, metavar="FILE",
                        help="also write every raw figure here (always written to "
                             "CACHE_DIR/results/)")
    parser.add_argument("--wait-quiet", type=float, default=120, metavar="SECONDS",
                        help="before each measurement, wait up to this long for the machine "
                             "to be idle (under 10%% busy over 2 s); 0 to start at once "
                             "(default: %(default)s)")
    parser.add_argument("--sample-interval", type=float, default=0.05,
                        help="seconds between memory samples (default: %(default)s)")
    # Internal: one measurement in a worker process (not for direct use).
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--spec", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        return args
    args.models = [m for m in args.models.split(",") if m]
    for m in args.models:
        if m not in MODELS:
            parser.error(f"unknown model {m}; expected {', '.join(MODELS)}")
    args.tasks = [] if args.tasks == "none" else [t for t in args.tasks.split(",") if t]
    for t in args.tasks:
        if t not in TASKS:
            parser.error(f"unknown task {t}; expected {', '.join(TASKS)} or none")
    args.sides = parse_sides(parser, args.sides, "--sides")
    args.growth_sides = parse_sides(parser, args.growth_sides, "--growth-sides")
    args.growth_models = [m for m in args.growth_models.split(",") if m]
    for m in args.growth_models:
        if m not in MODELS:
            parser.error(f"unknown --growth-models entry {m}; expected {', '.join(MODELS)}")
    try:
        args.growth_sizes = [int(s) for s in args.growth_sizes.split(",")]
    except ValueError:
        parser.error("--growth-sizes takes comma-separated integers")
    for name in ("images", "classes", "epochs", "batch_size", "inference_passes",
                 "fine_tune_epochs", "repeat", "growth_epochs"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.classes < 2:
        parser.error("--classes must be at least 2")
    if args.inference_images < args.batch_size:
        parser.error("--inference-images must be at least one batch")
    if args.images < args.classes * 10:
        parser.error("--images must give every class at least 10 images")
    return args


def parse_sides(parser, text, option):
    sides = [s for s in text.split(",") if s]
    for s in sides:
        if s not in ("java", "keras"):
            parser.error(f"{option}: unknown side {s}; expected java and/or keras")
    return sides


# --------------------------------------------------------------------------------------------
# Running and measuring processes


class Measured:
    """A finished process: its JSON result, wall time, and memory seen from outside."""

    def __init__(self, label, result, wall_s, memory, log, noise):
        self.label = label
        self.result = result
        self.wall_s = wall_s
        self.memory = memory
        self.log = log
        self.noise = noise

    def as_dict(self):
        return {"label": self.label, "process_wall_s": self.wall_s, "memory": self.memory,
                "noise": self.noise, "log": str(self.log), "result": self.result}


STATUS_FIELDS = ("VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem")


def read_status(pid):
    values = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, rest = line.partition(":")
                if key in STATUS_FIELDS:
                    values[key] = int(rest.split()[0])  # kB
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return None
    return values


def busy_cpu_seconds():
    """CPU seconds the whole machine has spent busy since boot (/proc/stat), all processes."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in fields[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def wait_until_quiet(max_wait, threshold=0.1, window=2.0):
    """Waits (at most max_wait s) for a window in which the machine is at most `threshold`
    busy, so a measurement does not start in the middle of someone else's burst."""
    deadline = time.monotonic() + max_wait
    while True:
        before = busy_cpu_seconds()
        time.sleep(window)
        share = (busy_cpu_seconds() - before) / (window * (os.cpu_count() or 1))
        if share <= threshold:
            return True
        if time.monotonic() >= deadline:
            print(f"    (the machine is still {share:.0%} busy; measuring anyway)", flush=True)
            return False


def run_measured(label, cmd, log_dir, interval, env=None, cwd=ROOT, quiet_wait=0):
    """Runs cmd, sampling /proc/<pid>/status every `interval` s (peaks of VmRSS, RssAnon,
    RssFile; VmHWM is the kernel's own high-water mark), and takes ru_maxrss from wait4 when
    it ends. Returns the last JSON line it printed on stdout."""
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / (re.sub(r"[^A-Za-z0-9_.-]+", "_", label) + ".log")
    if quiet_wait > 0:
        wait_until_quiet(quiet_wait)
    print(f"  running {label} ...", flush=True)
    with open(log, "w") as err:
        err.write("$ " + " ".join(str(c) for c in cmd) + "\n")
        err.flush()
        start = time.monotonic()
        busy_start = busy_cpu_seconds()
        proc = subprocess.Popen([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=err,
                                cwd=cwd, env=env, text=True)
        lines = []
        reader = threading.Thread(target=lambda: lines.extend(proc.stdout), daemon=True)
        reader.start()
        peaks = {k: 0 for k in STATUS_FIELDS}
        stop = threading.Event()

        def sample():
            while not stop.is_set():
                values = read_status(proc.pid)
                if values:
                    for k, v in values.items():
                        peaks[k] = max(peaks[k], v)
                stop.wait(interval)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        _, status, rusage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        busy = busy_cpu_seconds() - busy_start
        stop.set()
        sampler.join()
        proc.returncode = os.waitstatus_to_exitcode(status)
        reader.join()
    for line in lines:
        with open(log, "a") as f:
            f.write("[stdout] " + line)
    if proc.returncode != 0:
        tail = "".join(open(log).readlines()[-15:])
        raise RuntimeError(f"{label} failed with exit status {proc.returncode}; log {log}:\n{tail}")
    results = [l for l in lines if l.startswith("{")]
    if not results:
        raise RuntimeError(f"{label} printed no JSON result; log {log}")
    memory = {
        "peak_rss_mb": rusage.ru_maxrss / 1024,          # wait4: exact high-water mark
        "sampled_vmhwm_mb": peaks["VmHWM"] / 1024,
        "sampled_peak_rss_anon_mb": peaks["RssAnon"] / 1024,
        "sampled_peak_rss_file_mb": peaks["RssFile"] / 1024,
        "sampled_peak_rss_shmem_mb": peaks["RssShmem"] / 1024,
        "cpu_user_s": rusage.ru_utime,
        "cpu_sys_s": rusage.ru_stime,
    }
    # CPU time other processes took while this one ran: the noise indicator. On an idle
    # machine it is near 0 (this script's own sampling only).
    others = max(0.0, busy - rusage.ru_utime - rusage.ru_stime)
    noise = {"others_cpu_s": others, "others_cpu_share": others / (wall * (os.cpu_count() or 1)),
             "loadavg_after": os.getloadavg()[0]}
    result = json.loads(results[-1])
    flag = "  NOISY: other processes used the CPU" if noise["others_cpu_share"] > 0.05 else ""
    print(f"    done in {wall:.1f} s, peak RSS {memory['peak_rss_mb']:.0f} MB "
          f"(anonymous {memory['sampled_peak_rss_anon_mb']:.0f} MB); other processes' CPU "
          f"{noise['others_cpu_share']:.1%} of the machine{flag}", flush=True)
    return Measured(label, result, wall, memory, log, noise)


class Runner:
    """Starts Java and Keras workers with the same settings."""

    def __init__(self, args, classpath, run_dir):
        self.args = args
        self.classpath = classpath
        self.run_dir = run_dir
        self.log_dir = run_dir / "logs"

        self.measured = []

    def java(self, label, *options):
        cmd = ["java", *self.args.java_opts.split(), "-cp", self.classpath, JAVA_MAIN, *options]
        m = run_measured("java-" + label, cmd, self.log_dir, self.args.sample_interval,
                         quiet_wait=self.args.wait_quiet)
        self.measured.append(m)
        return m

    def keras(self, label, task, spec):
        spec = dict(spec, task=task)
        cmd = [sys.executable, Path(__file__).resolve(), "--worker", task,
               "--spec", json.dumps(spec, default=str)]
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="1")
        m = run_measured("keras-" + label, cmd, self.log_dir, self.args.sample_interval, env=env,
                         quiet_wait=self.args.wait_quiet)
        self.measured.append(m)
        return m

    def fresh_dir(self, name):
        d = self.run_dir / "tmp" / name
        if d.exists():
            shutil.rmtree(d)
        d.mkdir(parents=True)
        return d


# --------------------------------------------------------------------------------------------
# Preparing: Java classpath, images, models


def java_classpath(cache):
    """Compiles the main sources and returns target/classes plus the dependencies' jars."""
    cp_file = cache / "classpath.txt"
    print("Compiling the Java side (mvn -q compile) ...", flush=True)
    subprocess.run(["mvn", "-q", "compile"], cwd=ROOT, check=True)
    subprocess.run(["mvn", "-q", "dependency:build-classpath", f"-Dmdep.outputFile={cp_file}"],
                   cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return str(ROOT / "target" / "classes") + os.pathsep + cp_file.read_text().strip()


def dataset(cache, args, images):
    """A set of `images` JPEGs (rounded down to a multiple of the class count): hard links to
    the first images of each class of a pool that is generated once and only ever extended."""
    per_class = images // args.classes
    pool = cache / "images" / f"pool-c{args.classes}-s{args.source_size}-seed{args.seed}"
    state = pool / "state.json"
    have = json.loads(state.read_text())["per_class"] if state.exists() else 0
    if have < per_class:
        print(f"Generating images: {args.classes} classes x {per_class} "
              f"({args.source_size}x{args.source_size} JPEG) in {pool} ...", flush=True)
        spec = dict(pool=pool, classes=args.classes, start=have, stop=per_class,
                    size=args.source_size, seed=args.seed)
        cmd = [sys.executable, Path(__file__).resolve(), "--worker", "make-images",
               "--spec", json.dumps(spec, default=str)]
        subprocess.run([str(c) for c in cmd], check=True,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
        state.write_text(json.dumps({"per_class": per_class}))
    target = cache / "images" / f"set-{per_class * args.classes}-c{args.classes}-s{args.source_size}-seed{args.seed}"
    if not (target / ".complete").exists():
        if target.exists():
            shutil.rmtree(target)
        for c in range(args.classes):
            d = target / class_name(c)
            d.mkdir(parents=True)
            for i in range(per_class):
                name = image_name(i)
                os.link(pool / class_name(c) / name, d / name)
        (target / ".complete").write_text("")
    return target


def class_name(c):
    return f"class_{c}"


def image_name(i):
    return f"{i:06d}.jpg"


def list_images(directory):
    """Every image of a set, sorted by class folder, then name."""
    return sorted(p for p in directory.glob("*/*.jpg"))


def build_model(cache, name, args):
    """The Keras base, exported for Java and saved for Keras; built once per name and seed."""
    m = MODELS[name]
    out = cache / "models" / f"{name}-{m['size']}-seed{args.seed}"
    if not (out / "model.json").exists():
        print(f"Building {m['title']} (weights=None, seed {args.seed}) in {out} ...", flush=True)
        if out.exists():
            shutil.rmtree(out)
        spec = dict(name=name, out=out, seed=args.seed)
        cmd = [sys.executable, Path(__file__).resolve(), "--worker", "build-model",
               "--spec", json.dumps(spec, default=str)]
        subprocess.run([str(c) for c in cmd], check=True,
                       env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    return out, json.loads((out / "model.json").read_text())


# --------------------------------------------------------------------------------------------
# The measurements


def measure_model(runner, args, name, model_dir, data, warmup, repeat):
    """Every task for one model, Java then Keras each time, so drift hits both alike."""
    m = MODELS[name]
    saved_model = model_dir / "saved_model"
    keras_file = model_dir / "base.keras"
    out = {}
    tag = f"{name}-r{repeat}"
    keras_common = dict(model=keras_file, module=m["module"], size=m["size"],
                        batch_size=args.batch_size)

    if "inference" in args.tasks:
        files = list_images(data)
        count = (min(args.inference_images, len(files)) // args.batch_size) * args.batch_size
        step = len(files) / count
        chosen = [files[int(i * step)] for i in range(count)]
        listing = runner.run_dir / f"inference-{name}.txt"
        listing.write_text("".join(f"{p}\n" for p in chosen))
        features = {s: runner.run_dir / f"features-{tag}-{s}.f32" for s in ("java", "keras")}
        r = {}
        if "java" in args.sides:
            r["java"] = runner.java(f"inference-{tag}", "--task", "inference", "--model",
                                    saved_model, "--images-list", listing, "--batch-size",
                                    args.batch_size, "--passes", args.inference_passes,
                                    "--features-out", features["java"])
        if "keras" in args.sides:
            r["keras"] = runner.keras(f"inference-{tag}", "inference", dict(
                keras_common, images_list=listing, passes=args.inference_passes,
                warmup_batches=2, features_out=features["keras"]))
        if len(r) == 2:
            r["features_max_abs_diff"], r["features_scale"] = compare_features(
                features["java"], features["keras"])
        out["inference"] = r

    if "train-head" in args.tasks:
        r = {}
        if "java" in args.sides:
            cache_dir = runner.fresh_dir(f"feature-cache-{tag}")
            opts = ["--task", "train-head", "--model", saved_model, "--data", data,
                    "--epochs", args.epochs, "--batch-size", args.batch_size,
                    "--cache-dir", cache_dir]
            if warmup:
                opts += ["--warmup-data", warmup]
            r["java"] = runner.java(f"train-head-{tag}", *opts)
            r["java_cache_mb"] = du_mb(cache_dir, exclude="warmup")
            if args.warm_cache:
                r["java_warm_cache"] = runner.java(f"train-head-warm-cache-{tag}", *opts)
            shutil.rmtree(cache_dir, ignore_errors=True)
            if args.no_cache_run:
                r["java_no_cache"] = runner.java(f"train-head-no-cache-{tag}", *opts[:-2],
                                                 "--no-cache")
            if args.checkpoint_run:
                cache_dir = runner.fresh_dir(f"feature-cache-{tag}")
                checkpoints = runner.fresh_dir(f"checkpoints-{tag}")
                r["java_checkpoints"] = runner.java(f"train-head-checkpoints-{tag}", *opts,
                                                    "--checkpoint-dir", checkpoints)
                shutil.rmtree(cache_dir, ignore_errors=True)
                shutil.rmtree(checkpoints, ignore_errors=True)
        if "keras" in args.sides:
            r["keras"] = runner.keras(f"train-head-{tag}", "train-head", dict(
                keras_common, data=data, warmup_data=warmup, epochs=args.epochs,
                val_split=0.2))
        out["train-head"] = r

    if "train-top" in args.tasks:
        r = {}
        if "java" in args.sides:
            cache_dir = runner.fresh_dir(f"feature-cache-top-{tag}")
            r["java"] = runner.java(
                f"train-top-{tag}", "--task", "train-top", "--model", saved_model, "--data",
                data, "--from", m["top_from"], "--epochs", 1, "--fine-tune-epochs",
                args.fine_tune_epochs, "--skip-steps", args.skip_steps, "--val-split", 0,
                "--batch-size", args.batch_size, "--cache-dir", cache_dir)
            shutil.rmtree(cache_dir, ignore_errors=True)
        if "keras" in args.sides:
            r["keras"] = runner.keras(f"train-top-{tag}", "train-top", dict(
                keras_common, data=data, top_from=m["top_from"], epochs=args.fine_tune_epochs,
                skip_steps=args.skip_steps, learning_rate=1e-5))
        if len(r) == 2:
            j = set(r["java"].result["fine_tune_layers"])
            k = set(r["keras"].result["trainable_base_layers"])
            r["same_layers"] = j == k
            if j != k:
                print(f"  WARNING: unfrozen layers differ: Java only {sorted(j - k)}, "
                      f"Keras only {sorted(k - j)}")
        out["train-top"] = r

    if "pipeline" in args.tasks:
        r = {}
        if "java" in args.sides:
            r["java"] = runner.java(f"pipeline-{tag}", "--task", "pipeline", "--model",
                                    saved_model, "--data", data, "--batch-size", args.batch_size)
        if "keras" in args.sides:
            r["keras"] = runner.keras(f"pipeline-{tag}", "pipeline", dict(
                keras_common, data=data, val_split=0.2))
        out["pipeline"] = r
    return out


def compare_features(java_file, keras_file):
    import numpy as np
    a = np.fromfile(java_file, dtype="<f4")
    b = np.fromfile(keras_file, dtype="<f4")
    if a.shape != b.shape:
        return float("nan"), float("nan")
    return float(np.max(np.abs(a - b))), float(np.max(np.abs(b)))


def memory_growth(runner, args, cache, name):
    model_dir, _ = build_model(cache, name, args)
    m = MODELS[name]
    runs = {}
    for size in args.growth_sizes:
        data = dataset(cache, args, size)
        r = {"images": len(list_images(data))}
        if "java" in args.growth_sides:
            cache_dir = runner.fresh_dir(f"feature-cache-growth-{size}")
            r["java"] = runner.java(
                f"growth-{name}-{size}", "--task", "train-head", "--model",
                model_dir / "saved_model", "--data", data, "--epochs", args.growth_epochs,
                "--batch-size", args.batch_size, "--cache-dir", cache_dir)
            r["java_cache_dir_mb"] = du_mb(cache_dir)
            shutil.rmtree(cache_dir, ignore_errors=True)
        if "keras" in args.growth_sides:
            r["keras"] = runner.keras(f"growth-{name}-{size}", "train-head", dict(
                model=model_dir / "base.keras", module=m["module"], size=m["size"],
                batch_size=args.batch_size, data=data, warmup_data=None,
                epochs=args.growth_epochs, val_split=0.2))
        runs[size] = r
    return {"model": name, "epochs": args.growth_epochs, "runs": runs}


def du_mb(path, exclude=None):
    """Disk space the files under `path` take (allocated blocks, not apparent sizes)."""
    total = 0
    for p in Path(path).rglob("*"):
        if p.is_file() and not (exclude and exclude in p.relative_to(path).parts):
            total += p.stat().st_blocks * 512
    return total / 2**20


# --------------------------------------------------------------------------------------------
# Report


def machine_info():
    info = {"platform": platform.platform(), "cores": os.cpu_count()}
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        info["cpu"] = re.search(r"model name\s*:\s*(.*)", cpu).group(1).strip()
    except (OSError, AttributeError):
        info["cpu"] = platform.processor()
    try:
        mem = Path("/proc/meminfo").read_text()
        info["memory_gb"] = int(re.search(r"MemTotal:\s*(\d+)", mem).group(1)) / 2**20
    except (OSError, AttributeError):
        pass
    java = subprocess.run(["java", "-version"], capture_output=True, text=True).stderr
    info["java"] = java.splitlines()[0] if java else "?"
    info["python"] = platform.python_version()
    try:
        from importlib import metadata
        info["tensorflow_python"] = metadata.version("tensorflow-cpu")
        info["keras"] = metadata.version("keras")
    except Exception:  # noqa: BLE001 - informational only
        pass
    info["loadavg_at_start"] = os.getloadavg()
    return info


def fmt(x, digits=1):
    if x is None or x != x:
        return "-"
    return f"{x:,.{digits}f}"


def ratio_line(label, java, keras, ratio, target, note=""):
    verdict = ""
    if ratio is not None and target is not None:
        verdict = "met" if ratio >= target else f"missed ({ratio / target:.0%} of it)"
    t = f">= {target:g}x" if target is not None else ""
    return f"  {label:<40}{fmt(java):>11}{fmt(keras):>11}{ratio_str(ratio):>12}  {t:<8} {verdict}{note}"


def ratio_str(r):
    return "-" if r is None or r != r else f"{r:.2f}x"


def summarize(results):
    """The headline numbers per model and repeat, and the ratios."""
    rows = []
    for name, per_repeat in results.items():
        for i, tasks in enumerate(per_repeat):
            row = {"model": name, "repeat": i + 1}
            inf = tasks.get("inference", {})
            if "java" in inf:
                row["inference_java"] = inf["java"].result["images_per_s"]
            if "keras" in inf:
                row["inference_keras"] = inf["keras"].result["images_per_s"]
                row["inference_keras_direct"] = inf["keras"].result.get("direct_images_per_s")
            if "features_max_abs_diff" in inf:
                row["features_max_abs_diff"] = inf["features_max_abs_diff"]
            head = tasks.get("train-head", {})
            if "java" in head:
                row["train_head_java_s"] = head["java"].result["wall_s"]
                row["memory_java_mb"] = head["java"].memory["peak_rss_mb"]
            if "java_warm_cache" in head:
                row["train_head_java_warm_s"] = head["java_warm_cache"].result["wall_s"]
            if "java_no_cache" in head:
                row["train_head_java_no_cache_s"] = head["java_no_cache"].result["wall_s"]
            if "java_checkpoints" in head:
                row["train_head_java_checkpoints_s"] = head["java_checkpoints"].result["wall_s"]
            if "keras" in head:
                row["train_head_keras_s"] = head["keras"].result["wall_s"]
                row["memory_keras_mb"] = head["keras"].memory["peak_rss_mb"]
            top = tasks.get("train-top", {})
            if "java" in top:
                row["train_top_java"] = top["java"].result["images_per_s"]
            if "keras" in top:
                row["train_top_keras"] = top["keras"].result["images_per_s"]
            pipe = tasks.get("pipeline", {})
            if "java" in pipe:
                row["pipeline_java"] = pipe["java"].result["images_per_s"]
            if "keras" in pipe:
                row["pipeline_keras"] = pipe["keras"].result["images_per_s"]
            rows.append(row)
    return rows


def div(a, b):
    return None if a is None or b is None or b == 0 else a / b


def print_report(args, info, ceiling, flops, rows, growth, measured):
    print()
    print("=" * 100)
    print(f"Machine: {info['cpu']}, {info['cores']} cores, {info.get('memory_gb', 0):.0f} GB; "
          f"{info['java']}; TensorFlow {info.get('tensorflow_python', '?')} (Python), "
          f"2.18.0 (Java); Keras {info.get('keras', '?')}")
    print(f"Load average at start: {' '.join(f'{x:.2f}' for x in info['loadavg_at_start'])}; "
          f"at end: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if ceiling:
        print(f"fp32 matmul {ceiling['size']}x{ceiling['size']}: Java {fmt(ceiling.get('java'))} "
              f"GFLOP/s, Python {fmt(ceiling.get('python'))} GFLOP/s; ceiling used: "
              f"{fmt(ceiling['gflops'])} GFLOP/s")
    print(f"Data: {args.images} generated {args.source_size}x{args.source_size} JPEGs, "
          f"{args.classes} classes; batch {args.batch_size}; head Flatten, Dense 1024 relu, "
          f"Dropout 0.5, softmax; Adam 1e-4 (1e-5 with the top unfrozen)")
    for name in dict.fromkeys(r["model"] for r in rows):
        m = MODELS[name]
        print()
        f = flops.get(name, {})
        print(f"{m['title']}: {fmt(f.get('java', 0) / 1e9, 3)} GFLOP per image (2 x multiply-adds "
              f"of Conv2D, depthwise and MatMul on the rebuilt graph; TF profiler on the Keras "
              f"graph: {fmt(f.get('profiler', 0) / 1e9, 3)})")
        print(f"  {'':<40}{'Java':>11}{'Keras':>11}{'Java/Keras':>12}  target   "
              f"(ratios: higher is better)")
        for row in (r for r in rows if r["model"] == name):
            rep = f" [run {row['repeat']}]" if args.repeat > 1 else ""
            if "inference_java" in row or "inference_keras" in row:
                ij, ik = row.get("inference_java"), row.get("inference_keras")
                print(ratio_line(f"(a) inference, images/s{rep}", ij, ik, div(ij, ik), 1.0))
                if ceiling and f.get("java"):
                    fj = div(ij * f["java"], ceiling["gflops"] * 1e9) if ij else None
                    fk = div(ik * f["java"], ceiling["gflops"] * 1e9) if ik else None
                    print(f"  {'    fraction of the matmul ceiling':<40}{pct(fj):>11}{pct(fk):>11}")
                if row.get("inference_keras_direct"):
                    kd = row["inference_keras_direct"]
                    print(ratio_line("    Keras model in a tf.function, no predict", ij, kd,
                                     div(ij, kd), None))
                if "features_max_abs_diff" in row:
                    print(f"      same weights: first batch's features differ by at most "
                          f"{row['features_max_abs_diff']:.2g}")
            if "train_head_java_s" in row or "train_head_keras_s" in row:
                hj, hk = row.get("train_head_java_s"), row.get("train_head_keras_s")
                print(ratio_line(f"(b) train head {args.epochs} epochs, s{rep}", hj, hk,
                                 div(hk, hj), 5.0, "   (ratio: Keras time / Java time)"))
                if "train_head_java_warm_s" in row:
                    hw = row["train_head_java_warm_s"]
                    print(ratio_line("    Java again, cache filled, s", hw, hk, div(hk, hw), None))
                if "train_head_java_no_cache_s" in row:
                    hn = row["train_head_java_no_cache_s"]
                    print(ratio_line("    Java with --no-cache, s", hn, hk, div(hk, hn), None))
                if "train_head_java_checkpoints_s" in row:
                    hc = row["train_head_java_checkpoints_s"]
                    print(ratio_line("    Java with checkpoints (as --out), s", hc, hk,
                                     div(hk, hc), None))
            if "train_top_java" in row or "train_top_keras" in row:
                tj, tk = row.get("train_top_java"), row.get("train_top_keras")
                print(ratio_line(f"(c) train top block, images/s{rep}", tj, tk, div(tj, tk), 0.9))
            if "pipeline_java" in row or "pipeline_keras" in row:
                pj, pk = row.get("pipeline_java"), row.get("pipeline_keras")
                print(ratio_line(f"input pipeline alone, images/s{rep}", pj, pk, div(pj, pk),
                                 None))
            if "memory_java_mb" in row or "memory_keras_mb" in row:
                mj, mk = row.get("memory_java_mb"), row.get("memory_keras_mb")
                print(f"  {'(d) peak RSS, train-head run, MB' + rep:<40}{fmt(mj, 0):>11}"
                      f"{fmt(mk, 0):>11}{ratio_str(div(mj, mk)):>12}  (lower is better)")
    for g in growth:
        print()
        print(f"Memory growth: train-head on {MODELS[g['model']]['title']}, {g['epochs']} "
              f"epoch(s); peak RSS in MB [anonymous / file-backed]")
        sizes = list(g["runs"])
        for side in ("java", "keras"):
            cells = []
            for s in sizes:
                r = g["runs"][s].get(side)
                if r:
                    cells.append(f"{g['runs'][s]['images']:>6} images: "
                                 f"{r.memory['peak_rss_mb']:6.0f} "
                                 f"[{r.memory['sampled_peak_rss_anon_mb']:.0f} / "
                                 f"{r.memory['sampled_peak_rss_file_mb']:.0f}]")
            if len(cells) == len(sizes):
                a = g["runs"][sizes[0]][side].memory
                b = g["runs"][sizes[-1]][side].memory
                print(f"  {side:<6}" + "   ".join(cells) + f"   x{b['peak_rss_mb'] / a['peak_rss_mb']:.2f}"
                      f" (anonymous x{b['sampled_peak_rss_anon_mb'] / a['sampled_peak_rss_anon_mb']:.2f})")
        caches = [f"{g['runs'][s]['java_cache_dir_mb']:.0f} MB" for s in sizes
                  if "java_cache_dir_mb" in g["runs"][s]]
        if caches:
            print(f"  Java's feature cache on disk: {' and '.join(caches)}")
    noisy = [m for m in measured if m.noise["others_cpu_share"] > 0.05]
    print()
    if noisy:
        print("Noise: other processes took more than 5% of the machine's CPU during:")
        for m in noisy:
            print(f"  {m.label}: {m.noise['others_cpu_share']:.0%}")
    else:
        print("Noise: no run shared the machine with more than 5% of other CPU use.")
    print("=" * 100)


def pct(x):
    return "-" if x is None else f"{x:.1%}"


def main(argv=None):
    args = parse_args(argv)
    if args.worker:
        return worker_main(args)
    cache = args.cache_dir.resolve()
    cache.mkdir(parents=True, exist_ok=True)
    stamp = datetime.datetime.now().strftime("%Y%m%d-%H%M%S")
    run_dir = cache / "runs" / stamp
    run_dir.mkdir(parents=True)
    info = machine_info()
    load = info["loadavg_at_start"][0]
    print(f"Benchmark run {stamp}: {info['cpu']}, {info['cores']} cores; load average {load:.2f}")
    if load > 0.5 * (info["cores"] or 1):
        print(f"WARNING: the machine is busy (load {load:.2f} on {info['cores']} cores): the "
              f"figures will be noisy; rerun when it is quiet.", flush=True)
    classpath = java_classpath(cache)
    runner = Runner(args, classpath, run_dir)

    data = dataset(cache, args, args.images)
    warmup = dataset(cache, args, args.warmup_images) if args.warmup_images > 0 else None

    # The machine's fp32 matmul throughput, measured by both runtimes.
    ceiling = {"size": 2048}
    if args.tasks:
        if "java" in args.sides:
            ceiling["java"] = runner.java("matmul", "--task", "matmul").result["gflops"]
        if "keras" in args.sides:
            ceiling["python"] = runner.keras("matmul", "matmul", dict(size=2048, runs=10)).result["gflops"]
        ceiling["gflops"] = max(v for k, v in ceiling.items() if k in ("java", "python"))

    flops, results, models = {}, {}, {}
    for name in args.models if args.tasks else []:
        model_dir, built = build_model(cache, name, args)
        models[name] = built
        flops[name] = {"profiler": built["profiler_float_ops"],
                       "keras_counted": built["counted_flops"]}
        if "java" in args.sides:
            flops[name]["java"] = runner.java(f"flops-{name}", "--task", "flops", "--model",
                                              model_dir / "saved_model").result["flops_per_image"]
        else:
            flops[name]["java"] = built["counted_flops"]
        print(f"{MODELS[name]['title']}:", flush=True)
        results[name] = [measure_model(runner, args, name, model_dir, data, warmup, i + 1)
                         for i in range(args.repeat)]

    growth = ([memory_growth(runner, args, cache, name) for name in args.growth_models]
              if args.memory_growth else [])
    rows = summarize(results)
    print_report(args, info, ceiling if args.tasks else None, flops, rows, growth,
                 runner.measured)

    report = {
        "started": stamp, "argv": sys.argv, "machine": info,
        "loadavg_at_end": os.getloadavg(), "matmul": ceiling, "flops": flops, "models": models,
        "summary": rows,
        "raw": {n: [{t: {s: (v.as_dict() if isinstance(v, Measured) else v)
                         for s, v in side.items()} for t, side in rep.items()}
                    for rep in reps] for n, reps in results.items()},
    }
    if growth:
        report["memory_growth"] = [{
            "model": g["model"], "epochs": g["epochs"],
            "runs": {str(k): {s: (v.as_dict() if isinstance(v, Measured) else v)
                              for s, v in r.items()} for k, r in g["runs"].items()}}
            for g in growth]
    (cache / "results").mkdir(exist_ok=True)
    out = cache / "results" / f"{stamp}.json"
    out.write_text(json.dumps(report, indent=1, default=str) + "\n")
    if args.json:
        args.json.write_text(json.dumps(report, indent=1, default=str) + "\n")
    print(f"Raw figures: {out}; logs: {run_dir / 'logs'}")
    shutil.rmtree(run_dir / "tmp", ignore_errors=True)
    return 0


# --------------------------------------------------------------------------------------------
# Workers: each runs in a process of its own, prints one JSON line last


def worker_main(args):
    spec = json.loads(args.spec)
    task = args.worker
    handlers = {
        "make-images": make_images,
        "build-model": worker_build_model,
        "matmul": keras_matmul,
        "inference": keras_inference,
        "train-head": keras_train_head,
        "train-top": keras_train_top,
        "pipeline": keras_pipeline,
    }
    result = handlers[task](spec)
    if result is not None:
        result = dict(side="keras", task=task, **result)
        print(json.dumps(result, default=float), flush=True)
    return 0


def make_images(spec):
    """Learnable classes: each class has its own hue and stripe orientation; every image has a
    random stripe frequency and phase, a jittered colour, brightness and pixel noise."""
    import numpy as np
    import tensorflow as tf
    pool, classes, size = Path(spec["pool"]), spec["classes"], spec["size"]
    yy, xx = np.mgrid[0:size, 0:size].astype(np.float32) / size
    for c in range(classes):
        (pool / class_name(c)).mkdir(parents=True, exist_ok=True)
    for i in range(spec["start"], spec["stop"]):
        for c in range(classes):
            rng = np.random.default_rng([spec["seed"], c, i])
            hue = (c / classes + rng.normal(0, 0.04)) % 1.0
            rgb = hsv_to_rgb(hue, rng.uniform(0.4, 0.9), rng.uniform(0.5, 1.0))
            theta = np.pi * c / classes + rng.normal(0, 0.15)
            freq = rng.uniform(3, 10)
            wave = np.sin(2 * np.pi * freq * (xx * np.cos(theta) + yy * np.sin(theta))
                          + rng.uniform(0, 2 * np.pi))
            img = (0.55 + 0.45 * wave)[..., None] * rgb[None, None, :] * 255
            img += rng.normal(0, 18, size=img.shape)
            pixels = np.clip(img, 0, 255).astype(np.uint8)
            data = tf.io.encode_jpeg(pixels, quality=90).numpy()
            (pool / class_name(c) / image_name(i)).write_bytes(data)
    return None


def hsv_to_rgb(h, s, v):
    import numpy as np
    i = int(h * 6) % 6
    f = h * 6 - int(h * 6)
    p, q, t = v * (1 - s), v * (1 - f * s), v * (1 - (1 - f) * s)
    return np.array([(v, t, p), (q, v, p), (p, v, t), (p, q, v), (t, p, v), (v, p, q)][i],
                    dtype=np.float32)


def keras_application(spec_name, seed):
    import keras
    m = MODELS[spec_name]
    kwargs = dict(include_top=False, weights=None, input_shape=(m["size"], m["size"], 3))
    if m["alpha"] is not None:
        kwargs["alpha"] = m["alpha"]
    keras.utils.set_random_seed(seed)
    return getattr(getattr(keras.applications, m["module"]), m["constructor"])(**kwargs)


def worker_build_model(spec):
    """Builds the base, calibrates BatchNormalization as export_keras_model.py does, exports it
    (Keras 3 model.export) for Java and saves it (.keras) for Keras; checks both reproduce the
    in-memory model and counts its FLOPs."""
    import types
    import keras
    import numpy as np
    import tensorflow as tf
    sys.path.insert(0, str(SCRIPTS))
    import export_keras_model as exporter

    name, out, seed = spec["name"], Path(spec["out"]), spec["seed"]
    m = MODELS[name]
    tmp = out.with_name(out.name + ".tmp")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    model = keras_application(name, seed)
    calib = types.SimpleNamespace(arch=m["arch"], input_size=m["size"], seed=seed)
    calibrated = exporter.calibrate_batch_norm(model, keras, calib)
    model.export(str(tmp / "saved_model"), verbose=False)
    model.save(tmp / "base.keras")

    images = exporter.reference_images(keras, m["arch"], m["size"], seed)
    expected = exporter.python_output(model, images)
    served = exporter.serving_output(tmp / "saved_model", images)
    reloaded = keras.models.load_model(tmp / "base.keras")
    again = exporter.python_output(reloaded, images)

    profiler_flops, counted = count_flops(model, m["size"])
    info = {
        "name": name, "title": m["title"], "seed": seed, "calibrated_bn_layers": calibrated,
        "params": int(model.count_params()), "output_shape": list(model.output.shape[1:]),
        "export_max_abs_diff": float(np.max(np.abs(served - expected))),
        "keras_file_max_abs_diff": float(np.max(np.abs(again - expected))),
        "profiler_float_ops": profiler_flops, "counted_flops": counted,
        "tensorflow": tf.__version__, "keras": keras.__version__,
    }
    (tmp / "model.json").write_text(json.dumps(info, indent=1) + "\n")
    if out.exists():
        shutil.rmtree(out)
    tmp.rename(out)
    print(f"built {name}: {info['params']:,} parameters, export max abs diff "
          f"{info['export_max_abs_diff']:.2g}, .keras {info['keras_file_max_abs_diff']:.2g}")
    return None


def count_flops(model, size):
    """FLOPs of one image through the model's inference graph (frozen, batch 1): TensorFlow's
    profiler (float_ops), and 2 x multiply-adds of Conv2D, depthwise and MatMul counted here."""
    import tensorflow as tf
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2)
    fn = tf.function(lambda x: model(x, training=False))
    concrete = fn.get_concrete_function(tf.TensorSpec([1, size, size, 3], tf.float32))
    frozen = convert_variables_to_constants_v2(concrete)
    graph = frozen.graph
    opts = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    opts["output"] = "none"
    prof = tf.compat.v1.profiler.profile(graph, options=opts)
    counted = 0
    for op in graph.get_operations():
        if op.type in ("Conv2D", "DepthwiseConv2dNative"):
            kh, kw, cin, cout = op.inputs[1].shape.as_list()
            _, ho, wo, _ = op.outputs[0].shape.as_list()
            per_output = kh * kw * (cin if op.type == "Conv2D" else 1)
            channels = cout if op.type == "Conv2D" else cin * cout
            counted += 2 * per_output * channels * ho * wo
        elif op.type == "MatMul":
            a = op.inputs[0].shape.as_list()
            inner = a[0] if op.get_attr("transpose_a") else a[1]
            counted += 2 * inner * op.outputs[0].shape.as_list()[1]
    return int(prof.total_float_ops), int(counted)


def keras_matmul(spec):
    import numpy as np
    import tensorflow as tf
    n, runs = spec["size"], spec["runs"]
    rng = np.random.default_rng(1)
    # unit scale over sqrt(n), as the Java side, so products stay of order 1; float32 throughout
    a = tf.constant((rng.uniform(-1, 1, (n, n)) / np.sqrt(n)).astype(np.float32))
    b = tf.constant((rng.uniform(-1, 1, (n, n)) / np.sqrt(n)).astype(np.float32))

    @tf.function
    def products(a, b):
        return (tf.reduce_sum(tf.matmul(a, b)) + tf.reduce_sum(tf.matmul(b, a))
                + tf.reduce_sum(tf.matmul(a, a)) + tf.reduce_sum(tf.matmul(b, b)))

    for _ in range(2):
        products(a, b).numpy()
    start = time.perf_counter()
    for _ in range(runs):
        products(a, b).numpy()
    seconds = time.perf_counter() - start
    return {"matmul_size": n, "runs": runs, "timed_s": seconds,
            "gflops": 4 * 2 * n ** 3 * runs / seconds / 1e9}


def decode_like_keras(path, size):
    """What image_dataset_from_directory does to one file (Keras 3 load_image)."""
    import tensorflow as tf
    img = tf.io.decode_image(tf.io.read_file(str(path)), channels=3, expand_animations=False)
    return tf.image.resize(img, (size, size), method="bilinear")


def preprocess_function(module):
    import keras
    return getattr(keras.applications, module).preprocess_input


def keras_inference(spec):
    """`model.predict` on images decoded into memory beforehand. Timed: predict over all of
    them, `passes` times, after `warmup_batches` untimed batches (which trace the function)."""
    import keras
    import numpy as np
    t0 = time.perf_counter()
    base = keras.models.load_model(spec["model"])
    load_s = time.perf_counter() - t0
    pre = preprocess_function(spec["module"])
    files = [l for l in Path(spec["images_list"]).read_text().splitlines() if l.strip()]
    t1 = time.perf_counter()
    x = np.stack([pre(decode_like_keras(f, spec["size"]).numpy()) for f in files]).astype("float32")
    decode_s = time.perf_counter() - t1
    bs = spec["batch_size"]
    tw = time.perf_counter()
    for _ in range(spec["warmup_batches"]):
        first = base.predict(x[:bs], batch_size=bs, verbose=0)
    warmup_s = time.perf_counter() - tw
    first.astype("<f4").tofile(spec["features_out"])
    start = time.perf_counter()
    for _ in range(spec["passes"]):
        base.predict(x, batch_size=bs, verbose=0)
    timed = time.perf_counter() - start
    images = len(files) * spec["passes"]

    # For comparison only: the model alone, as a tf.function called batch by batch, without
    # predict's data adapter and loop (the batches are made tensors outside the timing).
    import tensorflow as tf
    forward = tf.function(lambda batch: base(batch, training=False))
    batches = [tf.constant(x[i:i + bs]) for i in range(0, len(x), bs)]
    forward(batches[0]).numpy()
    start = time.perf_counter()
    for _ in range(spec["passes"]):
        for b in batches:
            forward(b).numpy()
    direct = time.perf_counter() - start
    return {"images": images, "distinct_images": len(files), "passes": spec["passes"],
            "batch_size": bs, "timed_s": timed, "images_per_s": images / timed,
            "warmup_s": warmup_s, "load_s": load_s, "decode_s": decode_s,
            "timed": "model.predict(x, batch_size) over the in-memory array, per pass",
            "direct_images_per_s": images / direct,
            "direct": "tf.function(model(batch, training=False)) per batch, output to NumPy"}


class EpochTimer:
    """A Keras callback recording epoch, validation and batch times."""

    def __new__(cls, origin):
        import keras

        class Timer(keras.callbacks.Callback):
            def __init__(self):
                super().__init__()
                self.origin = origin
                self.epochs = []

            def on_epoch_begin(self, epoch, logs=None):
                self.epochs.append({"start": time.perf_counter(), "steps": []})

            def on_train_batch_end(self, batch, logs=None):
                self.epochs[-1]["steps"].append(time.perf_counter())

            def on_test_begin(self, logs=None):
                if self.epochs:
                    self.epochs[-1]["val_start"] = time.perf_counter()

            def on_epoch_end(self, epoch, logs=None):
                e = self.epochs[-1]
                e["end"] = time.perf_counter()
                e["logs"] = {k: float(v) for k, v in (logs or {}).items()}

        return Timer()


def keras_dataset(spec, directory, subset=None, val_split=None):
    """As a Keras user reads class folders: image_dataset_from_directory, preprocess_input in
    a parallel map, prefetch."""
    import keras
    import tensorflow as tf
    kwargs = dict(labels="inferred", label_mode="categorical", batch_size=spec["batch_size"],
                  image_size=(spec["size"], spec["size"]), seed=42)
    if val_split:
        kwargs.update(validation_split=val_split, subset="both")
    pre = preprocess_function(spec["module"])
    made = keras.utils.image_dataset_from_directory(str(directory), **kwargs)
    sets = made if isinstance(made, (list, tuple)) else [made]
    out = [s.map(lambda x, y: (pre(x), y), num_parallel_calls=tf.data.AUTOTUNE)
           .prefetch(tf.data.AUTOTUNE) for s in sets]
    return out, len(sets[0].class_names)


def head_model(base, size, classes, learning_rate):
    """The reference tutorial's head on the base, in inference mode (the Keras guide's
    `base(inputs, training=False)`)."""
    import keras
    inputs = keras.Input(shape=(size, size, 3))
    x = base(inputs, training=False)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(1024, activation="relu")(x)
    x = keras.layers.Dropout(0.5)(x)
    outputs = keras.layers.Dense(classes, activation="softmax")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def keras_train_head(spec):
    """Timed: load the base, make the datasets, build and compile the model, fit for `epochs`
    with validation. An untimed warm-up fit of one epoch on other images comes first."""
    import keras
    result = {}
    if spec.get("warmup_data"):
        tw = time.perf_counter()
        (train,), classes = keras_dataset(spec, spec["warmup_data"])
        base = keras.models.load_model(spec["model"])
        base.trainable = False
        head_model(base, spec["size"], classes, 1e-4).fit(train, epochs=1, verbose=0)
        result["warmup_s"] = time.perf_counter() - tw
        del base
    start = time.perf_counter()
    base = keras.models.load_model(spec["model"])
    base.trainable = False
    (train, val), classes = keras_dataset(spec, spec["data"], val_split=spec["val_split"])
    model = head_model(base, spec["size"], classes, 1e-4)
    timer = EpochTimer(start)
    history = model.fit(train, validation_data=val, epochs=spec["epochs"], callbacks=[timer],
                        verbose=0)
    wall = time.perf_counter() - start
    epochs = epoch_table(timer)
    result.update({
        "wall_s": wall, "setup_s": timer.epochs[0]["start"] - start,
        "epochs_s": wall - (timer.epochs[0]["start"] - start), "epochs": spec["epochs"],
        "val_accuracy": history.history.get("val_accuracy", [float("nan")])[-1],
        "per_epoch": epochs,
        "timed": "load_model, image_dataset_from_directory, build, compile, fit with validation"})
    return result


def epoch_table(timer):
    rows = []
    for i, e in enumerate(timer.epochs):
        train_end = e.get("val_start", e["end"])
        rows.append({"epoch": i + 1, "wall_s": e["end"] - e["start"],
                     "train_s": train_end - e["start"], "steps": len(e["steps"]), **e["logs"]})
    return rows


def keras_pipeline(spec):
    """The input pipeline alone: one epoch of the training dataset a Keras user would fit on,
    iterated with no model. Timed: the whole epoch, after two untimed batches."""
    (train, _), _ = keras_dataset(spec, spec["data"], val_split=spec["val_split"])
    for _ in train.take(2):
        pass
    start = time.perf_counter()
    images = 0
    for x, _ in train:
        images += int(x.shape[0])
    seconds = time.perf_counter() - start
    return {"images": images, "timed_s": seconds, "images_per_s": images / seconds,
            "timed": "one epoch of image_dataset_from_directory + preprocess_input map + "
                     "prefetch, iterated with no model"}


def keras_train_top(spec):
    """The Keras guide's fine-tuning: the base's layers from `top_from` on trainable except
    BatchNormalization (frozen, and the base called with training=False), Adam at 1e-5. Timed:
    the training steps after the first `skip_steps`, as images/s."""
    import keras
    base = keras.models.load_model(spec["model"])
    base.trainable = True
    names = [layer.name for layer in base.layers]
    first = names.index(spec["top_from"])
    for i, layer in enumerate(base.layers):
        if i < first or isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False
    (train,), classes = keras_dataset(spec, spec["data"])
    model = head_model(base, spec["size"], classes, spec["learning_rate"])
    timer = EpochTimer(time.perf_counter())
    model.fit(train, epochs=spec["epochs"], callbacks=[timer], verbose=0)
    bs = spec["batch_size"]
    total_images, total_s, steps = 0, 0.0, 0
    files = sum(1 for _ in Path(spec["data"]).glob("*/*.jpg"))
    for n, e in enumerate(timer.epochs):
        skip = spec["skip_steps"] if n == 0 else 1
        s = e["steps"]
        if len(s) <= skip:
            continue
        # every step is a full batch except the epoch's last one
        last = files - bs * (len(s) - 1)
        images = bs * (len(s) - 1 - skip) + last if skip > 0 else files
        start_t = s[skip - 1] if skip > 0 else e["start"]
        total_images += images
        total_s += s[-1] - start_t
        steps += len(s) - skip
    trainable = [layer.name for layer in base.layers if layer.trainable_weights]
    return {"images_per_s": total_images / total_s, "timed_images": total_images,
            "timed_s": total_s, "timed_steps": steps, "skip_steps": spec["skip_steps"],
            "trainable_base_layers": trainable,
            "trainable_base_params": int(sum(w.numpy().size for w in base.trainable_weights)),
            "per_epoch": epoch_table(timer),
            "timed": "fit training steps after the first skip_steps; validation none"}


if __name__ == "__main__":
    sys.exit(main())
