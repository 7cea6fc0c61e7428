#!/usr/bin/env bash
# FVE on Cluttered Fashion-MNIST (experiments/fve/README.md), CPU, ground-truth
# parts:
#   noparts_lenetfc_1xb128_cluttered-fashion-mnist           global stream alone
#   gap_lenetfc_1xb128_cluttered-fashion-mnist-gtparts       global + GAP part stream (shuffled parts, zero-filled)
#   fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts       global + FVE part stream (shuffled parts, zero-filled)
# for every seed in $SEEDS (outer loop, so that an interrupted sweep has whole
# seeds), then the table of the final test accuracies.
#
#   bash experiments/fve/run.sh
#   SEEDS="0" CONFIGS="fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-visible" bash experiments/fve/run.sh
#
# Environment: SEEDS ("0 1 2"), CONFIGS (the three above), WORK
# (work_dirs/fve), LOGS ($WORK/logs: each run's log is copied there as
# <config>_seed<N>.log), PYTHON, LOCK (a file: every run holds it with flock,
# so heavy jobs on a shared machine run one at a time; empty = no lock).
# Finished runs are skipped; interrupted runs resume (--resume).
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/lib.sh
SEEDS=${SEEDS:-"0 1 2"}
CONFIGS=${CONFIGS:-"noparts_lenetfc_1xb128_cluttered-fashion-mnist gap_lenetfc_1xb128_cluttered-fashion-mnist-gtparts fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts"}
WORK=${WORK:-work_dirs/fve}
LOGS=${LOGS:-$WORK/logs}
PY=${PYTHON:-python}
LOCK=${LOCK-/tmp/mmfg-heavy.lock}
EPOCHS=2  # the configs' train_cfg.max_epochs

seed_sweep fve
