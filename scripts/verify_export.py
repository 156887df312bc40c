#!/usr/bin/env python3
"""Proves that a SavedModel exported by the Java fine-tuner serves in Python TensorFlow.

Checks, each printed as one PASS/FAIL line:
  load_and_run         tf.saved_model.load(DIR).signatures['serving_default'] runs on --inputs
  probabilities        its 'probabilities' output matches --expected-probabilities
                       (max abs diff <= --tolerance), with Python's arithmetic graph rewrites
                       off (see below)
  probabilities_session  the same through a TF1 session, the way TF Serving and
                       saved_model_cli run a SavedModel (max abs diff <= --tolerance)
  probabilities_default_optimizer  the same with Python's default graph optimizer
                       (max abs diff <= --optimizer-tolerance)
  class_ids            its 'class_ids' output equals --expected-class-ids (when given)
  method_name          serving_default's method name is tensorflow/serving/predict
  outputs              serving_default declares 'probabilities' (float32) and 'class_ids' (int64);
                       with --multi-label, 'probabilities' alone
  sigmoid              --multi-label only: every probability is in [0, 1] and the rows do not
                       sum to 1 (independent sigmoid outputs, not a softmax)
  no_training_ops      the graph (and its function library) holds no gradient ops, optimizer
                       slots ('-m' / '-v' nodes and the like) or Apply* optimizer ops
  no_optimizer_slots   the variables checkpoint holds no optimizer slot variables
  saved_model_cli_show `saved_model_cli show --dir DIR --all` exits 0
  saved_model_cli_run  `saved_model_cli run ... --inputs <key>=X.npy` exits 0

Why the arithmetic rewrites are off for the main comparison: tf.saved_model.load runs the
graph through TF2 functions, whose grappler arithmetic optimizer regroups chains of additions
(AddN) and so changes float32 rounding. On the Keras 3 ResNet50 fixtures (BatchNormalization
written as Mul/Add chains next to residual additions) that moves probabilities by about 1.7e-5,
between two Python loaders of the same file; a session (TF Serving's path) and the Java side
agree to 0. The default-optimizer figure is still measured and reported.

Exit status: 0 when every check passes, 1 when one fails, 2 for unusable arguments
(missing files, inputs not float32). --report writes every check with its measured values as
JSON. saved_model_cli is taken from the same environment as this Python (next to
sys.executable), so the check uses the same TensorFlow as the rest.
"""

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

SIGNATURE_KEY = "serving_default"
SERVE_TAG = "serve"
PREDICT_METHOD = "tensorflow/serving/predict"
PROBABILITIES = "probabilities"
CLASS_IDS = "class_ids"
# Optimizer state by name: TF Java names a slot "<variable>-<slot>" (Adam: -m, -v; the others
# below), Python's tf.compat.v1 optimizers "<variable>/Adam", "<variable>/Adam_1", ...; Adam
# also keeps its decay powers in beta1_power / beta2_power.
# This project's own optimizer names slots "<variable>-<optimizer>_m" / "_v" and its powers
# "<optimizer>_beta1_power".
SLOT_PATTERN = re.compile(r"-\w+_[mv]$")
POWER_PATTERN = re.compile(r"(^|_)beta[12]_power$")
SLOT_SUFFIXES = ("-m", "-v", "-accumulator", "-momentum", "-rms", "-mg", "-accum",
                 "-accum_update", "-gradient_accumulator", "-linear_accumulator",
                 "/Adam", "/Adam_1", "/Momentum", "/Adagrad", "/RMSProp", "/RMSProp_1")
OPTIMIZER_VARIABLES = ("beta1_power", "beta2_power")
TRAINING_OP_PREFIXES = ("Apply", "ResourceApply", "SparseApply", "ResourceSparseApply")
CLI_TIMEOUT_S = 600
SHOWN_OFFENDERS = 10


class UsageError(Exception):
    """Arguments that cannot be checked at all (exit status 2)."""


