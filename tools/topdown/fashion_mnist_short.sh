#!/usr/bin/env bash
# Short version of fashion_mnist_experiment.sh that fits a 2-core machine in ~35 min:
# the 4 LeNetFC arrangements x seeds 0 1 2 for 2 epochs (lr x0.1 after 1) instead of 4,
# then attacks (FGM, DeepFool, 200 test images; FGM on one TD input scale at a time) on
# seed 0 and Grad-CAM (2,000 test images) on every seed. Same variables as that script.
set -euo pipefail
cd "$(dirname "$0")/../.."
EPOCHS=2 WORK=${WORK:-work_dirs/topdown_fashion-mnist-2e} \
    ATTACKS=${ATTACKS:-"fgm deepfool"} ATTACK_SAMPLES=${ATTACK_SAMPLES:-200} \
    SCALE_ATTACKS=${SCALE_ATTACKS:-fgm} LOC_SAMPLES=${LOC_SAMPLES:-2000} \
    exec bash tools/topdown/fashion_mnist_experiment.sh
