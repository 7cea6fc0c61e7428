#!/usr/bin/env bash
# Distributed testing on one node: bash tools/dist_test.sh CONFIG CHECKPOINT GPUS [test.py args]
# PYTHON selects the interpreter (default: python on PATH). With GPUs it uses NCCL; on a CPU-only machine GPUS processes test with gloo.
# torchrun runs through mmfg/engine/launch.py: a process that dies stops the job with a one-line error.
set -e
CONFIG=$1
CHECKPOINT=$2
GPUS=$3
NNODES=${NNODES:-1}
NODE_RANK=${NODE_RANK:-0}
PORT=${PORT:-29500}
MASTER_ADDR=${MASTER_ADDR:-"127.0.0.1"}
if [ -z "$CONFIG" ] || [ -z "$CHECKPOINT" ] || [ -z "$GPUS" ]; then
    echo "usage: bash tools/dist_test.sh CONFIG CHECKPOINT NUM_PROCESSES [test.py options]" >&2
    exit 2
fi
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PYTHONPATH="$ROOT:$PYTHONPATH" \
"${PYTHON:-python}" "$ROOT/mmfg/engine/launch.py" \
    --nnodes=$NNODES \
    --node_rank=$NODE_RANK \
    --master_addr=$MASTER_ADDR \
    --nproc_per_node=$GPUS \
    --master_port=$PORT \
    "$ROOT/tools/test.py" \
    $CONFIG $CHECKPOINT \
    --launcher pytorch "${@:4}"
