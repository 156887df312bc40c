#!/usr/bin/env python3
"""Keras' own image input pipeline, the reference the Java ImageDecoder is tested against.

For each image, exactly what `image_dataset_from_directory` followed by `preprocess_input` does:
  tf.io.decode_image(bytes, channels=C, expand_animations=False)
  -> tf.image.resize(image, (H, W), method="bilinear")
  -> keras.applications.<family>.preprocess_input(float32 array)
     (for a mode name: keras.applications.imagenet_utils.preprocess_input(x, mode=...);
      "none" leaves the values as they are).

The results are stacked into one float32 array [N, H, W, C] and saved with numpy.save.

Example:
  python scripts/keras_preprocess_reference.py --images a.png b.jpg \
      --height 224 --width 224 --channels 3 --mode vgg16 --out reference.npy
"""

import argparse
import sys

import numpy as np
import tensorflow as tf

MODES = ("caffe", "tf", "torch", "none")

# Model names whose preprocess_input lives in a keras.applications module of another name.
MODULE_OF_MODEL = {
    "resnet101": "resnet",
    "resnet152": "resnet",
    "resnet50_v2": "resnet_v2",
    "resnet101_v2": "resnet_v2",
    "resnet152_v2": "resnet_v2",
    "densenet121": "densenet",
    "densenet169": "densenet",
    "densenet201": "densenet",
}


def keras_applications():
    """Keras 2 (tf_keras) when installed, as the exported models use; else TensorFlow's Keras."""
    try:
        import tf_keras as keras
    except ImportError:
        from tensorflow import keras
    return keras.applications


def preprocess(x, mode):
    applications = keras_applications()
    if mode == "none":
        return x
    if mode in MODES:
        return applications.imagenet_utils.preprocess_input(x, mode=mode)
    module_name = MODULE_OF_MODEL.get(mode, mode)
    module = getattr(applications, module_name, None)
    if module is None or not hasattr(module, "preprocess_input"):
        sys.exit(f"unknown mode or model family '{mode}': expected one of {', '.join(MODES)} "
                 f"or a keras.applications module name such as vgg16 or mobilenet_v2")
    return module.preprocess_input(x)


def load(path, height, width, channels):
    data = tf.io.read_file(path)
    image = tf.io.decode_image(data, channels=channels, expand_animations=False)
    image = tf.image.resize(image, (height, width), method="bilinear")
    return image.numpy().astype(np.float32)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", nargs="+", required=True, help="encoded image files")
    parser.add_argument("--height", type=int, required=True)
    parser.add_argument("--width", type=int, required=True)
    parser.add_argument("--channels", type=int, required=True, choices=(1, 3))
    parser.add_argument("--mode", required=True,
                        help="caffe, tf, torch, none, or a keras.applications family such as vgg16")
    parser.add_argument("--out", required=True, help="the .npy file to write")
    args = parser.parse_args()

    batch = np.stack([
        np.asarray(preprocess(load(p, args.height, args.width, args.channels), args.mode),
                   dtype=np.float32)
        for p in args.images
    ])
    # little-endian float32 in C order: what the Java test's reader expects
    np.save(args.out, np.ascontiguousarray(batch, dtype="<f4"))


if __name__ == "__main__":
    main()
