#!/usr/bin/env bash
# Creates the project's Python virtual environment and installs scripts/requirements.txt.
#
# Usage: bash scripts/setup_python.sh        (from any directory)
#   FINETUNE_VENV  where the environment goes (default: <repo>/.venv)
#   PYTHON         the interpreter that creates it (default: python3)
#
# Idempotent: a stamp file in the environment holds the sha256 of requirements.txt; when it
# matches and the environment's python runs, the script returns at once. Otherwise the
# environment is recreated from scratch, so it always holds exactly the pinned set.
# Maven calls this in CI on a fresh machine, hence no assumptions about the current directory.
set -Eeuo pipefail # -E: the ERR trap below also fires inside functions

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_root="$(cd "$script_dir/.." && pwd)"
venv="${FINETUNE_VENV:-$repo_root/.venv}"
requirements="$script_dir/requirements.txt"
stamp="$venv/.finetune-requirements.sha256"
base_python="${PYTHON:-python3}"

fail() {
  echo "setup_python.sh: ERROR: $*" >&2
  exit 1
}

# Reports which step failed: pip's own output above it is long, the cause easy to miss.
step="starting"
trap 'echo "setup_python.sh: ERROR: failed while ${step} (venv: ${venv})" >&2' ERR

sha256_of() {
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  else
    shasum -a 256 "$1" | cut -d' ' -f1 # macOS has no sha256sum
  fi
}

venv_python() {
  if [[ -x "$venv/bin/python" ]]; then
    echo "$venv/bin/python"
  else
    echo "$venv/Scripts/python.exe" # Windows (Git Bash) layout
  fi
}

is_up_to_date() {
  [[ -f "$stamp" ]] && [[ "$(cat "$stamp")" == "$wanted_hash" ]] && "$(venv_python)" -c pass >/dev/null 2>&1
}

# --clear wipes the directory, so only ever do that to something that is a venv (or empty):
# FINETUNE_VENV pointing at an unrelated folder must not lose its contents.
create_venv() {
  if [[ -e "$venv" && ! -f "$venv/pyvenv.cfg" && -n "$(ls -A "$venv" 2>/dev/null)" ]]; then
    fail "$venv exists and is not a Python virtual environment; refusing to overwrite it. Set FINETUNE_VENV elsewhere or remove it."
  fi
  command -v "$base_python" >/dev/null 2>&1 || fail "'$base_python' not found; install Python 3.11 (or set PYTHON)."
  step="creating the virtual environment with $base_python -m venv"
  "$base_python" -m venv --clear "$venv" || fail "'$base_python -m venv' failed; on Debian/Ubuntu install the python3-venv package."
}

# Lines marked `# no-deps` are installed without their dependencies (see requirements.txt).
install_requirements() {
  local py regular nodeps
  py="$(venv_python)"
  regular="$(grep -v -- '# *no-deps' "$requirements" || true)"
  nodeps="$(grep -- '# *no-deps' "$requirements" | sed 's/#.*//' | tr -s ' \t' '\n' | grep -v '^$' || true)"
  step="upgrading pip"
  "$py" -m pip install --quiet --disable-pip-version-check --upgrade pip
  step="installing the requirements (pip install -r $requirements)"
  "$py" -m pip install --quiet --disable-pip-version-check -r <(echo "$regular")
  if [[ -n "$nodeps" ]]; then
    step="installing without dependencies: $(echo $nodeps)"
    # shellcheck disable=SC2086 # one word per package pin
    "$py" -m pip install --quiet --disable-pip-version-check --no-deps $nodeps
  fi
  step="checking that TensorFlow, Keras 3 and tf_keras import"
  "$py" -c 'import numpy, tensorflow, keras, tf_keras' >/dev/null 2>&1 \
    || fail "the environment installed but does not import: run $py -c 'import tensorflow, keras, tf_keras' to see why."
}

main() {
  [[ -f "$requirements" ]] || fail "missing $requirements"
  wanted_hash="$(sha256_of "$requirements")"
  if is_up_to_date; then
    echo "setup_python.sh: $venv is up to date"
    return 0
  fi
  echo "setup_python.sh: creating $venv from $requirements (downloads about 300 MB the first time)"
  create_venv
  install_requirements
  echo "$wanted_hash" >"$stamp"
  echo "setup_python.sh: ready: $(venv_python)"
}

main "$@"
