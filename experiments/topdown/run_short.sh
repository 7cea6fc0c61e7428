#!/usr/bin/env bash
# Reduced version of run.sh for a shared 2-core machine
# (29 min with TRAIN_IMAGES=20000 while a test run shared the cores,
# experiments/topdown/README.md): BU vs TD LeNetFC x seeds 0 1 2 for 2 epochs (lr x0.1 after 1)
# instead of the four arrangements for 4; the reference's attacks without the
# slow pointwise / blended-noise ones (additive Gaussian and uniform noise,
# blur, contrast, salt-and-pepper, spatial, shift; 3 repeats) on 200 test
# images of seed 0, blur on one TD input scale at a time, Grad-CAM (2,000 test
# images, the reference's mean-subtracted CAM) on every seed. Same variables
# as that script.
set -euo pipefail
cd "$(dirname "$0")/../.."
EPOCHS=2 MODES=${MODES:-"bu td"} WORK=${WORK:-work_dirs/topdown_fashion-mnist-2e} \
    ATTACKS=${ATTACKS:-"gaussian uniform blur contrast salt-and-pepper spatial shift"} \
    ATTACK_SAMPLES=${ATTACK_SAMPLES:-200} SCALE_ATTACKS=${SCALE_ATTACKS:-blur} \
    SCALE_SAMPLES=${SCALE_SAMPLES:-200} LOC_SAMPLES=${LOC_SAMPLES:-2000} \
    exec bash experiments/topdown/run.sh