class Check:
    def __init__(self, name, passed, summary, **values):
        self.name, self.passed, self.summary, self.values = name, passed, summary, values

    def line(self):
        return f"{'PASS' if self.passed else 'FAIL'} {self.name}: {self.summary}"

    def as_json(self):
        return {"name": self.name, "passed": self.passed, "summary": self.summary, **self.values}


def parse_args(argv):
    parser = argparse.ArgumentParser(
        description="Verify that a SavedModel exported by the Java side serves in TensorFlow.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog=__doc__.split("\n\n", 1)[1],
    )
    parser.add_argument("--export", type=Path, required=True,
                        help="SavedModel version directory (e.g. out/1)")
    parser.add_argument("--inputs", type=Path, required=True, help="float32 input batch (.npy)")
    parser.add_argument("--expected-probabilities", type=Path, required=True,
                        help="expected 'probabilities' output (.npy)")
    parser.add_argument("--expected-class-ids", type=Path,
                        help="expected 'class_ids' output (.npy), compared exactly")
    parser.add_argument("--tolerance", type=float, default=1e-5,
                        help="max abs difference allowed on probabilities (default: %(default)g)")
    parser.add_argument("--optimizer-tolerance", type=float, default=1e-4,
                        help="max abs difference allowed with Python's default graph optimizer, "
                             "whose arithmetic rewrites change float32 rounding "
                             "(default: %(default)g)")
    parser.add_argument("--report", type=Path, help="write the checks as JSON here")
    parser.add_argument("--multi-label", action="store_true",
                        help="a multi-label export: sigmoid 'probabilities' only, no 'class_ids'")
    return parser.parse_args(argv)


def load_arrays(args):
    import numpy as np
    if not (args.export / "saved_model.pb").is_file():
        raise UsageError(f"{args.export} holds no saved_model.pb; --export must be a SavedModel "
                         f"version directory such as out/1")
    arrays = {}
    for key, path in (("inputs", args.inputs), ("probabilities", args.expected_probabilities),
                      ("class_ids", args.expected_class_ids)):
        if path is None:
            continue
        try:
            arrays[key] = np.load(path, allow_pickle=False)
        except (OSError, ValueError) as e:
            raise UsageError(f"cannot read {path} as a .npy array: {e}") from e
    if arrays["inputs"].dtype != np.float32:
        raise UsageError(f"{args.inputs} holds {arrays['inputs'].dtype}, expected float32 (the "
                         f"signature's input type; saved_model_cli feeds the file as it is)")
    return arrays


def read_meta_graph(export_dir):
    """The MetaGraphDef tagged 'serve', parsed from saved_model.pb."""
    from tensorflow.core.protobuf import saved_model_pb2
    saved_model = saved_model_pb2.SavedModel()
    saved_model.ParseFromString((export_dir / "saved_model.pb").read_bytes())
    for meta_graph in saved_model.meta_graphs:
        if SERVE_TAG in meta_graph.meta_info_def.tags:
            return meta_graph
    tags = [list(m.meta_info_def.tags) for m in saved_model.meta_graphs]
    raise UsageError(f"{export_dir}: no MetaGraph tagged '{SERVE_TAG}' (found {tags})")


def run_signature(export_dir, inputs, arithmetic_rewrites=True):
    """Loads the export with tf.saved_model.load and runs serving_default. Returns (input key,
    outputs as numpy arrays, seconds). The optimizer option is process-wide and applies to
    functions loaded after it is set: run with rewrites first, then without."""
    import tensorflow as tf
    tf.config.optimizer.set_experimental_options({"arithmetic_optimization": arithmetic_rewrites})
    # Loading a TF1 export in TF2 warns once per VariableV2 ("reference variable") on every
    # call; harmless for serving, and it would bury the check lines.
    tf.get_logger().setLevel("ERROR")
    started = time.monotonic()
    signature = tf.saved_model.load(str(export_dir)).signatures[SIGNATURE_KEY]
    input_keys = sorted(signature.structured_input_signature[1])
    if len(input_keys) != 1:
        raise ValueError(f"{SIGNATURE_KEY} has {len(input_keys)} inputs {input_keys}, expected 1")
    outputs = signature(**{input_keys[0]: tf.constant(inputs)})
    return input_keys[0], {k: v.numpy() for k, v in outputs.items()}, time.monotonic() - started


