#!/usr/bin/env python3
"""Two Adam steps of a head in Keras 3, from the head spec, weights and features Java chose.

The Java side builds a head from a spec (pooling, dense/batch_norm/dropout layers, L2, label
smoothing). To check that the spec means in Java what it means in Keras, both sides start from
the same weights, take the same batch of base features and train the head alone. This script is
the Keras side. It reads

  DIR/config.json   {"head": <a head spec, as finetune.json's head.spec>,
                     "classes": 3, "learning_rate": 0.01, "steps": 2,
                     "class_weight": {"0": 1.0, "1": 2.5, ...} (optional: train_on_batch's),
                     "cosine_alpha": 0.1 (optional: CosineDecay(learning_rate, decay_steps=steps, alpha))}
  DIR/input.npz     features [n, h, w, c] or [n, d] float32, labels [n] int, and the head's
                    weights named as the Java variables (head.dense.kernel, head.batch_norm.gamma,
                    head.batch_norm.moving_mean, ..., head.logits.kernel, head.logits.bias)

builds Input -> pooling -> the spec's layers (Dense with kernel_regularizer=l2, BatchNormalization(),
Dropout) -> Dense(classes, softmax, kernel_regularizer=l2), assigns every weight, compiles
Adam(learning_rate, epsilon=1e-7) with CategoricalCrossentropy(label_smoothing), runs `steps`
train_on_batch on the batch, then evaluates it in inference mode, and writes

  DIR/keras.npz     losses [steps] (as train_on_batch reports them, penalties included),
                    eval_loss, probabilities [n, classes] (inference mode), and every weight after
                    the steps, moving averages included, under its Java name

A dropout rate must be 0: masks are random, so the two sides could not agree.

Multi-label (config "multi_label": true): input.npz holds targets [n, classes] float32 (multi-hot)
instead of labels; the last layer is Dense(classes) without activation, the loss
BinaryCrossentropy(from_logits=True, label_smoothing), and probabilities are its sigmoid.
"""

import argparse
import json
import os
import sys
from pathlib import Path

POOLING = {"flatten": "Flatten", "global_avg": "GlobalAveragePooling2D", "global_max": "GlobalMaxPooling2D"}


def build(keras, spec, feature_shape, classes, multi_label=False):
    """The model and, in order, (java name prefix, layer, [weight suffixes]) for every layer with weights."""
    l2 = float(spec.get("l2", 0))
    regularizer = keras.regularizers.L2(l2) if l2 > 0 else None
    inputs = keras.Input(shape=feature_shape)
    x = inputs
    if len(feature_shape) == 3:
        x = getattr(keras.layers, POOLING[spec["pooling"]])()(x)
    named = []
    dense = norms = 0
    for layer in spec["layers"]:
        if layer["type"] == "dense":
            d = keras.layers.Dense(layer["units"], activation=layer.get("activation", "relu"), kernel_regularizer=regularizer)
            x = d(x)
            named.append(("head.dense" + (f"_{dense}" if dense else ""), d, ["kernel", "bias"]))
            dense += 1
        elif layer["type"] == "batch_norm":
            b = keras.layers.BatchNormalization()
            x = b(x)
            named.append(("head.batch_norm" + (f"_{norms}" if norms else ""), b, ["gamma", "beta", "moving_mean", "moving_variance"]))
            norms += 1
        elif layer["type"] == "dropout":
            if float(layer["rate"]) != 0:
                sys.exit("keras_head_step.py: error: dropout rates must be 0 here (random masks)")
            x = keras.layers.Dropout(0.0)(x)
    logits = keras.layers.Dense(classes, activation=None if multi_label else "softmax", kernel_regularizer=regularizer)
    outputs = logits(x)
    named.append(("head.logits", logits, ["kernel", "bias"]))
    return keras.Model(inputs, outputs), named


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--case", type=Path, required=True, metavar="DIR")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np

    config = json.loads((args.case / "config.json").read_text())
    arrays = np.load(args.case / "input.npz")
    features = arrays["features"].astype(np.float32)
    classes = int(config["classes"])
    multi_label = bool(config.get("multi_label", False))
    model, named = build(keras, config["head"], features.shape[1:], classes, multi_label)
    weights = {}
    for prefix, layer, suffixes in named:
        for suffix, variable in zip(suffixes, layer.weights):
            variable.assign(arrays[f"{prefix}.{suffix}"])
            weights[f"{prefix}.{suffix}"] = variable
    smoothing = float(config["head"].get("label_smoothing", 0))
    if multi_label:
        onehot = arrays["targets"].astype(np.float32)
        loss = keras.losses.BinaryCrossentropy(from_logits=True, label_smoothing=smoothing)
    else:
        onehot = np.eye(classes, dtype=np.float32)[arrays["labels"].astype(np.int64)]
        loss = keras.losses.CategoricalCrossentropy(label_smoothing=smoothing)
    rate = float(config["learning_rate"])
    if "cosine_alpha" in config:
        rate = keras.optimizers.schedules.CosineDecay(rate, decay_steps=int(config["steps"]), alpha=float(config["cosine_alpha"]))
    class_weight = {int(k): float(v) for k, v in config["class_weight"].items()} if "class_weight" in config else None
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=rate, epsilon=1e-7),
        loss=loss,
        jit_compile=False)
    losses = [float(model.train_on_batch(features, onehot, class_weight=class_weight)) for _ in range(int(config["steps"]))]
    out = {"losses": np.array(losses, dtype=np.float32),
           "eval_loss": np.float32(model.test_on_batch(features, onehot)),
           "probabilities": np.asarray(model(features, training=False), dtype=np.float32)}
    if multi_label:
        out["probabilities"] = np.asarray(keras.ops.sigmoid(out["probabilities"]), dtype=np.float32)
    for name, variable in weights.items():
        out[name] = np.asarray(variable.numpy(), dtype=np.float32)
    np.savez(args.case / "keras.npz", **out)
    print(f"keras_head_step.py: losses {losses}, wrote {args.case / 'keras.npz'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
