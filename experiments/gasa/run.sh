#!/usr/bin/env bash
# GASA with vs without gradient tokens on Fashion-MNIST (CPU): the 'tiny'
# hybrid with G = 4 gradient tokens and the same network without them, same
# data, schedule and seeds (configs/gasa/gasa_tiny_1xb64_fashion-mnist*.py:
# first 12,000 training images, one epoch, batch 64; full test set).
#   bash experiments/gasa/run.sh
#   python tools/analysis_tools/collect_results.py work_dirs/gasa_fashion-mnist
# Environment: SEEDS ("0 1 2"), WORK, TRAIN_IMAGES (12000: the first N
# training images), EPOCHS (1; the cosine schedule is stretched to it), ARMS
# (config names; add gasa_tiny_1xb64_fashion-mnist-depthwise-dir for the
# parameter-count control). CPU, 2 idle cores: ~35 s per run at 12,000
# images (0.1 s per iteration of 64), ~2.5 min at 60,000. Each run's log is
# copied to $WORK/logs/<config>_seed<N>.log (experiments/publish.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/lib.sh
SEEDS=${SEEDS:-"0 1 2"}
WORK=${WORK:-work_dirs/gasa_fashion-mnist}
TRAIN_IMAGES=${TRAIN_IMAGES:-12000}
EPOCHS=${EPOCHS:-1}
ARMS=${ARMS:-"gasa_tiny_1xb64_fashion-mnist gasa_tiny_1xb64_fashion-mnist-no-grad-tokens"}
for seed in $SEEDS; do
    for arm in $ARMS; do
        python tools/train.py "configs/gasa/${arm}.py" \
            --work-dir "$WORK/${arm}_seed${seed}" \
            --cfg-options randomness.seed="$seed" \
            train_dataloader.dataset.indices="$TRAIN_IMAGES" \
            train_cfg.max_epochs="$EPOCHS" param_scheduler.1.end="$EPOCHS"
        copy_log "$WORK/${arm}_seed${seed}" "$WORK/logs/${arm}_seed${seed}.log"
    done
done
