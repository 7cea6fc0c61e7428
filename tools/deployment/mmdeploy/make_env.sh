#!/usr/bin/env bash
# Build a separate virtual environment in which mmdeploy 1.3.1 runs next to mmfg.
#
#   bash tools/deployment/mmdeploy/make_env.sh [VENV]      (default /tmp/mmdeploy-venv)
#
# mmdeploy 1.3.1 (its last release) requires protobuf <= 3.20.2, while onnx >= 1.18
# and tensorboard 2.21 (mmfg's `deploy` / `tensorboard` extras) require protobuf >= 6.31:
# the two cannot share one environment. This venv holds mmdeploy, onnx 1.17 and
# protobuf 3.20.2 and borrows everything else (torch, mmcv, mmpretrain, onnxruntime,
# mmfg) from mmfg's own venv through a .pth file; its own packages come first.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../.." && pwd)
MAIN_PY=${MMFG_PYTHON:-$ROOT/.venv/bin/python}
VENV=${1:-/tmp/mmdeploy-venv}
[ -x "$MAIN_PY" ] || { echo "error: $MAIN_PY not found: run bash tools/setup.sh first (or set MMFG_PYTHON)" >&2; exit 1; }
PYVER=$("$MAIN_PY" -c 'import sys; print(f"{sys.version_info[0]}.{sys.version_info[1]}")')
BASE_PY=$("$MAIN_PY" -c 'import sys; print(sys._base_executable)')
[ -x "$VENV/bin/python" ] || "$BASE_PY" -m venv "$VENV"
"$MAIN_PY" -c 'import site; print(site.getsitepackages()[0])' \
    > "$VENV/lib/python$PYVER/site-packages/mmfg_main_venv.pth"
"$VENV/bin/python" -m pip install -q --progress-bar off --no-deps \
    mmdeploy==1.3.1 onnx==1.17.0 protobuf==3.20.2 aenum dill multiprocess prettytable
echo "$VENV ready: PYTHONPATH=$ROOT $VENV/bin/python tools/deployment/mmdeploy/check_mmdeploy.py"
