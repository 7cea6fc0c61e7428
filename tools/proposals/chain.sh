#!/usr/bin/env bash
# The proposals stage of one fine-grained dataset, from a trained classifier
# to the proposal files its part / patch configs read:
#
#   classifier ──► pseudo boxes ──► RPN (MMDetection) ──► proposal files
#                  CAM | CS-parts    on the CAM boxes       train + eval split
#
#   bash tools/proposals/chain.sh DATASET [STEP ...]
#
# DATASET: cub nabirds birdsnap stanford-dogs stanford-cars fgvc-aircraft
#          flowers102 inat2018
# STEP (default: all five, in this order; each can be run alone):
#   classifier  train CLS_CFG into $OUT/classifier (skipped when CLS_CKPT is
#               given or a checkpoint is there)
#   cam         CAM boxes (Grad-CAM of the predicted class) of both splits:
#               $OUT/cam_<split>_coco.json, the RPN's training signal (train
#               split) and its test set (eval split)
#   cs-parts    CS-parts (K = 4) of both splits, the SVM fitted once on the
#               train split: $OUT/cs-parts_<split>.json (FVE's parts)
#   detector    train DET_CFG on $OUT/cam_<train>_coco.json -> $OUT/rpn_cam
#   generate    the RPN's 10 best boxes (NMS 0.5) per image of both splits:
#               $OUT/rpn-cam_<split>.json (Focus-Longer's patches)
# (STEP paths alone prints the configs and files of the chain, runs nothing.)
# <split> is the dataset's train / eval split: train / test (the birds, Stanford
# Dogs and Cars), trainval / test (FGVC-Aircraft, Flowers-102), train / val
# (iNat2018). Boxes are in original-image pixels, keyed by the image paths
# relative to the dataset's data_root (proposal-file format v2).
#
# Environment (default):
#   OUT        where everything is written (work_dirs/proposals/DATASET)
#   CLS_CFG    the classifier (configs/fve/noparts_inception-v3_DATASET.py:
#              FVE's global InceptionV3 stream at 299 px, the CS-parts paper's
#              classifier)
#   CLS_CKPT   its checkpoint (the last one of $OUT/classifier)
#   LAYER      CAM target layer and CS-parts feature layer (backbone.Mixed_7c
#              for InceptionV3; otherwise the tools' default, the classifier's
#              last convolutional map)
#   DET_CFG    configs/proposals/rpn_r18_fpn_1xb8-4000it_DATASET-cam.py
#   CAM_BOXES  CAM boxes per image (1: the top box, the recipe of the
#              Cluttered Fashion-MNIST study)
#   NUM_BOXES  RPN proposals per image (10)
#   SVM_IMAGES images the CS-parts SVM is fitted on (5000)
#   NUM_IMAGES first N images of each split only (all); the proposal files
#              then hold empty entries for the rest (generate.py --pad-split)
#   BATCH      images per forward pass of the proposal tools (32)
#   CLS_OPTS, DET_OPTS  more --cfg-options for tools/train.py (classifier,
#              RPN), e.g. DET_OPTS="train_cfg.max_iters=500"
#   PYTHON     the interpreter (python)
# A missing input stops a step with one line naming the step that makes it.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
PY=${PYTHON:-python}

DATASETS="cub nabirds birdsnap stanford-dogs stanford-cars fgvc-aircraft flowers102 inat2018"
STEP_NAMES="classifier cam cs-parts detector generate"
fail() { # MESSAGE: one line on stderr, exit 1
    echo "error: $1" >&2
    exit 1
}
[ $# -ge 1 ] || fail "no dataset; usage: bash $0 DATASET [STEP ...] with \
DATASET one of: $DATASETS; STEP: $STEP_NAMES (default: all) or paths"
DATASET=$1
shift
case "$DATASET" in
cub | nabirds | birdsnap | stanford-dogs | stanford-cars)
    TRAIN=train EVAL=test ;;
fgvc-aircraft | flowers102)
    TRAIN=trainval EVAL=test ;;
