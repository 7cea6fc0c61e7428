#!/usr/bin/env bash
# The GPU check, on the GPU machine (Python 3.12, torch 2.11.0+cu130, nvcc,
# no network), from the repository root, with the folder made by
# tools/gpu_check/build_wheels.sh carried along (docs/gpu_check.md):
#
#   bash tools/gpu_check/run_checks.sh [WHEEL_DIR]        (default .whl)
#
# 1. installs the carried wheels into /tmp/site and mmcv without ops into
#    /tmp/mmcv_lite;
# 2. builds mmcv 2.1.0 WITH its CUDA ops from the carried sdist into
#    /tmp/mmcv_ops, in the background, under a time limit (MMCV_BUILD_LIMIT);
# 3. meanwhile runs checks.py on mmcv without ops (the six methods' tiny
#    configs need none): install, fve, train (fp32 and --amp), dist (1-process
#    NCCL dist_train.sh), bench (method/baseline ratios, fp32 and AMP);
# 4. then the checks that need mmcv.ops, on the built mmcv if the build
#    finished, or recorded as skipped with the reason.
# Results: $OUT (else work_dirs/gpu_check): results.json, results.md,
# run_checks.log, mmcv_build.log (its tail). The whole script stops by
# GPU_CHECK_BUDGET seconds (default 480); a failing check is recorded and the
# next one runs. Exit status 0 only if no check failed.
# GPU_CHECK_ARGS: more checks.py options (e.g. "--methods lenet5,fve").
# GPU_CHECK_DRY=1 (a machine without GPU, the packages already installed):
# no install, no build, checks.py --device cpu --dry-run: the script's flow.
set -uo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$ROOT"
WHL=${1:-$ROOT/.whl}
PY=${PYTHON:-python3}
RESULTS=${OUT:-$ROOT/work_dirs/gpu_check}
WORK=${GPU_CHECK_WORK:-$ROOT/work_dirs/gpu_check}
BUDGET=${GPU_CHECK_BUDGET:-480}
BUILD_LIMIT=${MMCV_BUILD_LIMIT:-330}
BUILD_JOBS=${MMCV_BUILD_JOBS:-12}
SITE=/tmp/site
START=$(date +%s)
DEADLINE=$((START + BUDGET))
mkdir -p "$RESULTS" "$WORK"
exec > >(tee -a "$RESULTS/run_checks.log") 2>&1
say() { echo "[run_checks $(($(date +%s) - START))s] $*"; }

DRY=${GPU_CHECK_DRY:-0}
DEVICE_ARGS=(--device cuda)
[ "$DRY" = 1 ] && DEVICE_ARGS=(--device cpu --dry-run)
if [ "$DRY" != 1 ] && [ ! -d "$WHL" ]; then
    echo "error: no wheel folder $WHL; run bash tools/gpu_check/build_wheels.sh here first and carry it (carry=[\".whl\"])" >&2
    exit 2
fi
say "python $($PY -c 'import sys; print(sys.version.split()[0])'), $(nvidia-smi --query-gpu=name,driver_version --format=csv,noheader 2>/dev/null || echo 'no nvidia-smi')"

BUILD_RC=/tmp/mmcv_build.rc
rm -f "$BUILD_RC"
if [ "$DRY" = 1 ]; then
    say "dry run: no install, no mmcv build"
    echo "skipped 0" > "$BUILD_RC"; : > /tmp/mmcv_build.log
    export PYTHONPATH=$ROOT${PYTHONPATH:+:$PYTHONPATH}
