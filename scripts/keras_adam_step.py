#!/usr/bin/env python3
"""One fine-tuning step in Keras 3, from weights and a batch that the Java side chose.

The Java fine-tuner trains a rebuilt copy of a Keras base with its own head, loss and Adam. To
check it against Keras itself, both sides start from the same weights, take the same batch,
unfreeze the same layers and run one Adam step; this script is the Keras side. It reads

  DIR/config.json   {"arch": "mobilenet_v2", "alpha": 1.0 (mobilenets only, optional),
                     "input_size": 64,
                     "head": {"pooling": "flatten"|"avg"|"max", "dense_units": 16, "classes": 3},
                     "learning_rate": 0.001,
                     "trainable_layers": ["block_16_expand", ...]}
  DIR/input.npz     images [n, size, size, 3] float32 (preprocessed), labels [n] int,
                    base/<layer>/<weight> for every weight of the base (e.g. base/Conv1/kernel),
                    head/dense/{kernel,bias} (when dense_units > 0), head/logits/{kernel,bias}

builds keras.applications.<Arch>(weights=None, include_top=False) and the head
(pooling -> Dense(units, relu) -> Dense(classes, softmax), no dropout, so both sides are
deterministic), assigns every weight by name, makes exactly the listed base layers trainable,
runs the model with training=False (BatchNormalization in inference mode, as the Java side does;
see inference_mode for why base(x, training=False) alone is not enough in Keras 3), compiles
Adam(learning_rate, epsilon=1e-7) with categorical cross-entropy, records the gradients with a
GradientTape (in graph mode, see one_step), runs one train_on_batch, and writes

  DIR/keras.npz     loss (the tape's), gradient/<name> and updated/<name> for every trainable
                    weight, named as in input.npz

Exits 1 with a message if a weight is missing or left over, a layer is unknown, train_on_batch
reports another loss than the tape, or a frozen weight changed.
"""

import argparse
import json
import os
import sys
from pathlib import Path

ARCHS = {
    "vgg16": "VGG16",
    "mobilenet": "MobileNet",
    "mobilenet_v2": "MobileNetV2",
    "resnet50": "ResNet50",
}
POOLING = {"flatten": "Flatten", "avg": "GlobalAveragePooling2D", "max": "GlobalMaxPooling2D"}
LOSS_TOLERANCE = 1e-5


class StepError(Exception):
    """A mismatch between what Java sent and what Keras builds; printed without a traceback."""


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Run one Keras Adam fine-tuning step from weights written by the Java side.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--case", type=Path, required=True, metavar="DIR",
                        help="directory holding config.json and input.npz; keras.npz goes there")
    return parser.parse_args(argv)


def build_base(keras, config):
    arch = config["arch"]
    if arch not in ARCHS:
        raise StepError(f"unknown arch {arch!r}; expected one of {sorted(ARCHS)}")
    size = int(config["input_size"])
    kwargs = dict(weights=None, include_top=False, input_shape=(size, size, 3))
    if config.get("alpha") is not None:
        kwargs["alpha"] = float(config["alpha"])
    return getattr(keras.applications, ARCHS[arch])(**kwargs)


def build_model(keras, base, size, head):
    """The Java head: pooling, Dense(units, relu) when units > 0, Dense(classes, softmax)."""
    if head["pooling"] not in POOLING:
        raise StepError(f"unknown pooling {head['pooling']!r}; expected one of {sorted(POOLING)}")
    inputs = keras.Input(shape=(size, size, 3))
    # training=False: BatchNormalization normalises with its moving statistics and never updates
    # them, even for a layer that trains its gamma and beta.
    x = base(inputs, training=False)
    x = getattr(keras.layers, POOLING[head["pooling"]])(name="head_pool")(x)
    named = []
    if int(head["dense_units"]) > 0:
        dense = keras.layers.Dense(int(head["dense_units"]), activation="relu", name="head_dense")
        x = dense(x)
        named.append(("head/dense", dense))
    logits = keras.layers.Dense(int(head["classes"]), activation="softmax", name="head_logits")
    outputs = logits(x)
    named.append(("head/logits", logits))
    return inference_mode(keras, keras.Model(inputs, outputs)), named


def inference_mode(keras, model):
    """`model`, always called with training=False.

    Why: in Keras 3 (3.15) the training flag of an outer call overrides the training=False that a
    nested model was called with when the functional graph was built (operation_fn in
    keras/src/models/functional.py), so under train_on_batch a base(x, training=False) still runs
    its BatchNormalization layers in training mode whenever they are trainable: batch statistics,
    moving averages updated. The Java side keeps them in inference mode in every strategy (as
    Keras 2 did and the Keras transfer-learning guide intends). The head has no dropout, so
    inference mode everywhere is exactly the Java training graph."""

    class InferenceMode(keras.Model):
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def call(self, inputs, training=None):
            return self.inner(inputs, training=False)

    return InferenceMode(model)


