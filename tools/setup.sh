#!/usr/bin/env bash
# One-command setup of mmfg on a fresh Linux machine (CPU-only or with GPUs).
#
#   bash tools/setup.sh
#
# Installs, into a virtual environment .venv/ at the repository root:
#   torch/torchvision, mmengine, mmcv 2.1.0 built WITH its ops, mmpretrain, mmdet,
#   mmfg (editable) and the test requirements; installs Debian's dataset-fashion-mnist
#   and extracts it to data/fashion_mnist/ for the embedded default configs.
# Idempotent: a second run on a ready machine checks and exits in seconds.
# Environment knobs: PYTHON (interpreter for the venv, default python3),
#                    MMFG_VENV (venv path, default .venv), MAX_JOBS (mmcv build jobs).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
VENV=${MMFG_VENV:-$ROOT/.venv}
PY=${PYTHON:-python3}
FMNIST_DEB=/usr/share/datasets/fashion-mnist

step() { printf '\n[mmfg setup %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { printf '\n[mmfg setup] ERROR: %s\n' "$*" >&2; exit 1; }

# ---------------------------------------------------------------- 1. Debian data
if [ ! -f "$FMNIST_DEB/train-images-idx3-ubyte.gz" ]; then
    step "installing Debian package dataset-fashion-mnist (real Fashion-MNIST, the embedded default data)"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO=sudo
    command -v apt-get >/dev/null || die "apt-get not found: install Fashion-MNIST's idx .gz files into $FMNIST_DEB by hand"
    $SUDO apt-get update -qq || die "apt-get update failed (no access to Debian's package mirror?)"
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq dataset-fashion-mnist \
        || die "apt-get install dataset-fashion-mnist failed"
    [ -f "$FMNIST_DEB/train-images-idx3-ubyte.gz" ] \
        || die "dataset-fashion-mnist installed but $FMNIST_DEB/train-images-idx3-ubyte.gz is missing"
else
    step "Debian dataset-fashion-mnist present"
fi

# ---------------------------------------------------------------- 2. virtual environment
if [ ! -x "$VENV/bin/python" ]; then
    step "creating virtual environment $VENV with $PY ($($PY --version 2>&1))"
    $PY -m venv "$VENV" || die "could not create a venv with $PY (Debian: apt-get install python3-venv)"
fi
VPY="$VENV/bin/python"
PIP=("$VPY" -m pip install --progress-bar off)

stamp="$VENV/.mmfg-setup-stamp"
want=$(cat setup.py requirements/*.txt tools/setup.sh | sha256sum | cut -c1-16)
check_imports() {
    "$VPY" - <<'PY' 2>/dev/null
import torch, torchvision, mmengine, mmcv, mmcv.ops, mmpretrain, mmdet, mmfg  # noqa
PY
}

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ] && check_imports; then
    step "python environment up to date (stamp $want); nothing to install"
else
    step "installing build tools"
    "${PIP[@]}" -r requirements/build.txt || die "pip could not install requirements/build.txt"

    step "installing torch/torchvision (requirements/torch.txt; large download on first run)"
    "${PIP[@]}" -r requirements/torch.txt || die "pip could not install requirements/torch.txt"

    step "installing mmengine"
    "${PIP[@]}" "$(grep '^mmengine' requirements/mminstall.txt)" || die "pip could not install mmengine"

    if "$VPY" -c "import mmcv, mmcv.ops; assert mmcv.__version__ == '$(sed -n 's/^mmcv==//p' requirements/mminstall.txt)'" 2>/dev/null; then
        step "mmcv with ops already installed"
    else
        step "building mmcv with ops from source (about 8 min on 2 cores the first time; pip caches the wheel)"
        MMCV_WITH_OPS=1 MAX_JOBS=${MAX_JOBS:-$(nproc)} "${PIP[@]}" --no-build-isolation \
            "$(grep '^mmcv==' requirements/mminstall.txt)" || die "building mmcv failed (need gcc/g++; see the log above)"
    fi

    step "installing mmpretrain, mmdet, runtime + test requirements and mmfg (editable)"
    "${PIP[@]}" -r requirements/mminstall.txt -r requirements/runtime.txt -r requirements/tests.txt \
        || die "pip could not install requirements/{mminstall,runtime,tests}.txt"
    "${PIP[@]}" --no-deps openmim==0.3.9 || die "pip could not install openmim (see requirements/mim.txt)"
    "${PIP[@]}" --no-build-isolation -e . || die "pip install -e . failed"

    check_imports || die "installed, but importing torch/mmcv.ops/mmpretrain/mmdet/mmfg fails: run $VPY -c 'import mmcv.ops, mmdet, mmfg' to see why"
    echo "$want" > "$stamp"
fi

# ---------------------------------------------------------------- 3. data
step "preparing data/fashion_mnist"
"$VPY" tools/dataset_converters/prepare_fashion_mnist.py --src "$FMNIST_DEB" --dst "$ROOT/data/fashion_mnist" \
    || die "preparing Fashion-MNIST failed"

step "versions"
"$VPY" - <<'PY'
import torch, torchvision, mmengine, mmcv, mmpretrain, mmdet, mmfg
for m in (torch, torchvision, mmengine, mmcv, mmpretrain, mmdet, mmfg):
    print(f'  {m.__name__:12s} {m.__version__}')
print(f'  cuda available: {torch.cuda.is_available()}')
PY
step "done. Activate with: source ${VENV#$ROOT/}/bin/activate"
