#!/usr/bin/env bash
# The conversation scripts with the whole stack's clock fixed at each given date, two
# clocks at a time (PLN_TEST_CLOCKS_PARALLEL): each run starts a stack of its own on free
# ports, and one stack keeps about one core busy (Rasa's event loop), so two at once on
# two cores take about half the time. Each run's output is printed when it ends; the exit
# status is 1 when any run failed.
# Usage: scripts/test-clocks.sh PYTHON CLOCK [CLOCK ...]
set -uo pipefail
python=$1; shift
logs=$(mktemp -d)
trap 'rm -rf "$logs"' EXIT
run_at() {
  E2E_STACK_NOW=$1 "$python" -m pytest -q -p no:cacheprovider tests/e2e/test_conversations.py \
    > "$logs/$1.log" 2>&1
  echo $? > "$logs/$1.rc"
  { echo "=== conversation scripts with the stack's clock at $1"; cat "$logs/$1.log"; } >&2
}
export -f run_at
export python logs
printf '%s\n' "$@" | xargs -P "${PLN_TEST_CLOCKS_PARALLEL:-2}" -I{} bash -c 'run_at "$1"' _ {}
status=0
for clock in "$@"; do
  if [ "$(cat "$logs/$clock.rc" 2>/dev/null)" != 0 ]; then
    echo "FAILED: the conversation scripts at $clock" >&2
    status=1
  fi
done
exit $status