def run_session(export_dir, inputs, input_key):
    """Runs serving_default in a TF1 session, as TF Serving and saved_model_cli do."""
    import tensorflow as tf
    graph = tf.Graph()
    with tf.compat.v1.Session(graph=graph) as session:
        meta_graph = tf.compat.v1.saved_model.load(session, [SERVE_TAG], str(export_dir))
        signature = meta_graph.signature_def[SIGNATURE_KEY]
        fetches = {k: v.name for k, v in signature.outputs.items()}
        return session.run(fetches, {signature.inputs[input_key].name: inputs})


def check_default_optimizer(export_dir, inputs, expected, tolerance):
    """probabilities with Python's default graph optimizer (arithmetic rewrites on)."""
    try:
        _, outputs, _ = run_signature(export_dir, inputs, arithmetic_rewrites=True)
    except Exception as e:  # a failure here is this check's finding
        return Check("probabilities_default_optimizer", False, f"{type(e).__name__}: {e}")
    return renamed(check_probabilities(outputs, expected, tolerance), "probabilities_default_optimizer")


def check_session(export_dir, inputs, input_key, expected, tolerance):
    if input_key is None:
        return Check("probabilities_session", False, "skipped: serving_default did not load")
    try:
        outputs = run_session(export_dir, inputs, input_key)
    except Exception as e:  # a failure here is this check's finding
        return Check("probabilities_session", False, f"{type(e).__name__}: {e}")
    return renamed(check_probabilities(outputs, expected, tolerance), "probabilities_session")


def renamed(check, name):
    check.name = name
    return check


def check_load_and_run(export_dir, inputs):
    try:
        key, outputs, seconds = run_signature(export_dir, inputs, arithmetic_rewrites=False)
    except Exception as e:  # any load or run failure is this check's finding, not a crash
        return Check("load_and_run", False, f"{type(e).__name__}: {e}"), None, None
    shapes = {k: list(v.shape) for k, v in outputs.items()}
    return (Check("load_and_run", True, f"input '{key}' {list(inputs.shape)} -> {shapes} in "
                  f"{seconds:.2f} s", input_key=key, output_shapes=shapes, seconds=seconds),
            key, outputs)


def check_sigmoid(outputs):
    import numpy as np
    if outputs is None or PROBABILITIES not in outputs:
        return Check("sigmoid", False, "no 'probabilities' output")
    p = outputs[PROBABILITIES].astype(np.float64)
    in_range = bool(np.all((p >= 0) & (p <= 1)))
    off_one = float(np.max(np.abs(p.sum(axis=1) - 1))) if p.size else 0.0
    passed = in_range and off_one > 1e-3
    return Check("sigmoid", passed, f"all in [0, 1]: {in_range}; rows sum to 1 within {off_one:.3g} "
                 f"(a softmax would within 1e-6)", in_range=in_range, max_row_sum_off_one=off_one)


def check_probabilities(outputs, expected, tolerance):
    import numpy as np
    if outputs is None or PROBABILITIES not in outputs:
        return Check(PROBABILITIES, False, "no 'probabilities' output to compare")
    actual = outputs[PROBABILITIES]
    if actual.shape != expected.shape:
        return Check(PROBABILITIES, False, f"shape {list(actual.shape)} != expected "
                     f"{list(expected.shape)}", shape=list(actual.shape),
                     expected_shape=list(expected.shape))
    diff = float(np.max(np.abs(actual.astype(np.float64) - expected))) if actual.size else 0.0
    return Check(PROBABILITIES, diff <= tolerance,
                 f"max abs diff {diff:.3g} {'<=' if diff <= tolerance else '>'} {tolerance:g}",
                 max_abs_diff=diff, tolerance=tolerance, shape=list(actual.shape))


