#!/usr/bin/env bash
# The ONNX parity table (experiments/deploy/README.md), CPU: every method's
# tiny config exported with a dynamic batch (tools/deployment/pytorch2onnx.py's
# library), onnxruntime vs the PyTorch model's test_step on scikit-image's
# photos + the first $N test images, and the onnxruntime / PyTorch latency
# ratio measured interleaved (one thread each).
#   bash experiments/deploy/run.sh
# Random-init weights (seed 0) unless $CKPTS holds <config stem>.pth.
# Writes under $WORK (work_dirs/deploy): logs/, results/; publish with
#   bash experiments/publish.sh deploy work_dirs/deploy
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/lib.sh
PY=${PYTHON:-python}
WORK=${WORK:-work_dirs/deploy}
N=${N:-500}
REPEATS=${REPEATS:-30}
CKPTS=${CKPTS:-}
LOCK=${LOCK-/tmp/mmfg-cpu.lock}
mkdir -p "$WORK/logs" "$WORK/results"
locked=()
if [ -n "$LOCK" ]; then locked=(flock "$LOCK"); fi
OMP_NUM_THREADS=1 "${locked[@]}" $PY -m experiments.deploy.parity_table \
    --out "$WORK/results/parity.json" --num-dataset "$N" \
    --repeats "$REPEATS" ${CKPTS:+--checkpoint-dir "$CKPTS"} \
    2>&1 | grep -v -i 'warn' | tee "$WORK/logs/parity.log"
