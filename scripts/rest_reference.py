"""What TF Serving's REST predict API answers for a request, computed in Python TensorFlow.

    rest_reference.py --export DIR --request FILE --out FILE
        Loads the export with tf.saved_model.load, turns the request body into tensors by TF
        Serving's rules (json_tensor.cc: "instances" row format, "inputs" columnar format, named or
        bare, {"b64": ...} strings, "signature_name" defaulting to serving_default), calls the
        signature, and writes the JSON TF Serving returns: {"predictions": [...]} (one element per
        instance, an object keyed by output name when the signature has several outputs) or
        {"outputs": ...}, floats printed as TF Serving's WriteDecimal prints them.

    rest_reference.py --format-floats IN --out FILE
        IN holds float32 bit patterns (decimal integers, one per line); writes each as TF Serving's
        WriteDecimal<float> prints it: printf %g, or %.9g when %g does not read back as the same
        float, ".0" appended when there is neither a point nor an exponent.

Only well-formed requests are handled: the Java side is tested against this on the answers.
"""

import argparse
import base64
import json
import struct
import sys

import numpy as np


def tf_serving_float(v, dtype=np.float32):
    v = dtype(v)
    if np.isnan(v):
        return "NaN"
    if np.isinf(v):
        return "-Infinity" if v < 0 else "Infinity"
    s = "%g" % float(v)
    if dtype(float(s)) != v:
        s = "%.*g" % (9 if dtype is np.float32 else 17, float(v))
    if "." not in s and "e" not in s:
        s += ".0"
    return s


def is_b64(value):
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("b64"), str)


def to_array(value, dtype):
    """A JSON value (scalar or nested lists) as a numpy array of the input's dtype."""
    import tensorflow as tf

    if dtype == tf.string:
        def leaf(v):
            return base64.b64decode(v["b64"]) if is_b64(v) else v.encode("utf-8")

        def walk(v):
            return [walk(x) for x in v] if isinstance(v, list) else leaf(v)

        return np.array(walk(value), dtype=object)
    return np.array(value, dtype=dtype.as_numpy_dtype)


def json_value(array, name):
    """A numpy value (scalar or array) as TF Serving writes it, as JSON text."""
    if isinstance(array, np.ndarray) and array.ndim > 0:
        return "[" + ", ".join(json_value(x, name) for x in array) + "]"
    if isinstance(array, np.ndarray):
        array = array[()]
    if isinstance(array, (np.floating,)):
        return tf_serving_float(array, np.float32 if array.dtype == np.float32 else np.float64)
    if isinstance(array, (np.bool_, bool)):
        return "true" if array else "false"
    if isinstance(array, (np.integer, int)):
        return str(int(array))
    if isinstance(array, bytes):
        if name.endswith("_bytes"):
            return json.dumps({"b64": base64.b64encode(array).decode("ascii")})
        return json.dumps(array.decode("utf-8"))
    raise TypeError("unsupported output value %r" % (array,))


def answer(export, request):
    import tensorflow as tf

    doc = json.loads(request)
    name = doc.get("signature_name") or "serving_default"
    fn = tf.saved_model.load(export).signatures[name]
    specs = fn.structured_input_signature[1]
    if "instances" in doc:
        rows = doc["instances"]
        if isinstance(rows[0], dict) and not is_b64(rows[0]):
            feeds = {k: np.stack([to_array(r[k], specs[k].dtype) for r in rows]) for k in specs}
        else:
            (k,) = specs
            feeds = {k: np.stack([to_array(r, specs[k].dtype) for r in rows])}
        row = True
    else:
        inputs = doc["inputs"]
        if isinstance(inputs, dict) and not is_b64(inputs):
            feeds = {k: to_array(inputs[k], specs[k].dtype) for k in specs}
        else:
            (k,) = specs
            feeds = {k: to_array(inputs, specs[k].dtype)}
        row = False
    results = fn(**{k: tf.constant(v, dtype=specs[k].dtype) for k, v in feeds.items()})
    outputs = {k: v.numpy() for k, v in sorted(results.items())}
    if row:
        batch = {v.shape[0] for v in outputs.values()}
        assert len(batch) == 1, "outputs of inconsistent batch size"
        items = []
        for i in range(batch.pop()):
            if len(outputs) == 1:
                ((k, v),) = outputs.items()
                items.append(json_value(v[i], k))
            else:
                items.append("{" + ", ".join(json.dumps(k) + ": " + json_value(v[i], k) for k, v in outputs.items()) + "}")
        return '{"predictions": [' + ", ".join(items) + "]}"
    if len(outputs) == 1:
        ((k, v),) = outputs.items()
        return '{"outputs": ' + json_value(v, k) + "}"
    return '{"outputs": {' + ", ".join(json.dumps(k) + ": " + json_value(v, k) for k, v in outputs.items()) + "}}"


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--export")
    parser.add_argument("--request")
    parser.add_argument("--format-floats")
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.format_floats:
        with open(args.format_floats) as f:
            bits = [int(line) for line in f if line.strip()]
        text = "\n".join(tf_serving_float(struct.unpack("<f", struct.pack("<I", b & 0xFFFFFFFF))[0]) for b in bits) + "\n"
    else:
        with open(args.request, "rb") as f:
            text = answer(args.export, f.read().decode("utf-8")) + "\n"
    with open(args.out, "w") as f:
        f.write(text)


if __name__ == "__main__":
    sys.exit(main())