def check_class_ids(outputs, expected):
    import numpy as np
    if outputs is None or CLASS_IDS not in outputs:
        return Check(CLASS_IDS, False, "no 'class_ids' output to compare")
    actual = outputs[CLASS_IDS]
    if actual.shape != expected.shape:
        return Check(CLASS_IDS, False, f"shape {list(actual.shape)} != expected "
                     f"{list(expected.shape)}", shape=list(actual.shape),
                     expected_shape=list(expected.shape))
    mismatches = int(np.count_nonzero(actual != expected))
    return Check(CLASS_IDS, mismatches == 0, f"{mismatches} of {actual.size} differ",
                 mismatches=mismatches, count=int(actual.size))


def check_method_name(signature):
    method = signature.method_name
    summary = f"'{method}'" + ("" if method == PREDICT_METHOD else f", expected '{PREDICT_METHOD}'")
    return Check("method_name", method == PREDICT_METHOD, summary, method_name=method)


def check_outputs(signature, multi_label=False):
    from tensorflow.core.framework import types_pb2
    wanted = {PROBABILITIES: types_pb2.DT_FLOAT}
    if not multi_label:
        wanted[CLASS_IDS] = types_pb2.DT_INT64
    found = {k: types_pb2.DataType.Name(v.dtype) for k, v in signature.outputs.items()}
    problems = [f"'{k}' missing" for k in wanted if k not in signature.outputs]
    problems += [f"unexpected output '{k}'" for k in signature.outputs if multi_label and k not in wanted]
    problems += [f"'{k}' is {found[k]}, expected {types_pb2.DataType.Name(t)}"
                 for k, t in wanted.items() if k in found and signature.outputs[k].dtype != t]
    return Check("outputs", not problems, "; ".join(problems) or f"{found}", outputs=found)


def training_offenders(meta_graph):
    """Names of nodes that only training creates, in the graph and in every library function
    (a TF2-style export keeps the network inside functions)."""
    nodes = list(meta_graph.graph_def.node)
    for function in meta_graph.graph_def.library.function:
        nodes.extend(function.node_def)
    offenders = [f"{node.name} ({node.op})" for node in nodes
                 if "gradients" in node.name or is_optimizer_state(node.name)
                 or node.op.startswith(TRAINING_OP_PREFIXES)]
    return offenders, len(nodes)


def is_optimizer_state(name):
    """True for an optimizer slot or Adam power variable (node or checkpoint key; Keras-style
    checkpoint keys end in /.ATTRIBUTES/VARIABLE_VALUE)."""
    name = name.split("/.ATTRIBUTES")[0]
    last = name.rsplit("/", 1)[-1]
    return (name.endswith(SLOT_SUFFIXES) or last in OPTIMIZER_VARIABLES
            or bool(SLOT_PATTERN.search(name)) or bool(POWER_PATTERN.search(last)))


def check_no_training_ops(meta_graph):
    offenders, count = training_offenders(meta_graph)
    summary = f"{len(offenders)} of {count} nodes are training-only"
    if offenders:
        more = " ..." if len(offenders) > SHOWN_OFFENDERS else ""
        summary += f": {', '.join(offenders[:SHOWN_OFFENDERS])}{more}"
    return Check("no_training_ops", not offenders, summary,
                 offenders=offenders, nodes=count)


def check_no_optimizer_slots(export_dir):
    import tensorflow as tf
    prefix = export_dir / "variables" / "variables"
    try:
        names = [name for name, _ in tf.train.list_variables(str(prefix))]
    except Exception as e:  # a missing or corrupt checkpoint is a finding
        return Check("no_optimizer_slots", False, f"cannot read {prefix}: {e}")
    slots = [n for n in names if is_optimizer_state(n)]
    return Check("no_optimizer_slots", not slots,
                 f"{len(slots)} of {len(names)} checkpoint variables are optimizer slots"
                 + (f": {', '.join(slots[:SHOWN_OFFENDERS])}" if slots else ""),
                 slots=slots, variables=len(names))


def saved_model_cli():
    """The saved_model_cli of this Python's environment (not whatever is first on PATH)."""
    bin_dir = Path(sys.executable).parent  # not resolved: a venv's python is a symlink
    for name in ("saved_model_cli", "saved_model_cli.exe"):
        if (bin_dir / name).is_file():
            return str(bin_dir / name)
    return None


