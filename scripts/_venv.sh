# Sourced by the run and test scripts: make .venv with the pinned packages, reinstalling only when a
# requirements file changed.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
ensure_venv() {
  local requirements="$1"
  if [ ! -x .venv/bin/python ]; then
    if ! "$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
      echo "HCSP Engage needs Python 3.11 or later as '$PYTHON' (set PYTHON=/path/to/python3.11)." >&2
      exit 1
    fi
    if ! "$PYTHON" -m venv .venv; then
      rm -rf .venv
      echo "Could not make .venv: on Debian or Ubuntu install python3-venv (sudo apt-get install python3-venv)." >&2
      exit 1
    fi
  fi
  local stamp=".venv/.installed-$(basename "$requirements")"
  local wanted
  wanted="$(cat requirements*.txt | sha256sum | cut -d' ' -f1)"
  if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$wanted" ]; then
    echo "Installing the Python packages in $requirements into .venv (first time: a few minutes)..." >&2
    .venv/bin/python -m pip install --quiet --upgrade pip
    .venv/bin/python -m pip install --quiet -r "$requirements"
    echo "$wanted" > "$stamp"
  fi
}
