#!/usr/bin/env bash
# RACNN vs the plain LeNet-5 on low-resolution Fashion-MNIST (8x8 up-sampled to
# 32x32), both fine-tuned from the LeNet-5 trained at full resolution, same
# schedule and seeds; CPU, a few minutes per run.
#   bash tools/racnn/fashion_mnist_experiment.sh        (SEEDS="0 1 2" by default)
set -euo pipefail
cd "$(dirname "$0")/../.."
SEEDS=${SEEDS:-"0 1 2"}
WORK=${WORK:-work_dirs/racnn_fashion-mnist}
HR=checkpoints/lenet5_fashion-mnist-hr.pth
if [ ! -f "$HR" ]; then
    python tools/train.py configs/baselines/lenet5_fashion-mnist.py --work-dir "$WORK/hr"
    mkdir -p checkpoints
    python tools/misc/publish_model.py "$WORK/hr/epoch_5.pth" "$HR"
fi
for seed in $SEEDS; do
    for method in baseline racnn; do
        python tools/train.py "configs/racnn/${method}_lenet5_fashion-mnist-lr8.py" \
            --work-dir "$WORK/${method}_lenet5_fashion-mnist-lr8_seed${seed}" \
            --cfg-options randomness.seed="$seed"
    done
done
python tools/analysis_tools/collect_results.py "$WORK"
