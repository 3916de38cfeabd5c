#!/usr/bin/env bash
# Prints the path of a working Python 3.10 interpreter (Rasa 3.6 runs on 3.8-3.10 only).
# Order: $PYTHON310 if set, a plain `python3.10` that really runs (a pyenv shim may exist
# yet fail), then the newest 3.10.x that pyenv knows. Exits 1 with a message otherwise.
set -u
is_310() { "$@" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 10) else 1)' >/dev/null 2>&1; }
real_path() { "$@" -c 'import sys; print(sys.executable)'; }

if [ -n "${PYTHON310:-}" ] && is_310 "$PYTHON310"; then real_path "$PYTHON310"; exit 0; fi
if command -v python3.10 >/dev/null 2>&1 && is_310 python3.10; then real_path python3.10; exit 0; fi
if command -v pyenv >/dev/null 2>&1; then
  version=$(pyenv versions --bare 2>/dev/null | grep -E '^3\.10\.[0-9]+$' | sort -t. -k3,3n | tail -n 1)
  if [ -n "$version" ]; then
    candidate=$(PYENV_VERSION="$version" pyenv which python 2>/dev/null)
    if [ -n "$candidate" ] && is_310 "$candidate"; then real_path "$candidate"; exit 0; fi
  fi
fi
for candidate in /usr/bin/python3.10 /usr/local/bin/python3.10; do
  if [ -x "$candidate" ] && is_310 "$candidate"; then real_path "$candidate"; exit 0; fi
done
echo "error: no working Python 3.10 found (Rasa 3.6 needs 3.8-3.10). Install one, or set PYTHON310=/path/to/python3.10" >&2
exit 1