inat2018)
    TRAIN=train EVAL=val ;;
*)
    fail "unknown dataset '$DATASET'; one of: $DATASETS" ;;
esac
STEPS=("$@")
[ ${#STEPS[@]} -gt 0 ] || read -r -a STEPS <<<"$STEP_NAMES"
for step in "${STEPS[@]}"; do
    case " $STEP_NAMES paths " in
    *" $step "*) ;;
    *) fail "unknown step '$step'; steps: $STEP_NAMES, or paths alone" ;;
    esac
done
if [ ${#STEPS[@]} -gt 1 ] && [[ " ${STEPS[*]} " == *" paths "* ]]; then
    fail "paths is a step of its own (it runs nothing)"
fi

OUT=${OUT:-work_dirs/proposals/$DATASET}
CLS_CFG=${CLS_CFG:-configs/fve/noparts_inception-v3_$DATASET.py}
DET_CFG=${DET_CFG:-configs/proposals/rpn_r18_fpn_1xb8-4000it_$DATASET-cam.py}
CAM_BOXES=${CAM_BOXES:-1}
NUM_BOXES=${NUM_BOXES:-10}
SVM_IMAGES=${SVM_IMAGES:-5000}
BATCH=${BATCH:-32}
LOGS=$OUT/logs

require() { # FILE STEP: stop with one line naming the step that makes FILE
    if [ ! -e "$1" ]; then
        echo "error: $1 is missing; make it with: bash $0 $DATASET $2" >&2
        exit 2
    fi
}
last_checkpoint() { # WORK_DIR: the checkpoint MMEngine saved last, or ''
    if [ -f "$1/last_checkpoint" ]; then cat "$1/last_checkpoint"; fi
}
run() { # CMD...: run it, echoed, its output also in $LOGS/$NAME.log
    local status
    echo "+ $*"
    set +e
    "$@" 2>&1 | tr '\r' '\n' | grep --line-buffered -v 'task/s' \
        | tee "$LOGS/$NAME.log"
    status=${PIPESTATUS[0]}
    set -e
    return "$status"
}
[ -f "$CLS_CFG" ] || fail "classifier config $CLS_CFG not found; set CLS_CFG"
[ -f "$DET_CFG" ] || fail "detector config $DET_CFG not found; set DET_CFG"
data_root() { # the classifier's (= every config's) data_root of DATASET
    $PY -c "import sys; from mmengine.config import Config; \
print(Config.fromfile(sys.argv[1]).test_dataloader.dataset.data_root)" \
        "$CLS_CFG"
}
if [ "${STEPS[*]}" = paths ]; then
    root=$(data_root)
    echo "classifier $CLS_CFG"
    echo "detector $DET_CFG"
    echo "images $root/"
    echo "splits $TRAIN $EVAL"
    for kind in cam_ cs-parts_; do
        echo "coco ${kind/_/} $OUT/$kind${TRAIN}_coco.json $OUT/$kind${EVAL}_coco.json"
    done
    for kind in cs-parts rpn-cam; do
        echo "proposals $kind $OUT/${kind}_$TRAIN.json $OUT/${kind}_$EVAL.json"
    done
    exit 0
fi
mkdir -p "$LOGS"
CLS_CKPT=${CLS_CKPT:-$(last_checkpoint "$OUT/classifier")}
NUM=()
PAD=()
if [ -n "${NUM_IMAGES:-}" ]; then
    NUM=(--num-images "$NUM_IMAGES")
    PAD=(--num-images "$NUM_IMAGES" --pad-split)
fi
guess_layer() { # LAYER unless set: backbone.Mixed_7c for InceptionV3
    if [ -z "${LAYER+x}" ]; then
        LAYER=$($PY -c "import sys; from mmengine.config import Config; \
b = Config.fromfile(sys.argv[1]).model.backbone.type; \
print('backbone.Mixed_7c' if 'InceptionV3' in b else '')" "$CLS_CFG")
    fi
}
pseudo() { # METHOD SPLIT NAME [ARGS]: tools/proposals/pseudo_boxes.py
    local method=$1 split=$2
    NAME=$3
    shift 3
    run $PY tools/proposals/pseudo_boxes.py "$CLS_CFG" "$CLS_CKPT" \
        --method "$method" --split "$split" --batch-size "$BATCH" \
        --out "$OUT/${NAME}_coco.json" "${NUM[@]}" \
        --metrics-out "$LOGS/${NAME}_metrics.json" "$@"
}

for step in "${STEPS[@]}"; do
    echo "[chain] $DATASET: $step"
    case "$step" in
    classifier)
        if [ -n "$CLS_CKPT" ] && [ -f "$CLS_CKPT" ]; then
            echo "[chain] classifier: $CLS_CKPT"
            continue
        fi
        NAME=classifier
        # shellcheck disable=SC2086
        run $PY tools/train.py "$CLS_CFG" --work-dir "$OUT/classifier" \
            ${CLS_OPTS:+--cfg-options $CLS_OPTS}
        CLS_CKPT=$(last_checkpoint "$OUT/classifier")
        ;;
    cam)
        require "${CLS_CKPT:-$OUT/classifier/last_checkpoint}" classifier
        guess_layer
        for split in "$TRAIN" "$EVAL"; do
            # shellcheck disable=SC2086
            pseudo cam "$split" "cam_$split" --num-boxes "$CAM_BOXES" \
                ${LAYER:+--target-layer $LAYER}
        done
        ;;
    cs-parts)
        require "${CLS_CKPT:-$OUT/classifier/last_checkpoint}" classifier
        guess_layer
        svm=$OUT/cs-parts_svm.npz
        # shellcheck disable=SC2086
        pseudo cs-parts "$TRAIN" "cs-parts_$TRAIN" \
            --proposal-out "$OUT/cs-parts_$TRAIN.json" --svm-split "$TRAIN" \
            --svm-images "$SVM_IMAGES" --save-svm "$svm" \
            ${LAYER:+--feature-layer $LAYER}
        # shellcheck disable=SC2086
        pseudo cs-parts "$EVAL" "cs-parts_$EVAL" \
            --proposal-out "$OUT/cs-parts_$EVAL.json" --load-svm "$svm" \
            ${LAYER:+--feature-layer $LAYER}
        ;;
    detector)
        for split in "$TRAIN" "$EVAL"; do
            require "$OUT/cam_${split}_coco.json" cam
        done
        # the dataset's own images (the COCO file names are its image keys)
        root=$(data_root)
        NAME=rpn_cam_train
        # shellcheck disable=SC2086
        run $PY tools/train.py "$DET_CFG" --work-dir "$OUT/rpn_cam" \
            --cfg-options \
            train_dataloader.dataset.ann_file="$OUT/cam_${TRAIN}_coco.json" \
            train_dataloader.dataset.data_prefix.img="$root/" \
            test_dataloader.dataset.ann_file="$OUT/cam_${EVAL}_coco.json" \
            test_dataloader.dataset.data_prefix.img="$root/" \
            test_evaluator.ann_file="$OUT/cam_${EVAL}_coco.json" \
            ${DET_OPTS:-}
        ;;
    generate)
        det_ckpt=$(last_checkpoint "$OUT/rpn_cam")
        require "${det_ckpt:-$OUT/rpn_cam/last_checkpoint}" detector
        for split in "$TRAIN" "$EVAL"; do
            NAME=rpn-cam_$split
            run $PY tools/proposals/generate.py "$DET_CFG" "$det_ckpt" \
                --dataset-config "$CLS_CFG" --split "$split" \
                --num-boxes "$NUM_BOXES" --batch-size "$BATCH" "${PAD[@]}" \
                --out "$OUT/rpn-cam_$split.json" \
                --metrics-out "$LOGS/rpn-cam_${split}_metrics.json"
        done
        ;;
    esac
done
echo "[chain] $DATASET: done ($OUT)"
