#!/usr/bin/env bash
# Focus-Longer on Cluttered Fashion-MNIST (experiments/focus_longer/README.md), CPU:
#   global_lenetfc_1xb128_cluttered-fashion-mnist-56                 global stream alone (56x56 canvas)
#   focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox        two-stream, ground-truth-box patch, attention
#   focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox-sum    the same with summation instead of attention
# for every seed in $SEEDS (outer loop, so that an interrupted sweep has whole
# seeds), then the table of the final test accuracies.
#
#   bash experiments/focus_longer/run.sh
#   SEEDS="0" CONFIGS="focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox" bash experiments/focus_longer/run.sh
#
# Environment: SEEDS ("0 1 2"), CONFIGS (the three above), WORK
# (work_dirs/focus_longer), LOGS ($WORK/logs: each run's log is
# copied there as <config>_seed<N>.log), PYTHON, LOCK (a file: every run holds
# it with flock, so heavy jobs on a shared machine run one at a time; empty =
# no lock). Finished runs are skipped; interrupted runs resume (--resume).
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/lib.sh
SEEDS=${SEEDS:-"0 1 2"}
CONFIGS=${CONFIGS:-"global_lenetfc_1xb128_cluttered-fashion-mnist-56 focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox-sum"}
WORK=${WORK:-work_dirs/focus_longer}
LOGS=${LOGS:-$WORK/logs}
PY=${PYTHON:-python}
LOCK=${LOCK-/tmp/mmfg-heavy.lock}
EPOCHS=2  # the configs' train_cfg.max_epochs

seed_sweep focus_longer
