#!/usr/bin/env bash
# Cluttered Fashion-MNIST baselines (experiments/cluttered_fashion_mnist/README.md):
# the same bottom-up LeNetFC and 2-epoch schedule on
#   lenetfc_1xb128_fashion-mnist                     plain 28x28 Fashion-MNIST (reference)
#   lenetfc_1xb128_cluttered-fashion-mnist-oracle    canvas cropped to the ground-truth box, 28x28
#   lenetfc_1xb128_cluttered-fashion-mnist           whole 112x112 canvas (global only)
# for every seed in $SEEDS, then the Markdown table of the final test accuracies.
#
#   bash experiments/cluttered_fashion_mnist/run.sh
#   SEEDS="0" CONFIGS="lenetfc_1xb128_cluttered-fashion-mnist" bash experiments/cluttered_fashion_mnist/run.sh
#
# Environment: SEEDS ("0 1 2"), CONFIGS (the three above, cheapest first), WORK
# (work_dirs/cluttered_fashion_mnist), LOGS ($WORK/logs: each run's log is
# copied there as <config>_seed<N>.log), PYTHON.
# Finished runs (final test evaluation in scalars.json) are skipped; interrupted
# runs resume (--resume). The dataset's composition seed is fixed (seed=0 in the
# dataset config): randomness.seed changes the training only.
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/lib.sh
SEEDS=${SEEDS:-"0 1 2"}
CONFIGS=${CONFIGS:-"lenetfc_1xb128_fashion-mnist lenetfc_1xb128_cluttered-fashion-mnist-oracle lenetfc_1xb128_cluttered-fashion-mnist"}
WORK=${WORK:-work_dirs/cluttered_fashion_mnist}
LOGS=${LOGS:-$WORK/logs}
PY=${PYTHON:-python}
EPOCHS=2  # the configs' train_cfg.max_epochs

seed_sweep cluttered_fashion_mnist
