#!/usr/bin/env bash
# `make_venv.sh check VENV`: remove VENV when $PYTHON is given and VENV was made from another interpreter.
# `make_venv.sh build VENV`: make VENV (if missing) and install the project into it.
# The interpreter: $PYTHON when given (`make PYTHON=/usr/bin/python3.12 …`), else the fastest CPython >= 3.11 on the
# machine (scripts/fastest_python.py).
set -euo pipefail
mode=$1
venv=${2:-.venv}
real() { "$1" -c 'import os, sys; print(os.path.realpath(getattr(sys, "_base_executable", sys.executable)))'; }
if [ "$mode" = check ]; then
  if [ -n "${PYTHON:-}" ] && [ -x "$venv/bin/python" ] && [ "$(real "$venv/bin/python")" != "$(real "$PYTHON")" ]; then
    echo "removing $venv: it was made from $(real "$venv/bin/python"), not $(real "$PYTHON")"
    rm -rf "$venv"
  fi
  exit 0
fi
if [ ! -x "$venv/bin/python" ]; then
  want=${PYTHON:-$(python3 scripts/fastest_python.py)}
  echo "making $venv from $want ($("$want" --version 2>&1))"
  "$want" -m venv "$venv"
fi
"$venv/bin/python" -m pip install -q --upgrade pip
"$venv/bin/python" -m pip install -q -e '.[dev]'