def named_weights(base, head_layers):
    """(npz key, variable) for every weight of the model, base first."""
    pairs = []
    for layer in base.layers:
        for w in layer.weights:
            pairs.append((f"base/{layer.name}/{w.name}", w))
    for prefix, layer in head_layers:
        for w in layer.weights:
            pairs.append((f"{prefix}/{w.name}", w))
    return pairs


def assign_all(pairs, arrays):
    """Assigns every weight from the archive; every base/ and head/ entry must be used."""
    import numpy as np
    sent = {k for k in arrays.files if k.startswith(("base/", "head/"))}
    for key, variable in pairs:
        if key not in sent:
            raise StepError(f"input.npz has no {key}")
        value = arrays[key]
        if tuple(value.shape) != tuple(variable.shape):
            raise StepError(f"{key}: input.npz has shape {value.shape}, Keras {tuple(variable.shape)}")
        variable.assign(value.astype(np.float32))
        sent.discard(key)
    if sent:
        raise StepError(f"input.npz holds weights Keras does not have: {sorted(sent)[:10]}")


def set_trainable(base, layer_names):
    """Exactly the listed base layers train; all others (and so BatchNormalization layers the
    Java plan leaves out) are frozen."""
    known = {layer.name for layer in base.layers}
    unknown = [name for name in layer_names if name not in known]
    if unknown:
        raise StepError(f"unknown layers {unknown}")
    base.trainable = True
    for layer in base.layers:
        layer.trainable = layer.name in layer_names


def one_step(keras, tf, model, images, onehot, learning_rate):
    """The gradients at the starting weights, then one train_on_batch; returns (loss, grads)."""
    loss_fn = keras.losses.CategoricalCrossentropy()

    # In graph mode, as train_on_batch and the Java session run: eager execution skips Grappler's
    # rewrites, rounds differently, and a ReLU6 input within rounding of 0 or 6 then takes the
    # other side of the kink, which changes the gradient of every layer below it.
    @tf.function(jit_compile=False)
    def tape_gradients(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, model(x, training=True))
        return loss, tape.gradient(loss, model.trainable_weights)

    loss, gradients = tape_gradients(tf.constant(images), tf.constant(onehot))
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=learning_rate, beta_1=0.9, beta_2=0.999, epsilon=1e-7),
        loss="categorical_crossentropy",
        jit_compile=False,  # plain TensorFlow kernels, as on the Java side
    )
    reported = float(model.train_on_batch(images, onehot))
    if abs(reported - float(loss)) > LOSS_TOLERANCE * max(1.0, abs(float(loss))):
        raise StepError(f"train_on_batch reported loss {reported}, the tape {float(loss)}")
    return float(loss), gradients


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
    import keras
    import numpy as np
    import tensorflow as tf

    try:
        config = json.loads((args.case / "config.json").read_text())
        arrays = np.load(args.case / "input.npz")
        keras.utils.set_random_seed(0)  # every weight is assigned; this only fixes the rest
        base = build_base(keras, config)
        model, head_layers = build_model(keras, base, int(config["input_size"]), config["head"])
        pairs = named_weights(base, head_layers)
        assign_all(pairs, arrays)
        set_trainable(base, set(config["trainable_layers"]))

        images = arrays["images"].astype(np.float32)
        onehot = np.eye(int(config["head"]["classes"]), dtype=np.float32)[arrays["labels"].astype(np.int64)]
        before = {key: np.array(w.numpy()) for key, w in pairs}
        loss, gradients = one_step(keras, tf, model, images, onehot, float(config["learning_rate"]))

        key_of = {id(w): key for key, w in pairs}
        out = {"loss": np.float32(loss)}
        for w, g in zip(model.trainable_weights, gradients):
            out[f"gradient/{key_of[id(w)]}"] = np.asarray(g, dtype=np.float32)
            out[f"updated/{key_of[id(w)]}"] = np.asarray(w.numpy(), dtype=np.float32)
        trainable = {id(w) for w in model.trainable_weights}
        moved = [key for key, w in pairs if id(w) not in trainable and not np.array_equal(before[key], w.numpy())]
        if moved:
            raise StepError(f"frozen weights changed in Keras: {moved[:10]}")
        np.savez(args.case / "keras.npz", **out)
        print(f"keras_adam_step.py: loss {loss:.6f}, {len(model.trainable_weights)} trainable weights "
              f"of {len(pairs)}; wrote {args.case / 'keras.npz'}")
    except StepError as e:
        print(f"keras_adam_step.py: error: {e}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
