#!/usr/bin/env bash
# Lint like OpenMMLab (settings in setup.cfg): flake8, isort, yapf.
#   bash tools/misc/lint.sh          check (exit 1 on any finding)
#   bash tools/misc/lint.sh --fix    rewrite the files with isort + yapf
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PATHS=(mmfg configs tools tests demo setup.py)
if [ "${1:-}" = "--fix" ]; then
    isort "${PATHS[@]}"
    yapf -r -i -p "${PATHS[@]}"
fi
status=0
echo "[lint] flake8"; flake8 "${PATHS[@]}" || status=1
echo "[lint] isort";  isort --check-only --diff "${PATHS[@]}" || status=1
echo "[lint] yapf";   yapf -r -d -p "${PATHS[@]}" || status=1
if [ $status = 0 ]; then echo "[lint] clean"; else echo "[lint] FAILED: run bash tools/misc/lint.sh --fix, then fix what flake8 reports" >&2; fi
exit $status
