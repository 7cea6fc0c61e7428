#!/usr/bin/env bash
# The proposals stage end to end on Cluttered Fashion-MNIST (CPU), the
# commands behind experiments/proposals/README.md. Each step can be run alone:
#   bash experiments/proposals/run.sh STEP
# STEP: cs-parts | cam | cam-train | centre | detector | generate | focus-longer |
#       focus-longer-12e | focus-longer-1500it | bench | detector-long |
#       generate-1500it
# Heavy steps take the shared lock (flock /tmp/mmfg-heavy.lock) one by one.
# Everything is written under $OUT (work_dirs/proposals; logs and metrics in
# $OUT/logs, published by experiments/publish.sh proposals $OUT); a missing
# input (classifier checkpoint, pseudo boxes, detector) stops the step with
# one line naming the command that makes it.
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/lib.sh
CLS_CFG=configs/focus_longer/global_lenetfc_1xb128_cluttered-fashion-mnist-56.py
CLS_CKPT=${CLS_CKPT:-work_dirs/focus_longer/global_lenetfc_1xb128_cluttered-fashion-mnist-56_seed0/epoch_2.pth}
OUT=${OUT:-work_dirs/proposals}
LOGS=$OUT/logs
DET_CFG=configs/proposals/rpn_r18-tiny_fpn_1xb16-300it_cluttered-fashion-mnist-cam.py
LOCK="flock /tmp/mmfg-heavy.lock"
mkdir -p "$OUT" "$LOGS"
quiet() { tr '\r' '\n' | grep -v 'task/s' || true; }
need_classifier() {
    require "$CLS_CKPT" "SEEDS=0 CONFIGS=global_lenetfc_1xb128_cluttered-fashion-mnist-56 bash experiments/focus_longer/run.sh"
}
need_pseudo_boxes() {
    require "$OUT/cam_train10k_coco.json" "bash experiments/proposals/run.sh cam"
    require "$OUT/gt_test2k_coco.json" "bash experiments/proposals/run.sh centre"
}

pseudo() {  # METHOD SPLIT NAME [extra args]
    local method=$1 split=$2 name=$3; shift 3
    need_classifier
    $LOCK python tools/proposals/pseudo_boxes.py "$CLS_CFG" "$CLS_CKPT" \
        --method "$method" --split "$split" --out "$OUT/${name}_coco.json" \
        --proposal-out "$OUT/${name}.json" \
        --metrics-out "$LOGS/${name}_metrics.json" "$@" 2>&1 | quiet \
        | tee "$LOGS/${name}.log"
}

case "${1:-}" in
cs-parts)  # K = 4 parts of every train and test image (the FVE helper's);
    # the tight boxes of the published numbers (the refinement of the public
    # code is compared in experiments/proposals/cs_parts_repro.sh)
    CS="--feature-layer backbone.stages.2.units --sigma 3 --svm-images 5000 --box-mode tight"
    pseudo cs-parts test cs_parts_test $CS
    pseudo cs-parts train cs_parts_train $CS
    ;;
cam)  # CAM boxes: top box of 10k train canvases (+ PNGs) for the detector,
      # N = 5 on the test set for the CorLoc table
    pseudo cam train cam_train10k --num-images 10000 --num-boxes 1 \
        --save-images "$OUT/images"
    pseudo cam test cam_test --num-boxes 5
    ;;
cam-train)  # CAM boxes (N = 5, as cam_test.json) of all 60,000 training
    # canvases: the patches of the leaderboard's Focus-Longer CAM row
    if [ -f "$OUT/cam_train.json" ]; then
        echo "[skip] $OUT/cam_train.json exists"
        exit 0
    fi
    pseudo cam train cam_train --num-boxes 5
    ;;
centre)  # the centre-box baseline, and the true test boxes (evaluation)
    pseudo centre test centre_test
    need_classifier
    $LOCK python tools/proposals/pseudo_boxes.py "$CLS_CFG" "$CLS_CKPT" \
        --method gt --split test --num-images 2000 \
        --out "$OUT/gt_test2k_coco.json" --save-images "$OUT/images" \
        2>&1 | quiet
    # the CAM top box of the same 2k test canvases (recall vs pseudo boxes)
    $LOCK python tools/proposals/pseudo_boxes.py "$CLS_CFG" "$CLS_CKPT" \
        --method cam --split test --num-images 2000 --num-boxes 1 \
        --out "$OUT/cam_test2k_coco.json" 2>&1 | quiet
    ;;
