#!/usr/bin/env bash
# Runs a command several times in a row while a CPU stressor keeps every core busy: the proof of
# issue #14 that the suite does not flake on a loaded machine.
#   .ci/stress.sh [RUNS] [COMMAND...]      default: 5 × make test
#   .ci/stress.sh 5 .venv/bin/python -m pytest -m e2e     the browser tests alone
# stress-ng when installed, else one busy loop per core; stopped on exit, whatever happens.
set -uo pipefail
cd "$(dirname "$0")/.."

runs=${1:-5}
shift || true
cmd=("$@")
[ ${#cmd[@]} -eq 0 ] && cmd=(make test)
cores=$(nproc)
pids=()

stop_stressors() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  pids=()
}
trap stop_stressors EXIT INT TERM

if command -v stress-ng >/dev/null 2>&1; then
  stress-ng --cpu "$cores" --quiet &
  pids+=($!)
  stressor="stress-ng --cpu $cores"
else
  for _ in $(seq "$cores"); do
    python3 -c 'while True: pass' &
    pids+=($!)
  done
  stressor="$cores busy loops"
fi
echo "stressor: $stressor; running ${cmd[*]} $runs times"

results=()
failures=0
for run in $(seq "$runs"); do
  start=$SECONDS
  "${cmd[@]}"
  rc=$?
  [ "$rc" -ne 0 ] && failures=$((failures + 1))
  results+=("run $run: exit $rc in $((SECONDS - start)) s (load average $(cut -d' ' -f1-3 /proc/loadavg))")
done
stop_stressors

printf '\n=== %s × %s under %s ===\n' "$runs" "${cmd[*]}" "$stressor"
printf '%s\n' "${results[@]}"
echo "$((runs - failures)) passed, $failures failed"
[ "$failures" -eq 0 ]
