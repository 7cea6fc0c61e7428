#!/usr/bin/env bash
# Short version of fashion_mnist_experiment.sh that fits a 2-core machine in ~35 min:
# the 4 LeNetFC arrangements x seeds 0 1 2 for 2 epochs (lr x0.1 after 1) instead of 4,
# then attacks (FGM, DeepFool, 200 test images) and Grad-CAM (2,000 images) on seed 0.
set -euo pipefail
cd "$(dirname "$0")/../.."
PY=${PYTHON:-python}
W=${WORK:-work_dirs/topdown_fashion-mnist-2e}
for seed in ${SEEDS:-0 1 2}; do
    for m in bu td td-uni td-rev; do
        d="$W/${m}_lenetfc_fashion-mnist_seed${seed}"
        [ -f "$d/epoch_2.pth" ] && { echo "[skip] $d"; continue; }
        $PY tools/train.py "configs/topdown/${m}_lenetfc_fashion-mnist.py" --work-dir "$d" \
            --cfg-options randomness.seed="$seed" train_cfg.max_epochs=2 "param_scheduler.milestones=[1]"
    done
done
$PY tools/analysis_tools/collect_results.py "$W"
BU=(configs/topdown/bu_lenetfc_fashion-mnist.py "$W/bu_lenetfc_fashion-mnist_seed0/epoch_2.pth")
TD=(configs/topdown/td_lenetfc_fashion-mnist.py "$W/td_lenetfc_fashion-mnist_seed0/epoch_2.pth")
$PY tools/topdown/attack.py "${BU[@]}" --compare "${TD[@]}" --attacks fgm deepfool \
    --num-samples 200 --out-dir "$W/attack_seed0"
$PY tools/topdown/localization.py "${BU[@]}" --compare "${TD[@]}" --threshold 0.2 \
    --num-samples 2000 --out-dir "$W/localization_seed0"
