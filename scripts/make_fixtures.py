#!/usr/bin/env python3
"""Builds the SavedModel fixtures that the Java tests load.

  DIR/<arch>-<style>/model/     every keras.applications architecture x export style at
                                64x64x3, seeded random weights (see export_keras_model.py)
  DIR/<arch>-<style>/reference_input.npy, reference_output.npy
  DIR/bad-two-inputs/model      two image inputs              (error-message tests)
  DIR/bad-vector-input/model    input shape (None, 10)        (error-message tests)
  DIR/bad-dynamic-size/model    input shape (None, None, None, 3)

Idempotent: each fixture directory holds a DONE stamp with a hash of these scripts, the
fixture's options and the installed TensorFlow/Keras versions, and is skipped while that hash
matches. Each fixture is built in a temporary sibling directory and renamed into place, so a
killed run never leaves half a fixture behind. Each fixture is built in its own Python process,
which keeps memory flat (about 1 GB per process) and lets --jobs processes run side by side.
"""

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from importlib import metadata
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
EXPORTER = SCRIPTS / "export_keras_model.py"
# Slowest first, so parallel workers finish together (measured: resnet50 10-16 s, vgg16 3-4 s).
ARCHS = ("resnet50", "mobilenet_v2", "mobilenet", "vgg16")
STYLES = ("keras3-export", "tf-keras-save", "tf-saved-model")
BAD_FIXTURES = ("bad-two-inputs", "bad-vector-input", "bad-dynamic-size")
INPUT_SIZE = 64
SEED = 0
TMP_MARK = ".tmp-"


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Build the SavedModel test fixtures (12 architecture x style exports and "
                    "3 invalid models).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--out", type=Path, required=True, help="fixture root directory")
    parser.add_argument("--jobs", type=int, default=min(os.cpu_count() or 1, 4),
                        help="fixtures built in parallel (default: %(default)s)")
    parser.add_argument("--only", nargs="+", metavar="NAME",
                        help="build only these fixtures (names as listed above)")
    # Internal: how a worker process builds one invalid model (not for direct use).
    parser.add_argument("--build-bad", choices=BAD_FIXTURES, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error("--jobs must be at least 1")
    return args


def fixture_commands():
    """Name -> argument list (without the output paths) of every fixture."""
    commands = {}
    for arch in ARCHS:
        for style in STYLES:
            commands[f"{arch}-{style}"] = [
                str(EXPORTER), "--arch", arch, "--style", style, "--weights", "none",
                "--input-size", str(INPUT_SIZE), "--seed", str(SEED)]
    for name in BAD_FIXTURES:
        commands[name] = [str(Path(__file__).resolve()), "--build-bad", name]
    return commands


def installed_versions():
    """Versions that change what the fixtures contain; read from package metadata, which is
    fast (importing TensorFlow in this coordinating process would cost seconds)."""
    versions = {}
    for package in ("tensorflow-cpu", "tensorflow", "keras", "tf_keras", "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            pass
    return versions


def stamp_for(name, command):
    digest = hashlib.sha256()
    for script in (Path(__file__).resolve(), EXPORTER):
        digest.update(script.read_bytes())
    options = [Path(command[0]).name] + command[1:]  # not the absolute path: clones move
    digest.update(json.dumps({"name": name, "options": options,
                              "versions": installed_versions()}, sort_keys=True).encode())
    return digest.hexdigest()


def is_current(fixture_dir, stamp):
    done = fixture_dir / "DONE"
    return done.is_file() and done.read_text().strip() == stamp


def remove_stale_temp_dirs(root):
    """Temporary build directories whose process is gone (a killed earlier run)."""
    for path in root.glob(f".*{TMP_MARK}*"):
        pid = path.name.rsplit(TMP_MARK, 1)[1]
        if not pid.isdigit() or not process_alive(int(pid)):
            shutil.rmtree(path, ignore_errors=True)


def process_alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def build_fixture(root, name, command, stamp):
    """Builds one fixture in a temp sibling, then renames it into place. Returns
    (name, seconds, error or None)."""
    started = time.monotonic()
    final = root / name
    temp = root / f".{name}{TMP_MARK}{os.getpid()}"
    shutil.rmtree(temp, ignore_errors=True)
    temp.mkdir(parents=True)
    paths = ["--out", str(temp / "model")]
    if name not in BAD_FIXTURES:
        paths += ["--reference", str(temp)]
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    result = subprocess.run([sys.executable] + command + paths, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    if result.returncode != 0:
        shutil.rmtree(temp, ignore_errors=True)
        error = f"exit {result.returncode}:\n{result.stdout[-4000:]}"
        return name, time.monotonic() - started, error
    (temp / "DONE").write_text(stamp + "\n")
    replace_dir(temp, final)
    return name, time.monotonic() - started, None


def replace_dir(new, final):
    """Puts `new` in place of `final` with two renames, so a test reading the fixtures while
    they are rebuilt misses it for microseconds, not for the length of a recursive delete."""
    old = final.with_name(f".{final.name}.old{TMP_MARK}{os.getpid()}")
    if final.exists():
        final.rename(old)
    new.rename(final)
    shutil.rmtree(old, ignore_errors=True)


def build_bad_model(name, out):
    """A small Keras 3 model that the fine-tuner must reject with a clear message."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    from keras import layers
    keras.utils.set_random_seed(SEED)
    if name == "bad-two-inputs":
        left = keras.Input((32, 32, 3), name="left_image")
        right = keras.Input((32, 32, 3), name="right_image")
        x = layers.Concatenate()([left, right])
        x = layers.Conv2D(4, 3, activation="relu")(x)
        outputs = layers.Dense(2, activation="softmax")(layers.GlobalAveragePooling2D()(x))
        model = keras.Model([left, right], outputs, name=name.replace("-", "_"))
    elif name == "bad-vector-input":
        inputs = keras.Input((10,), name="features")
        x = layers.Dense(8, activation="relu")(inputs)
        model = keras.Model(inputs, layers.Dense(2, activation="softmax")(x), name="bad_vector")
    else:
        inputs = keras.Input((None, None, 3), name="image")
        x = layers.Conv2D(4, 3, activation="relu")(inputs)
        outputs = layers.Dense(2, activation="softmax")(layers.GlobalAveragePooling2D()(x))
        model = keras.Model(inputs, outputs, name="bad_dynamic_size")
    model.export(str(out), verbose=False)


def build_all(root, names, jobs):
    commands = fixture_commands()
    todo, failures = [], []
    for name in names:
        stamp = stamp_for(name, commands[name])
        if is_current(root / name, stamp):
            print(f"  {name:34s} up to date")
        else:
            todo.append((name, commands[name], stamp))
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = [pool.submit(build_fixture, root, *item) for item in todo]
        for future in as_completed(futures):
            name, seconds, error = future.result()
            print(f"  {name:34s} {'FAILED' if error else 'built'} in {seconds:5.1f} s", flush=True)
            if error:
                failures.append((name, error))
    return len(todo), failures


def main(argv=None):
    args = parse_args(argv)
    if args.build_bad:
        build_bad_model(args.build_bad, args.out)
        return 0
    names = list(fixture_commands())
    unknown = sorted(set(args.only or []) - set(names))
    if unknown:
        print(f"make_fixtures.py: error: unknown fixture(s) {unknown}; known: {names}",
              file=sys.stderr)
        return 2
    names = [n for n in names if not args.only or n in args.only]
    args.out.mkdir(parents=True, exist_ok=True)
    remove_stale_temp_dirs(args.out)
    started = time.monotonic()
    print(f"make_fixtures.py: {len(names)} fixtures in {args.out} ({args.jobs} jobs)", flush=True)
    built, failures = build_all(args.out, names, args.jobs)
    total = time.monotonic() - started
    for name, error in failures:
        print(f"\nmake_fixtures.py: {name} failed, {error}", file=sys.stderr)
    print(f"make_fixtures.py: built {built - len(failures)}, up to date {len(names) - built}, "
          f"failed {len(failures)}; total {total:.1f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