detector)  # the RPN on the CAM pseudo boxes; recall vs true / pseudo boxes
    W=$OUT/rpn_cam
    need_pseudo_boxes
    require "$OUT/cam_test2k_coco.json" "bash experiments/proposals/run.sh centre"
    (   # one lock for training + the two evaluations (~6 min)
        flock 9
        python tools/train.py "$DET_CFG" --work-dir "$W" 2>&1 | quiet \
            | tail -30
        python tools/test.py "$DET_CFG" "$W/iter_300.pth" \
            --work-dir "$W/test_true" 2>&1 | quiet \
            | tee "$LOGS/rpn_cam_test_true.log"
        python tools/test.py "$DET_CFG" "$W/iter_300.pth" \
            --work-dir "$W/test_pseudo" --cfg-options \
            test_dataloader.dataset.ann_file=cam_test2k_coco.json \
            test_evaluator.ann_file="$OUT/cam_test2k_coco.json" 2>&1 \
            | quiet | tee "$LOGS/rpn_cam_test_pseudo.log"
    ) 9>/tmp/mmfg-heavy.lock
    cp "$(ls -t "$W"/2*/2*.log | tail -1)" "$LOGS/rpn_cam_train.log"
    ;;
generate)  # detector proposals: all test canvases, first 10k train canvases
    CKPT=$OUT/rpn_cam/iter_300.pth
    require "$CKPT" "bash experiments/proposals/run.sh detector"
    (
        flock 9
        python tools/proposals/generate.py "$DET_CFG" "$CKPT" \
            --dataset-config "$CLS_CFG" --split test --num-boxes 10 \
            --out "$OUT/rpn_cam_test.json" \
            --metrics-out "$LOGS/rpn_cam_test_metrics.json" 2>&1 | quiet \
            | tee "$LOGS/rpn_cam_test.log"
        python tools/proposals/generate.py "$DET_CFG" "$CKPT" \
            --dataset-config "$CLS_CFG" --split train --num-boxes 10 \
            --num-images 10000 --pad-split \
            --out "$OUT/rpn_cam_train10k.json" \
            --metrics-out "$LOGS/rpn_cam_train10k_metrics.json" 2>&1 \
            | quiet | tee "$LOGS/rpn_cam_train10k.log"
    ) 9>/tmp/mmfg-heavy.lock
    ;;
focus-longer)  # 2 epochs on the first 10k training canvases, seed 0:
    # weakly supervised patches vs ground-truth-box patches vs global only
    # (same data; one lock, ~6 min)
    require "$OUT/rpn_cam_train10k.json" "bash experiments/proposals/run.sh generate"
    FL=configs/focus_longer/focus-longer_lenetfc_1xb128_cluttered-fashion-mnist
    GL=configs/focus_longer/global_lenetfc_1xb128_cluttered-fashion-mnist-56.py
    (
        flock 9
        for run in "proposals $FL-proposals.py" \
            "gtbox10k $FL-gtbox.py train_dataloader.dataset.indices=10000" \
            "global10k $GL train_dataloader.dataset.indices=10000"; do
            set -- $run
            name=$1 cfg=$2
            shift 2
            W=$OUT/fl_${name}_seed0
            python tools/train.py "$cfg" --work-dir "$W" \
                --cfg-options randomness.seed=0 "$@" 2>&1 | quiet | tail -3
            cp "$(ls -t "$W"/2*/2*.log | head -1)" \
                "$LOGS/fl_${name}_seed0.log"
        done
    ) 9>/tmp/mmfg-heavy.lock
    ;;
detector-long)  # the same RPN trained 5x longer, its test proposals
    DET_LONG=configs/proposals/rpn_r18-tiny_fpn_1xb16-1500it_cluttered-fashion-mnist-cam.py
    W=$OUT/rpn_cam_1500it
    need_pseudo_boxes
    (
        flock 9
        python tools/train.py "$DET_LONG" --work-dir "$W" 2>&1 | quiet \
            | tail -5
        python tools/proposals/generate.py "$DET_LONG" "$W/iter_1500.pth" \
            --dataset-config "$CLS_CFG" --split test --num-boxes 10 \
            --out "$OUT/rpn_cam_1500it_test.json" \
            --metrics-out "$LOGS/rpn_cam_1500it_test_metrics.json" 2>&1 \
            | quiet | tee "$LOGS/rpn_cam_1500it_test.log"
    ) 9>/tmp/mmfg-heavy.lock
    cp "$(ls -t "$W"/2*/2*.log | tail -1)" "$LOGS/rpn_cam_1500it_train.log"
    ;;
generate-1500it)  # the 1,500-iteration RPN's proposals on all 60,000
    # training canvases (its own training images, the first 10k, included:
    # in-sample there): the leaderboard's RPN rows (Focus-Longer, FVE/GAP)
    if [ -f "$OUT/rpn_cam_1500it_train.json" ]; then
        echo "[skip] $OUT/rpn_cam_1500it_train.json exists"
        exit 0
    fi
    DET_LONG=configs/proposals/rpn_r18-tiny_fpn_1xb16-1500it_cluttered-fashion-mnist-cam.py
    require "$OUT/rpn_cam_1500it/iter_1500.pth" "bash experiments/proposals/run.sh detector-long"
    $LOCK python tools/proposals/generate.py "$DET_LONG" \
        "$OUT/rpn_cam_1500it/iter_1500.pth" --dataset-config "$CLS_CFG" \
        --split train --num-boxes 10 --out "$OUT/rpn_cam_1500it_train.json" \
        --metrics-out "$LOGS/rpn_cam_1500it_train60k_metrics.json" 2>&1 \
        | quiet | tee "$LOGS/rpn_cam_1500it_train60k.log"
    ;;