else
# 1. wheels
rm -rf "$SITE" /tmp/mmcv_lite /tmp/mmcv_ops
PIP=("$PY" -m pip install -q --no-index --no-deps --no-compile --no-cache-dir --target)
"${PIP[@]}" "$SITE" "$WHL"/*.whl || { echo "error: installing $WHL/*.whl failed" >&2; exit 1; }
if ! "$PY" -c 'import pkg_resources' 2>/dev/null && ls "$WHL"/compat/setuptools-*.whl >/dev/null 2>&1; then
    say "no pkg_resources here (setuptools >= 81): installing the carried setuptools"
    "${PIP[@]}" "$SITE" "$WHL"/compat/setuptools-*.whl
fi
"${PIP[@]}" /tmp/mmcv_lite "$WHL"/mmcv/mmcv_lite-*.whl || say "installing mmcv without ops failed"
# the mmfg wheel alone, outside the checkout (install-mmfg-wheel)
export GPU_CHECK_SITE=$SITE:/tmp/mmcv_lite
say "installed $(ls "$WHL"/*.whl | wc -l) wheels"

# 2. mmcv with CUDA ops, in the background (MMCV_BUILD_LIMIT=0: no build)
if [ "$BUILD_LIMIT" -le 0 ]; then
    echo "not-built 0" > "$BUILD_RC"; : > /tmp/mmcv_build.log
else
(
    s=$(date +%s)
    PYTHONPATH=$SITE MMCV_WITH_OPS=1 FORCE_CUDA=1 TORCH_CUDA_ARCH_LIST=${TORCH_CUDA_ARCH_LIST:-9.0} \
        MAX_JOBS=$BUILD_JOBS timeout "$BUILD_LIMIT" \
        "$PY" -m pip install --no-build-isolation --no-deps --no-index --no-cache-dir \
        --target /tmp/mmcv_ops "$WHL"/mmcv/mmcv-2.1.0.tar.gz > /tmp/mmcv_build.log 2>&1
    rc=$?
    echo "$rc $(($(date +%s) - s))" > "$BUILD_RC"
) &
BUILD_PID=$!
say "building mmcv ops in the background (limit ${BUILD_LIMIT} s, MAX_JOBS=$BUILD_JOBS)"
fi

export PYTHONPATH=$ROOT:/tmp/mmcv_lite:$SITE
fi

# 3. checks on mmcv without ops
"$PY" tools/gpu_check/checks.py "${DEVICE_ARGS[@]}" ${GPU_CHECK_ARGS:-} --out "$RESULTS" --work "$WORK" \
    --deadline "$((DEADLINE - 40))" --groups install,fve,train,dist,bench
RC_A=$?

# 4. mmcv ops: wait for the build (never past the budget)
while [ ! -f "$BUILD_RC" ] && [ "$(date +%s)" -lt $((DEADLINE - 25)) ]; do sleep 2; done
if [ -f "$BUILD_RC" ]; then
    read -r rc secs < "$BUILD_RC"
else
    kill "$BUILD_PID" 2>/dev/null  # pip itself ends at its timeout
    rc=timeout; secs=$(($(date +%s) - START))
fi
tail -c 400000 /tmp/mmcv_build.log > "$RESULTS/mmcv_build.log" 2>/dev/null
if [ "$DRY" = 1 ]; then
    say "dry run: mmcv as installed"
elif [ "$rc" = 0 ] && PYTHONPATH=/tmp/mmcv_ops:$SITE "$PY" -c 'import mmcv.ops' 2>/dev/null; then
    say "mmcv ops built in ${secs} s"
    export PYTHONPATH=$ROOT:/tmp/mmcv_ops:$SITE
else
    say "mmcv ops NOT available (build rc $rc after ${secs} s; mmcv_build.log): checks needing mmcv.ops are skipped"
fi
"$PY" tools/gpu_check/checks.py "${DEVICE_ARGS[@]}" ${GPU_CHECK_ARGS:-} --out "$RESULTS" --work "$WORK" \
    --deadline "$DEADLINE" --groups ops --meta "mmcv_ops_build=rc $rc after $secs s"
RC_B=$?
say "done; results in $RESULTS (results.md, results.json)"
cat "$RESULTS/results.md"
[ "$RC_A" = 0 ] && [ "$RC_B" = 0 ]
