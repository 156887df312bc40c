#!/usr/bin/env python3
"""Keras 3's image augmentation layers on one image, the reference for the Java augmentation.

The image is decoded and resized as Keras' input pipeline does (tf.io.decode_image, then
tf.image.resize bilinear), then each case runs one layer in training mode with a factor range of
zero width, so that the transform is fixed:
  rotation:F    keras.layers.RandomRotation((F, F))      (F of a full turn; fill_mode reflect)
  zoom:F        keras.layers.RandomZoom((F, F))          (zoom 1 + F on both axes; reflect)
  brightness:F  keras.layers.RandomBrightness((F, F))    (adds F * 255, clips to [0, 255])
The outputs are stacked into one float32 array [cases, H, W, C] and saved with numpy.save.

Example:
  python scripts/keras_augment_reference.py --image a.png --height 24 --width 32 --channels 3 \
      --case rotation:0.1 --case zoom:-0.3 --out reference.npy
"""

import argparse
import sys

import keras
import numpy as np
import tensorflow as tf

LAYERS = {
    "rotation": lambda f: keras.layers.RandomRotation((f, f)),
    "zoom": lambda f: keras.layers.RandomZoom((f, f)),
    "brightness": lambda f: keras.layers.RandomBrightness((f, f)),
}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--image", required=True)
    parser.add_argument("--height", type=int, required=True)
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--channels", type=int, default=3)
    parser.add_argument("--case", action="append", required=True, help="NAME:FACTOR, NAME one of " + ", ".join(LAYERS))
    parser.add_argument("--out", required=True)
    args = parser.parse_args()

    data = tf.io.read_file(args.image)
    image = tf.io.decode_image(data, channels=args.channels, expand_animations=False)
    image = tf.image.resize(tf.cast(image, tf.float32), (args.height, args.width), method="bilinear")
    batch = image[tf.newaxis]
    outputs = []
    for case in args.case:
        name, _, factor = case.partition(":")
        if name not in LAYERS:
            sys.exit(f"unknown case '{case}': expected NAME:FACTOR with NAME one of {', '.join(LAYERS)}")
        layer = LAYERS[name](float(factor))
        outputs.append(np.asarray(layer(batch, training=True))[0])
    np.save(args.out, np.stack(outputs).astype(np.float32))


if __name__ == "__main__":
    main()