def run_cli(name, arguments):
    cli = saved_model_cli()
    if cli is None:
        return Check(name, False, f"no saved_model_cli next to {sys.executable}; install "
                     f"tensorflow in that environment (scripts/setup_python.sh)")
    started = time.monotonic()
    try:
        result = subprocess.run([cli] + arguments, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                text=True, timeout=CLI_TIMEOUT_S,
                                env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2"))
    except subprocess.TimeoutExpired:
        return Check(name, False, f"timed out after {CLI_TIMEOUT_S} s", command=[cli] + arguments)
    seconds = time.monotonic() - started
    tail = result.stdout[-2000:]
    summary = f"exit {result.returncode} in {seconds:.1f} s"
    if result.returncode != 0:
        summary += f"; output ends: {tail.strip()[-500:]}"
    return Check(name, result.returncode == 0, summary, exit_code=result.returncode,
                 seconds=seconds, command=[cli] + arguments, output_tail=tail)


def check_cli_run(export_dir, input_key, inputs_path):
    if input_key is None:
        return Check("saved_model_cli_run", False, "skipped: the input key is unknown because "
                     "serving_default did not load")
    # saved_model_cli splits --inputs on ';', '=' and '[': feed it a copy under a plain name.
    with tempfile.TemporaryDirectory(prefix="verify_export_") as tmp:
        plain = Path(tmp) / "inputs.npy"
        shutil.copyfile(inputs_path, plain)
        return run_cli("saved_model_cli_run", [
            "run", "--dir", str(export_dir), "--tag_set", SERVE_TAG,
            "--signature_def", SIGNATURE_KEY, "--inputs", f"{input_key}={plain}"])


def run_checks(args, arrays):
    meta_graph = read_meta_graph(args.export)
    default_check = check_default_optimizer(args.export, arrays["inputs"], arrays["probabilities"],
                                            args.optimizer_tolerance)
    load_check, input_key, outputs = check_load_and_run(args.export, arrays["inputs"])
    checks = [load_check, check_probabilities(outputs, arrays["probabilities"], args.tolerance),
              check_session(args.export, arrays["inputs"], input_key, arrays["probabilities"],
                            args.tolerance),
              default_check]
    if "class_ids" in arrays:
        checks.append(check_class_ids(outputs, arrays["class_ids"]))
    if args.multi_label:
        checks.append(check_sigmoid(outputs))
    signature = meta_graph.signature_def.get(SIGNATURE_KEY)
    if signature is None:
        checks.append(Check("method_name", False, f"no '{SIGNATURE_KEY}' signature; found "
                            f"{sorted(meta_graph.signature_def)}"))
    else:
        checks += [check_method_name(signature), check_outputs(signature, args.multi_label)]
    checks += [check_no_training_ops(meta_graph), check_no_optimizer_slots(args.export),
               run_cli("saved_model_cli_show", ["show", "--dir", str(args.export), "--all"]),
               check_cli_run(args.export, input_key, args.inputs)]
    return checks


def write_report(path, export_dir, checks):
    report = {"export": str(export_dir), "passed": all(c.passed for c in checks),
              "checks": [c.as_json() for c in checks]}
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(report, indent=2) + "\n")


def main(argv=None):
    args = parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # before TensorFlow is imported
    try:
        arrays = load_arrays(args)
        checks = run_checks(args, arrays)
    except UsageError as e:
        print(f"verify_export.py: error: {e}", file=sys.stderr)
        return 2
    for check in checks:
        print(check.line())
    if args.report:
        write_report(args.report, args.export, checks)
    failed = [c.name for c in checks if not c.passed]
    # Not worded "N passed, N failed": CI logs read such a line as a test runner's total.
    if failed:
        print(f"verify_export.py: FAILED {len(failed)} of {len(checks)} checks: "
              f"{', '.join(failed)}")
        return 1
    print(f"verify_export.py: OK, all {len(checks)} checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
