#!/usr/bin/env bash
# Every method on a new image (experiments/inference/README.md), CPU: the
# trained Focus-Longer of the proposals study (weakly supervised patches)
# run on images no dataset holds, through the chain image -> proposals
# (the RPN, or CAM boxes of the global classifier) -> crops -> classifier.
#   bash experiments/inference/run.sh [STEP]
# STEP: images | demo | folder | compare | speed | all (default)
# Needs the proposals study's models (bash experiments/proposals/run.sh
# cam centre detector generate; the Focus-Longer 'proposals' run).
# Writes under $WORK (work_dirs/inference): logs/, results/.
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/lib.sh
PY=${PYTHON:-python}
WORK=${WORK:-work_dirs/inference}
LOGS=$WORK/logs
RES=$WORK/results
PROP=${PROP:-work_dirs/proposals}
FL_CFG=configs/focus_longer/focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-proposals.py
FL_CKPT=${FL_CKPT:-$PROP/fl_proposals_seed0/epoch_2.pth}
CLS_CFG=configs/focus_longer/global_lenetfc_1xb128_cluttered-fashion-mnist-56.py
CLS_CKPT=${CLS_CKPT:-work_dirs/focus_longer/global_lenetfc_1xb128_cluttered-fashion-mnist-56_seed0/epoch_2.pth}
DET_CFG=configs/proposals/rpn_r18-tiny_fpn_1xb16-300it_cluttered-fashion-mnist-cam.py
DET_CKPT=${DET_CKPT:-$PROP/rpn_cam/iter_300.pth}
IMGS=$WORK/images
N=${N:-1000}
LOCK="flock /tmp/mmfg-heavy.lock"
mkdir -p "$LOGS" "$RES"
need_models() {
    require "$FL_CKPT" "bash experiments/proposals/run.sh focus-longer"
    require "$CLS_CKPT" "SEEDS=0 CONFIGS=global_lenetfc_1xb128_cluttered-fashion-mnist-56 bash experiments/focus_longer/run.sh"
    require "$DET_CKPT" "bash experiments/proposals/run.sh detector"
}
quiet() { tr '\r' '\n' | grep -v 'task/s\|Inference' || true; }

step=${1:-all}
if [ "$step" = images ] || [ "$step" = all ]; then
    $PY -m experiments.inference.make_images "$IMGS/canvases" --canvases "$N"
    $PY -m experiments.inference.make_images "$IMGS/photos" --canvases 0 --photos
fi
if [ "$step" = demo ] || [ "$step" = all ]; then
    need_models
    require "$IMGS/photos" "bash experiments/inference/run.sh images"
    for src in "detector $DET_CFG $DET_CKPT" "cam $CLS_CFG $CLS_CKPT"; do
        set -- $src
        for img in "$IMGS/canvases/canvas_00000_9.png" "$IMGS/photos/photo_astronaut.jpg"; do
            name=$(basename "${img%.*}")_$1
            $PY demo/image_demo.py "$img" "$FL_CFG" "$FL_CKPT" --patches "$@" \
                --out-file "$RES/demo_$name.png" 2>&1 | tee "$LOGS/demo_$name.log"
        done
    done
fi
if [ "$step" = folder ] || [ "$step" = all ]; then
    need_models
    require "$IMGS/photos" "bash experiments/inference/run.sh images"
    $LOCK $PY tools/inference.py "$FL_CFG" "$FL_CKPT" "$IMGS/canvases" \
        --patches detector "$DET_CFG" "$DET_CKPT" --topk 10 --batch-size 128 \
        --out "$RES/canvases_detector.json" 2>&1 | quiet | tee "$LOGS/folder_canvases.log"
    $PY tools/inference.py "$FL_CFG" "$FL_CKPT" "$IMGS/photos" \
        --patches detector "$DET_CFG" "$DET_CKPT" --topk 3 \
        --out "$RES/photos_detector.csv" --cam-dir "$RES/photos_cam" \
        2>&1 | quiet | tee "$LOGS/folder_photos.log"
fi
if [ "$step" = compare ] || [ "$step" = all ]; then
    need_models
    require "$RES/canvases_detector.json" "bash experiments/inference/run.sh folder"
    require "$PROP/rpn_cam_test.json" "bash experiments/proposals/run.sh generate"
    $LOCK $PY -m experiments.inference.compare "$FL_CFG" "$FL_CKPT" \
        "$RES/canvases_detector.json" "$IMGS/canvases/labels.json" \
        --json "$RES/compare_dataset_path.json" 2>&1 | tee "$LOGS/compare.log"
fi
if [ "$step" = speed ] || [ "$step" = all ]; then
    need_models
    require "$IMGS/canvases" "bash experiments/inference/run.sh images"
    for src in "detector $DET_CFG $DET_CKPT" "cam $CLS_CFG $CLS_CKPT"; do
        set -- $src
        $LOCK $PY tools/analysis_tools/inference_speed.py "$FL_CFG" "$FL_CKPT" \
            "$IMGS/canvases" --max-images 512 --batch-size 64 --repeats 3 \
            --patches "$@" --baseline "$CLS_CFG" "$CLS_CKPT" \
            --json "$RES/speed_$1.json" 2>&1 | tee "$LOGS/speed_$1.log"
    done
fi