focus-longer-12e)  # the same three on 10k canvases with the iteration
    # count of the 60k x 2-epoch runs (12 epochs, lr x0.1 after 6, ~950
    # iterations; evaluated once at the end), then the crop benchmark
    FL=configs/focus_longer/focus-longer_lenetfc_1xb128_cluttered-fashion-mnist
    GL=configs/focus_longer/global_lenetfc_1xb128_cluttered-fashion-mnist-56.py
    E12="train_cfg.max_epochs=12 train_cfg.val_interval=12 param_scheduler.milestones=[6]"
    require "$OUT/rpn_cam_train10k.json" "bash experiments/proposals/run.sh generate"
    (
        flock 9
        for run in "proposals $FL-proposals.py" \
            "gtbox10k $FL-gtbox.py train_dataloader.dataset.indices=10000" \
            "global10k $GL train_dataloader.dataset.indices=10000"; do
            set -- $run
            name=$1 cfg=$2
            shift 2
            W=$OUT/fl12_${name}_seed0
            python tools/train.py "$cfg" --work-dir "$W" \
                --cfg-options randomness.seed=0 $E12 "$@" 2>&1 | quiet \
                | tail -3
            cp "$(ls -t "$W"/2*/2*.log | head -1)" \
                "$LOGS/fl12_${name}_seed0.log"
        done
        python tools/analysis_tools/benchmark.py "$FL-proposals.py" \
            "$FL-proposals-roialign.py" --baseline "$FL-proposals.py" \
            --json "$LOGS/bench_roialign.json" 2>&1 \
            | tee "$LOGS/bench_roialign.log"
    ) 9>/tmp/mmfg-heavy.lock
    ;;
focus-longer-1500it)  # the 1,500-iteration RPN's proposals (first 10k
    # train canvases + test) fed to the same Focus-Longer 12-epoch run
    DET_LONG=configs/proposals/rpn_r18-tiny_fpn_1xb16-1500it_cluttered-fashion-mnist-cam.py
    FL=configs/focus_longer/focus-longer_lenetfc_1xb128_cluttered-fashion-mnist
    E12="train_cfg.max_epochs=12 train_cfg.val_interval=12 param_scheduler.milestones=[6]"
    SEED=${SEED:-0}
    require "$OUT/rpn_cam_1500it/iter_1500.pth" "bash experiments/proposals/run.sh detector-long"
    require "$OUT/rpn_cam_1500it_test.json" "bash experiments/proposals/run.sh detector-long"
    (
        flock 9
        [ -f "$OUT/rpn_cam_1500it_train10k.json" ] || \
            python tools/proposals/generate.py "$DET_LONG" \
                "$OUT/rpn_cam_1500it/iter_1500.pth" --dataset-config "$CLS_CFG" \
                --split train --num-boxes 10 --num-images 10000 --pad-split \
                --out "$OUT/rpn_cam_1500it_train10k.json" \
                --metrics-out "$LOGS/rpn_cam_1500it_train10k_metrics.json" \
                2>&1 | quiet | tee "$LOGS/rpn_cam_1500it_train10k.log"
        W=$OUT/fl12_proposals1500it_seed$SEED
        python tools/train.py "$FL-proposals.py" --work-dir "$W" \
            --cfg-options randomness.seed=$SEED $E12 \
            train_dataloader.dataset.proposal_file="$OUT/rpn_cam_1500it_train10k.json" \
            val_dataloader.dataset.proposal_file="$OUT/rpn_cam_1500it_test.json" \
            test_dataloader.dataset.proposal_file="$OUT/rpn_cam_1500it_test.json" \
            2>&1 | quiet | tail -3
        cp "$(ls -t "$W"/2*/2*.log | head -1)" \
            "$LOGS/fl12_proposals1500it_seed$SEED.log"
    ) 9>/tmp/mmfg-heavy.lock
    ;;
bench)  # RoIAlign batch crops vs pipeline crops (same model, one run)
    FL=configs/focus_longer/focus-longer_lenetfc_1xb128_cluttered-fashion-mnist
    $LOCK python tools/analysis_tools/benchmark.py "$FL-proposals.py" \
        "$FL-proposals-roialign.py" --baseline "$FL-proposals.py" \
        --json "$LOGS/bench_roialign.json" 2>&1 | tee "$LOGS/bench_roialign.log"
    ;;
*)
    echo "usage: $0 {cs-parts|cam|cam-train|centre|detector|generate|focus-longer|focus-longer-12e|focus-longer-1500it|bench|detector-long|generate-1500it}"
    exit 1
    ;;
esac
