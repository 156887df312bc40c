#!/usr/bin/env python3
"""Sends real signals to the Java command line while it trains and exports, and checks that
nothing is lost and nothing half-written is ever visible.

Scenarios (each prints one PASS/FAIL line):
  kill9-train   SIGKILL after epoch 2 has finished; `train --resume` completes, and its
                history equals an uninterrupted run's (loss and accuracy of every epoch)
  sigint-train  SIGINT (Ctrl-C) mid-run: exit 130, a one-line message, a checkpoint; `--resume`
                completes with the uninterrupted run's history
  kill9-export  SIGKILL at moments spread over the export (from the appearance of its hidden
                staging directory on): no numbered version directory is ever incomplete

Needs the project's classpath (--classpath; the Java test passes its own). Exit status 0 when
every scenario passes, 1 otherwise. Uses the shipped demo model and data.
"""

import argparse
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "models" / "mobilenetv2-0.35-mnist04"
DATA = ROOT / "data" / "digits-5-9" / "train"
COMPLETE_VERSION = ("saved_model.pb", "variables/variables.index", "labels.txt", "finetune.json")


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     epilog=__doc__.split("\n\n", 1)[1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--classpath", required=True, help="classpath of the compiled project")
    parser.add_argument("--java", default="java", help="the java executable (default: java)")
    parser.add_argument("--export-trials", type=int, default=6,
                        help="SIGKILLs sent during exports (default: %(default)s)")
    return parser.parse_args(argv)


class Cli:
    """Runs `train` of the Java command line with fixed options and a given export root."""

    def __init__(self, java, classpath, work):
        self.java, self.classpath, self.work = java, classpath, work

    def command(self, out, epochs, *extra):
        return [self.java, "-cp", self.classpath, "org.finetune.cli.Main", "train",
                "--model", str(MODEL), "--data", str(DATA), "--out", str(out),
                "--epochs", str(epochs), "--batch-size", "16", "--dense", "64",
                "--cache-dir", str(self.work / "cache"), *extra]

    def run(self, out, epochs, *extra):
        return subprocess.run(self.command(out, epochs, *extra), capture_output=True, text=True,
                              timeout=600)

    def start(self, out, epochs, *extra):
        log = open(self.work / f"{out.name}.log", "w")
        return subprocess.Popen(self.command(out, epochs, *extra), stdout=log,
                                stderr=subprocess.STDOUT, text=True), self.work / f"{out.name}.log"


def history(version_dir):
    """Every epoch's metrics but time, from an export's history.json."""
    epochs = json.loads((version_dir / "history.json").read_text())["epochs"]
    return [{k: v for k, v in e.items() if k not in ("seconds", "imagesPerSecond")} for e in epochs]


def wait_for(predicate, timeout, what):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.01)
    raise TimeoutError(f"no {what} within {timeout} s")


def log_has(log, text):
    return lambda: log.exists() and text in log.read_text(errors="replace")


def kill9_train(cli, reference, epochs):
    out = cli.work / "kill9"
    process, log = cli.start(out, epochs, "--no-cache")
    wait_for(log_has(log, "Epoch 2 - "), 120, "end of epoch 2")
    process.send_signal(signal.SIGKILL)
    process.wait()
    versions = [p for p in out.iterdir() if p.name.isdigit()] if out.exists() else []
    if versions:
        return False, f"a version appeared although the run was killed: {versions}"
    resumed = cli.run(out, epochs, "--no-cache", "--resume")
    if resumed.returncode != 0:
        return False, f"--resume exited {resumed.returncode}: {resumed.stderr[-500:]}"
    if "note: resuming at epoch " not in resumed.stderr:
        return False, "--resume did not resume from a checkpoint"
    same = history(out / "1") == history(reference)
    return same, ("history after SIGKILL and --resume equals the uninterrupted run's" if same
                  else "history differs from the uninterrupted run's")


