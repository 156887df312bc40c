#!/usr/bin/env bash
# Fuzzes the archive reader and the image loader with Jazzer (coverage-guided, in-process), each
# target for a bounded time. Not part of `mvn verify`: FuzzRegressionTest replays saved inputs.
#
# Usage: bash scripts/fuzz.sh [seconds per target] [target ...]
#   seconds  default 180 (FUZZ_SECONDS overrides the default too)
#   targets  default: ArchiveFuzzTarget ImageFuzzTarget ImageHeaderFuzzTarget
#            (classes in src/test/java/org/finetune/data)
#
# Writes under target/fuzz/: corpus/<target>/ (grows between runs), findings/<target>/ (inputs
# that made the target throw anything but FineTuneException, or crash), log/<target>.log.
# A finding is a bug: fix it, then copy the input to src/test/resources/fuzz-regressions/<target>/
# so that FuzzRegressionTest replays it from then on. Exit status: 0 when no target found
# anything, 1 otherwise.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
seconds="${1:-${FUZZ_SECONDS:-180}}"
shift || true
targets=("$@")
if [[ ${#targets[@]} -eq 0 ]]; then
  targets=(ArchiveFuzzTarget ImageFuzzTarget ImageHeaderFuzzTarget)
fi
out="target/fuzz"
mkdir -p "$out/log"

echo "fuzz.sh: compiling the tests and listing the test class path"
mvn -q -DskipTests test-compile dependency:build-classpath -Dmdep.includeScope=test -Dmdep.outputFile="$out/classpath.txt"
cp="target/test-classes:target/classes:$(cat "$out/classpath.txt")"

echo "fuzz.sh: writing seed inputs"
rm -rf "$out/seeds"
java -cp "$cp" org.finetune.data.FuzzSeeds "$out/seeds"

status=0
for target in "${targets[@]}"; do
  corpus="$out/corpus/$target"
  findings="$out/findings/$target"
  mkdir -p "$corpus" "$findings"
  log="$out/log/$target.log"
  echo "fuzz.sh: $target for ${seconds}s (log: $log)"
  set +e
  # -Xss: TensorFlow's decoders recurse; --keep_going: report several distinct findings per run.
  # Instrument only our code and commons-compress: TensorFlow's Java bindings are not the target.
  TF_CPP_MIN_LOG_LEVEL=3 java -Xmx4g -Xss8m -cp "$cp" com.code_intelligence.jazzer.Jazzer \
    --target_class="org.finetune.data.$target" \
    --instrumentation_includes='org.finetune.**:org.apache.commons.compress.**' \
    --keep_going=20 \
    -max_total_time="$seconds" -timeout=30 -rss_limit_mb=6144 -max_len=65536 \
    --reproducer_path="$findings" -artifact_prefix="$findings/" -print_final_stats=1 \
    "$corpus" "$out/seeds/$target" >"$log" 2>&1
  rc=$?
  set -e
  execs="$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' | tail -1)"
  found="$(find "$findings" -type f | wc -l)"
  echo "fuzz.sh: $target: exit $rc, ${execs:-?} executions, corpus $(find "$corpus" -type f | wc -l) inputs, $found findings"
  if [[ $rc -ne 0 || $found -gt 0 ]]; then
    status=1
    grep -E '^== Java Exception|^Caused by|^java\.|^\s+at org\.finetune' "$log" | head -20 || true
  fi
done
exit $status
