#!/usr/bin/env python3
"""What Keras' own callbacks decide for a given sequence of per-epoch figures.

Reads a JSON case and drives keras.callbacks.ModelCheckpoint(save_best_only=True),
ReduceLROnPlateau and EarlyStopping (in that order, as Java calls them) epoch by epoch with the
given values, on a one-weight model whose weight is set to the epoch number before each epoch
ends, so the weight after a restore tells which epoch's weights came back. Prints JSON:

  {"stopped_after": epoch or null, "weight": the weight after on_train_end (the epoch
   EarlyStopping restored, or the last one), "learning_rates": the rate after each epoch, "saved": epochs ModelCheckpoint saved}

Case: {"monitor": "val_loss", "values": [...], "learning_rate": 0.01, "save_best": true,
       "early_stopping": {"patience": 2, "min_delta": 0.0, "restore_best_weights": true} or null,
       "plateau": {"factor": 0.5, "patience": 2, "min_lr": 0.0} or null}
Epochs are numbered from 1 in the output, as the Java side numbers them.
"""

import json
import os
import sys
import tempfile


def main():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras
    import numpy as np

    case = json.loads(open(sys.argv[1]).read())
    model = keras.Sequential([keras.Input((1,)), keras.layers.Dense(1, use_bias=False)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=case["learning_rate"]), loss="mse")
    monitor = case["monitor"]
    # What mode="auto" picks once a compiled model's metrics are built: losses down, accuracies up.
    mode = "min" if monitor.endswith("loss") else "max"
    saved_dir = tempfile.mkdtemp()
    callbacks = []
    if case.get("save_best"):
        callbacks.append(keras.callbacks.ModelCheckpoint(
            os.path.join(saved_dir, "e{epoch}.weights.h5"), monitor=monitor, mode=mode, save_best_only=True,
            save_weights_only=True, verbose=0))
    if case.get("plateau"):
        p = case["plateau"]
        callbacks.append(keras.callbacks.ReduceLROnPlateau(
            monitor=monitor, mode=mode, factor=p["factor"], patience=p["patience"], min_lr=p["min_lr"], verbose=0))
    if case.get("early_stopping"):
        e = case["early_stopping"]
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor=monitor, mode=mode, patience=e["patience"], min_delta=e["min_delta"],
            restore_best_weights=e["restore_best_weights"], verbose=0))
    for cb in callbacks:
        cb.set_model(model)
        cb.on_train_begin()
    rates, stopped = [], None
    for epoch, value in enumerate(case["values"]):
        model.set_weights([np.array([[epoch + 1.0]], dtype=np.float32)])
        for cb in callbacks:
            cb.on_epoch_begin(epoch)
        for cb in callbacks:
            cb.on_epoch_end(epoch, {monitor: value})
        rates.append(float(np.array(model.optimizer.learning_rate)))
        if model.stop_training:
            stopped = epoch + 1
            break
    for cb in callbacks:
        cb.on_train_end()
    saved = sorted(int(name[1:-len(".weights.h5")]) for name in os.listdir(saved_dir))
    print(json.dumps({"stopped_after": stopped, "weight": float(model.get_weights()[0][0][0]),
                      "learning_rates": rates, "saved": saved}))


if __name__ == "__main__":
    main()
