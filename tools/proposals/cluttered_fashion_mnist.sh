#!/usr/bin/env bash
# The proposals stage end to end on Cluttered Fashion-MNIST (CPU), the
# commands behind configs/proposals/README.md. Each step can be run alone:
#   bash tools/proposals/cluttered_fashion_mnist.sh STEP
# STEP: cs-parts | cam | centre | detector | generate | focus-longer | bench
# Heavy steps take the shared lock (flock /tmp/mmfg-heavy.lock) one by one.
set -euo pipefail
cd "$(dirname "$0")/../.."
CLS_CFG=configs/focus_longer/global_lenetfc_1xb128_cluttered-fashion-mnist-56.py
CLS_CKPT=${CLS_CKPT:-work_dirs/focus_longer/global_lenetfc_1xb128_cluttered-fashion-mnist-56_seed0/epoch_2.pth}
OUT=${OUT:-work_dirs/proposals}
LOGS=configs/proposals/logs
LOCK="flock /tmp/mmfg-heavy.lock"
mkdir -p "$OUT" "$LOGS"
quiet() { tr '\r' '\n' | grep -v 'task/s' || true; }

pseudo() {  # METHOD SPLIT NAME [extra args]
    local method=$1 split=$2 name=$3; shift 3
    $LOCK python tools/proposals/pseudo_boxes.py "$CLS_CFG" "$CLS_CKPT" \
        --method "$method" --split "$split" --out "$OUT/${name}_coco.json" \
        --proposal-out "$OUT/${name}.json" \
        --metrics-out "$LOGS/${name}_metrics.json" "$@" 2>&1 | quiet \
        | tee "$LOGS/${name}.log"
}

case "${1:-}" in
cs-parts)  # K = 4 parts of every train and test image (the FVE helper's)
    CS="--feature-layer backbone.stages.2.units --sigma 3 --svm-images 5000"
    pseudo cs-parts test cs_parts_test $CS
    pseudo cs-parts train cs_parts_train $CS
    ;;
cam)  # CAM boxes: top box of 10k train canvases (+ PNGs) for the detector,
      # N = 5 on the test set for the CorLoc table
    pseudo cam train cam_train10k --num-images 10000 --num-boxes 1 \
        --save-images "$OUT/images"
    pseudo cam test cam_test --num-boxes 5
    ;;
centre)  # the centre-box baseline, and the true test boxes (evaluation)
    pseudo centre test centre_test
    $LOCK python tools/proposals/pseudo_boxes.py "$CLS_CFG" "$CLS_CKPT" \
        --method gt --split test --num-images 2000 \
        --out "$OUT/gt_test2k_coco.json" --save-images "$OUT/images" \
        2>&1 | quiet
    # the CAM top box of the same 2k test canvases (recall vs pseudo boxes)
    $LOCK python tools/proposals/pseudo_boxes.py "$CLS_CFG" "$CLS_CKPT" \
        --method cam --split test --num-images 2000 --num-boxes 1 \
        --out "$OUT/cam_test2k_coco.json" 2>&1 | quiet
    ;;
esac
