#!/usr/bin/env python3
"""Exports a keras.applications model as a TensorFlow SavedModel.

The fine-tuner (Java) loads base models that users export from Keras. Users export them in one
of three ways, and each writes a differently shaped SavedModel, so this script can write all
three:

  keras3-export   Keras 3 `model.export(dir)`
  tf-keras-save   Keras 2 (`import tf_keras`) `model.save(dir)`, SavedModel format
  tf-saved-model  `tf.saved_model.save(model, dir)` on a Keras 3 model

With --reference DIR it also writes reference_input.npy (4 seeded random images, already
preprocessed the way the architecture expects), reference_output.npy (the model's output on
them, computed in Python) and summary.json (Keras' layer summary as data), and checks that the exported serving_default signature reproduces
that output, so the Java side can compare against known-good numbers.

Example (the reference tutorial's base; needs internet for the ImageNet weights):
  python scripts/export_keras_model.py --arch vgg16 --weights imagenet --out out/vgg16
"""

import argparse
import os
import shutil
import sys
from pathlib import Path

ARCHS = ("vgg16", "mobilenet", "mobilenet_v2", "resnet50")
STYLES = ("keras3-export", "tf-keras-save", "tf-saved-model")
MOBILENETS = ("mobilenet", "mobilenet_v2")
REFERENCE_BATCH = 4
CALIBRATION_BATCH = 16
REFERENCE_TOLERANCE = 1e-5

# keras.applications module and constructor for each --arch (same names in Keras 2 and 3).
APPLICATIONS = {
    "vgg16": ("vgg16", "VGG16"),
    "mobilenet": ("mobilenet", "MobileNet"),
    "mobilenet_v2": ("mobilenet_v2", "MobileNetV2"),
    "resnet50": ("resnet50", "ResNet50"),
}


class ExportError(Exception):
    """A problem the user can fix; printed without a traceback."""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Export a keras.applications model as a TensorFlow SavedModel.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--arch", choices=ARCHS, required=True, help="the architecture")
    parser.add_argument("--style", choices=STYLES, default="keras3-export",
                        help="how the SavedModel is written (default: %(default)s)")
    parser.add_argument("--weights", choices=("none", "imagenet"), default="none",
                        help="'none': seeded random initialisation (BatchNormalization "
                             "statistics calibrated, see --raw-init); 'imagenet': download the "
                             "pre-trained weights (needs internet) (default: %(default)s)")
    parser.add_argument("--input-size", type=int, default=64,
                        help="height and width of the input image (default: %(default)s)")
    parser.add_argument("--alpha", type=float, default=None,
                        help="width multiplier of mobilenet / mobilenet_v2 (default: 1.0)")
    parser.add_argument("--include-top", action="store_true",
                        help="keep the classification layers (1000 ImageNet classes); by "
                             "default the model is a feature extractor, as in the tutorial")
    parser.add_argument("--seed", type=int, default=0,
                        help="seeds weight initialisation and the reference images "
                             "(default: %(default)s)")
    parser.add_argument("--raw-init", action="store_true",
                        help="with --weights none, keep Keras' initial BatchNormalization "
                             "statistics instead of calibrating them (outputs then shrink to "
                             "about 1e-11 in deep nets)")
    parser.add_argument("--out", type=Path, required=True, help="SavedModel directory to write")
    parser.add_argument("--force", action="store_true",
                        help="replace --out if it exists and is not empty")
    parser.add_argument("--reference", type=Path, metavar="DIR",
                        help="also write reference_input.npy / reference_output.npy here and "
                             "check the export reproduces them")
    args = parser.parse_args(argv)
    validate_args(parser, args)
    return args


