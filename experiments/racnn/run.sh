#!/usr/bin/env bash
# RACNN on low-resolution Fashion-MNIST (8x8 up-sampled to 32x32) in the
# paper's Table II protocol (classifier frozen but the last fc): the plain
# LeNet-5, g-RACNN (SR std 0.001), g-RACNN with He-initialised sconv1/2 and
# p-RACNN (SR pre-trained), each followed by the SR ablations of
# tools/racnn/sr_ablation.py (SR residual replaced by its mean / removed).
#   bash tools/racnn/fashion_mnist_experiment.sh
# Environment: SEEDS ("0 1 2"), WORK, TRAIN_IMAGES (20000: the first N
# training images), EPOCHS (1). CPU, 2 cores: ~1-2 min per RACNN run.
set -euo pipefail
cd "$(dirname "$0")/../.."
SEEDS=${SEEDS:-"0 1 2"}
WORK=${WORK:-work_dirs/racnn_fashion-mnist}
TRAIN_IMAGES=${TRAIN_IMAGES:-20000}
EPOCHS=${EPOCHS:-1}
ARMS=${ARMS:-"baseline_lenet5_fashion-mnist-lr8-frozen racnn_lenet5_fashion-mnist-lr8-frozen racnn_lenet5_fashion-mnist-lr8-frozen-he racnn_lenet5_fashion-mnist-lr8-frozen-psr"}
HR=checkpoints/lenet5_fashion-mnist-hr.pth
SR=checkpoints/racnn_sr_grey_lr8.pth
if [ ! -f "$HR" ]; then
    python tools/train.py configs/baselines/lenet5_fashion-mnist.py --work-dir "$WORK/hr"
    mkdir -p checkpoints
    python tools/misc/publish_model.py "$WORK/hr/epoch_5.pth" "$HR"
fi
if [ ! -f "$SR" ]; then
    python tools/train.py configs/racnn/srcnn-pretrain_grey-lr8_fashion-mnist.py \
        --work-dir "$WORK/srcnn" --cfg-options train_cfg.max_epochs=2
    python tools/misc/publish_model.py "$WORK/srcnn/epoch_2.pth" "$SR"
fi
for seed in $SEEDS; do
    for arm in $ARMS; do
        dir="$WORK/${arm}_seed${seed}"
        if [ ! -f "$dir/epoch_${EPOCHS}.pth" ]; then
            python tools/train.py "configs/racnn/${arm}.py" --work-dir "$dir" \
                --cfg-options randomness.seed="$seed" \
                train_dataloader.dataset.indices="$TRAIN_IMAGES" \
                train_cfg.max_epochs="$EPOCHS"
        fi
        python tools/racnn/sr_ablation.py "configs/racnn/${arm}.py" \
            "$dir/epoch_${EPOCHS}.pth" --out "$dir/sr_ablation.json"
    done
done
