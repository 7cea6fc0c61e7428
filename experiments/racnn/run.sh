#!/usr/bin/env bash
# RACNN on low-resolution Fashion-MNIST (8x8 up-sampled to 32x32) in the
# paper's Table II protocol (classifier frozen but the last fc): the plain
# LeNet-5, g-RACNN (SR std 0.001), g-RACNN with He-initialised sconv1/2 and
# p-RACNN (SR pre-trained), each followed by the SR ablations of
# experiments/racnn/sr_ablation.py (SR residual replaced by its mean / removed).
#   bash experiments/racnn/run.sh hr       # prerequisite: the full-resolution LeNet-5
#   bash experiments/racnn/run.sh srcnn    # prerequisite: the p-RACNN SR pre-training
#   bash experiments/racnn/run.sh          # the arms x seeds, then the ablations
# The prerequisites are written to checkpoints/ (not tracked); logs and the
# ablation JSON of every run to $WORK/logs and $WORK/results
# (experiments/publish.sh racnn $WORK table2-frozen publishes them).
# Environment: SEEDS ("0 1 2"), WORK, TRAIN_IMAGES (20000: the first N
# training images), EPOCHS (1), ARMS. CPU, 2 cores: ~1-2 min per RACNN run.
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/lib.sh
SEEDS=${SEEDS:-"0 1 2"}
WORK=${WORK:-work_dirs/racnn_fashion-mnist}
TRAIN_IMAGES=${TRAIN_IMAGES:-20000}
EPOCHS=${EPOCHS:-1}
ARMS=${ARMS:-"baseline_lenet5_fashion-mnist-lr8-frozen racnn_lenet5_fashion-mnist-lr8-frozen racnn_lenet5_fashion-mnist-lr8-frozen-he racnn_lenet5_fashion-mnist-lr8-frozen-psr"}
HR=${HR:-checkpoints/lenet5_fashion-mnist-hr.pth}
SR=${SR:-checkpoints/racnn_sr_grey_lr8.pth}

case "${1:-arms}" in
hr)
    python tools/train.py configs/baselines/lenet5_fashion-mnist.py --work-dir "$WORK/hr"
    mkdir -p "$(dirname "$HR")"
    python tools/misc/publish_model.py "$WORK/hr/epoch_5.pth" "$HR"
    copy_log "$WORK/hr" "$WORK/logs/lenet5_fashion-mnist-hr.log"
    ;;
srcnn)
    python tools/train.py configs/racnn/srcnn-pretrain_grey-lr8_fashion-mnist.py \
        --work-dir "$WORK/srcnn" --cfg-options train_cfg.max_epochs=2
    mkdir -p "$(dirname "$SR")"
    python tools/misc/publish_model.py "$WORK/srcnn/epoch_2.pth" "$SR"
    copy_log "$WORK/srcnn" "$WORK/logs/srcnn-pretrain_grey-lr8_fashion-mnist.log"
    ;;
arms)
    require "$HR" "bash experiments/racnn/run.sh hr"
    case " $ARMS " in
    *-psr*) require "$SR" "bash experiments/racnn/run.sh srcnn" ;;
    esac
    mkdir -p "$WORK/results"
    for seed in $SEEDS; do
        for arm in $ARMS; do
            dir="$WORK/${arm}_seed${seed}"
            if [ ! -f "$dir/epoch_${EPOCHS}.pth" ]; then
                python tools/train.py "configs/racnn/${arm}.py" --work-dir "$dir" \
                    --cfg-options randomness.seed="$seed" \
                    train_dataloader.dataset.indices="$TRAIN_IMAGES" \
                    train_cfg.max_epochs="$EPOCHS"
            fi
            copy_log "$dir" "$WORK/logs/${arm}_seed${seed}.log"
            python -m experiments.racnn.sr_ablation "configs/racnn/${arm}.py" \
                "$dir/epoch_${EPOCHS}.pth" \
                --out "$WORK/results/${arm}_seed${seed}_sr_ablation.json"
        done
    done
    ;;
*)
    echo "usage: $0 [hr|srcnn|arms]" >&2
    exit 1
    ;;
esac