def validate_args(parser, args):
    if args.alpha is not None and args.arch not in MOBILENETS:
        parser.error(f"--alpha applies to {' and '.join(MOBILENETS)} only, not {args.arch}")
    if args.input_size < 32:
        parser.error(f"--input-size must be at least 32 (keras.applications), "
                     f"got {args.input_size}")
    if args.out.exists() and not args.out.is_dir():
        parser.error(f"--out {args.out} exists and is not a directory")
    if args.out.is_dir() and any(args.out.iterdir()) and not args.force:
        parser.error(f"--out {args.out} exists and is not empty; pass --force to replace it")


def keras_for(style):
    """Keras 2 (tf_keras) for tf-keras-save, Keras 3 for the other styles."""
    if style == "tf-keras-save":
        import tf_keras
        return tf_keras
    import keras
    return keras


def build_model(keras_module, args):
    module_name, constructor = APPLICATIONS[args.arch]
    application = getattr(getattr(keras_module.applications, module_name), constructor)
    kwargs = dict(
        include_top=args.include_top,
        weights=None if args.weights == "none" else "imagenet",
        input_shape=(args.input_size, args.input_size, 3),
    )
    if args.arch in MOBILENETS:
        kwargs["alpha"] = 1.0 if args.alpha is None else args.alpha
    # Keras' own seeding covers Python, NumPy and the backend, so initialisers repeat exactly.
    keras_module.utils.set_random_seed(args.seed)
    try:
        return application(**kwargs)
    except ValueError as e:  # e.g. an input size the pre-trained weights do not support
        raise ExportError(f"keras.applications.{constructor}({format_kwargs(kwargs)}) failed: "
                          f"{e}") from e
    except Exception as e:  # Keras raises a bare Exception when the download fails
        if args.weights != "imagenet":
            raise
        raise ExportError(f"could not get the ImageNet weights for {constructor} (they are "
                          f"downloaded from the internet, then cached in ~/.keras/models): "
                          f"{e}") from e


def format_kwargs(kwargs):
    return ", ".join(f"{k}={v!r}" for k, v in kwargs.items())


def calibrate_batch_norm(model, keras_module, args):
    """Sets every BatchNormalization layer's moving mean and variance to the statistics of its
    input on a seeded random batch.

    Why: freshly initialised BatchNormalization layers (mean 0, variance 1) do not normalise,
    and through dozens of layers the signal of a random MobileNetV2 shrinks to about 1e-11, so
    any absolute tolerance would pass trivially and the random demo base would give a head
    nothing to learn from. One forward pass in training mode with momentum 0 makes each layer
    normalise with batch statistics and copies those into the moving averages, layer after
    layer, so activations keep a unit scale in inference mode.
    """
    layers = [layer for layer in model.layers
              if isinstance(layer, keras_module.layers.BatchNormalization)]
    if not layers:
        return 0
    images = reference_images(keras_module, args.arch, args.input_size, args.seed + 1,
                              CALIBRATION_BATCH)
    momenta = [layer.momentum for layer in layers]
    for layer in layers:
        layer.momentum = 0.0
    try:
        model(images, training=True)
    finally:
        for layer, momentum in zip(layers, momenta):
            layer.momentum = momentum
    return len(layers)


def save_model(model, style, out):
    import tensorflow as tf
    out.parent.mkdir(parents=True, exist_ok=True)
    if style == "keras3-export":
        model.export(str(out), verbose=False)
    elif style == "tf-keras-save":
        model.save(str(out), save_format="tf")
    else:
        tf.saved_model.save(model, str(out))


def reference_images(keras_module, arch, size, seed, batch=REFERENCE_BATCH):
    """Random pixels in [0, 255] through the architecture's own preprocess_input, so the values
    span the range the model sees in use ([-1, 1] for the MobileNets, mean-subtracted BGR for
    VGG16 and ResNet50)."""
    import numpy as np
    rng = np.random.default_rng(seed)
    pixels = rng.uniform(0.0, 255.0, size=(batch, size, size, 3)).astype(np.float32)
    module_name, _ = APPLICATIONS[arch]
    preprocess = getattr(keras_module.applications, module_name).preprocess_input
    return np.asarray(preprocess(pixels), dtype=np.float32)