def sigint_train(cli, reference, epochs):
    out = cli.work / "sigint"
    process, log = cli.start(out, epochs, "--no-cache")
    wait_for(log_has(log, "Epoch 3 - "), 120, "end of epoch 3")
    time.sleep(0.15)  # land inside epoch 4
    process.send_signal(signal.SIGINT)
    code = process.wait(timeout=120)
    text = log.read_text(errors="replace")
    errors = [line for line in text.splitlines() if line.startswith("error:")]
    if code != 130:
        return False, f"exit {code} after SIGINT, expected 130"
    if len(errors) != 1 or "--resume" not in errors[0]:
        return False, f"expected one error line naming --resume, got {errors}"
    if not any((out / ".checkpoints").glob("*/latest")):
        return False, "no checkpoint after SIGINT"
    resumed = cli.run(out, epochs, "--no-cache", "--resume")
    if resumed.returncode != 0:
        return False, f"--resume exited {resumed.returncode}: {resumed.stderr[-500:]}"
    same = history(out / "1") == history(reference)
    return same, (f"exit 130, '{errors[0][:60]}...', history after --resume equals the "
                  f"uninterrupted run's" if same else "history differs from the uninterrupted run's")


def incomplete_versions(out):
    bad = []
    for version in (p for p in out.iterdir() if p.name.isdigit()):
        missing = [f for f in COMPLETE_VERSION if not (version / f).is_file()]
        if missing:
            bad.append(f"{version.name} lacks {missing}")
    return bad


def stagings(out):
    return {p.name for p in out.iterdir() if p.name.startswith(".partial-")} if out.exists() else set()


def export_duration(cli, out):
    """Seconds from the staging directory's appearance to the published version, unkilled."""
    process, _ = cli.start(out, 1)  # cached features: training is quick, the export is the work
    wait_for(lambda: stagings(out), 120, "an export")
    started = time.monotonic()
    wait_for(lambda: (out / "1").exists(), 120, "the published version")
    seconds = time.monotonic() - started
    process.wait(timeout=120)
    return seconds


def kill9_export(cli, trials):
    """Kills at moments spread from the start of the export to well past its rename."""
    out = cli.work / "export"
    duration = export_duration(cli, out)
    published = 0
    for k in range(trials):
        before = {p.name for p in out.iterdir() if p.name.isdigit()}
        killed_before = stagings(out)  # a killed export leaves its hidden staging directory
        process, _ = cli.start(out, 1)
        try:
            wait_for(lambda: stagings(out) - killed_before or process.poll() is not None, 120, "an export")
        except TimeoutError:
            process.kill()
            raise
        time.sleep(duration * 2 * k / max(1, trials - 1))
        process.send_signal(signal.SIGKILL)
        process.wait()
        bad = incomplete_versions(out)
        if bad:
            return False, f"trial {k}: incomplete version visible: {bad}"
        published += len({p.name for p in out.iterdir() if p.name.isdigit()} - before)
    return True, (f"{trials} SIGKILLs spread over exports of {duration:.2f} s: every numbered version "
                  f"complete ({published} published before the kill, {trials - published} not)")


def main(argv=None):
    args = parse_args(argv)
    work = Path(tempfile.mkdtemp(prefix="interruption_check_"))
    cli = Cli(args.java, args.classpath, work)
    epochs = 6
    results = []
    try:
        reference_run = cli.run(work / "reference", epochs, "--no-cache")
        if reference_run.returncode != 0:
            print(f"FAIL reference: the uninterrupted run exited {reference_run.returncode}: "
                  f"{reference_run.stderr[-800:]}")
            return 1
        reference = work / "reference" / "1"
        for name, check in (("kill9-train", lambda: kill9_train(cli, reference, epochs)),
                            ("sigint-train", lambda: sigint_train(cli, reference, epochs)),
                            ("kill9-export", lambda: kill9_export(cli, args.export_trials))):
            try:
                passed, summary = check()
            except (TimeoutError, subprocess.TimeoutExpired) as e:
                passed, summary = False, str(e)
            results.append(passed)
            print(f"{'PASS' if passed else 'FAIL'} {name}: {summary}", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    ok = all(results)
    print(f"interruption_check.py: {'OK' if ok else 'FAILED'}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