def serving_output(saved_model_dir, images):
    """Output of serving_default on `images`, as TF Serving would compute it."""
    import tensorflow as tf
    signature = tf.saved_model.load(str(saved_model_dir)).signatures["serving_default"]
    input_keys = list(signature.structured_input_signature[1])
    if len(input_keys) != 1:
        raise ExportError(f"serving_default has {len(input_keys)} inputs {input_keys}, expected 1")
    outputs = signature(**{input_keys[0]: tf.constant(images)})
    if len(outputs) != 1:
        raise ExportError(f"serving_default has {len(outputs)} outputs {list(outputs)}, expected 1")
    return next(iter(outputs.values())).numpy()


def python_output(model, images):
    """The model's inference output, computed in graph mode.

    Why not eagerly: op-by-op execution skips Grappler's fusions (conv + batch norm + relu), so
    it differs from any served graph by float rounding, up to 3e-4 for ResNet50 at unit output
    scale; in graph mode Python and the export agree exactly, and the 1e-5 check then catches
    real export faults (wrong weights, training-mode batch norm) rather than rounding."""
    import numpy as np
    import tensorflow as tf
    infer = tf.function(lambda batch: model(batch, training=False))
    return np.asarray(infer(tf.constant(images)), dtype=np.float32)


def write_reference(model, keras_module, args):
    import numpy as np
    images = reference_images(keras_module, args.arch, args.input_size, args.seed)
    expected = python_output(model, images)
    args.reference.mkdir(parents=True, exist_ok=True)
    np.save(args.reference / "reference_input.npy", images)
    np.save(args.reference / "reference_output.npy", expected)
    actual = serving_output(args.out, images)
    if actual.shape != expected.shape:
        raise ExportError(f"serving_default output shape {actual.shape} != Python {expected.shape}")
    diff = float(np.max(np.abs(actual - expected)))
    if not diff <= REFERENCE_TOLERANCE:
        raise ExportError(f"serving_default output differs from the Python model: max abs diff "
                          f"{diff:.3g} > {REFERENCE_TOLERANCE:g}")
    return expected.shape, diff


def layer_summary(model):
    """What Keras' summary() shows, as data: every layer but the input with its class, output
    shape and parameter counts, and the totals. The Java side's `inspect` must recover the same."""
    import numpy as np

    def size(weights):
        return int(sum(np.prod(w.shape) for w in weights))

    layers = []
    for layer in model.layers:
        if type(layer).__name__ == "InputLayer":
            continue
        shape = layer.output.shape
        layers.append({
            "name": layer.name,
            "class_name": type(layer).__name__,
            "output_shape": [None if d is None else int(d) for d in shape],
            "params": size(layer.weights),
            "trainable_params": size(layer.trainable_weights),
        })
    return {"layers": layers, "total_params": size(model.weights),
            "trainable_params": size(model.trainable_weights)}


def write_summary(model, directory):
    import json
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "summary.json").write_text(json.dumps(layer_summary(model), indent=1) + "\n")


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
    try:
        keras_module = keras_for(args.style)
        model = build_model(keras_module, args)
        if args.weights == "none" and not args.raw_init:
            count = calibrate_batch_norm(model, keras_module, args)
            if count:
                print(f"calibrated {count} BatchNormalization layers on a seeded random batch")
        if args.force and args.out.exists():
            shutil.rmtree(args.out)
        save_model(model, args.style, args.out)
        print(f"exported {args.arch} ({args.style}, weights {args.weights}, input "
              f"{args.input_size}x{args.input_size}x3) to {args.out}")
        if args.reference:
            shape, diff = write_reference(model, keras_module, args)
            write_summary(model, args.reference)
            print(f"reference: output {shape}, serving_default max abs diff {diff:.3g} "
                  f"<= {REFERENCE_TOLERANCE:g}; wrote {args.reference}/reference_*.npy")
    except ExportError as e:
        print(f"export_keras_model.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
