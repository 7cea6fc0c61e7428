#!/usr/bin/env bash
# Reproduction study of GASA's claim (gradient tokens help) on Cluttered
# Fashion-MNIST at 112x112, where the two transformer stages of the 'tiny'
# hybrid see 14x14 and 7x7 token grids (at 28x28 they were 4x4 and 2x2, where
# a 3x3 Sobel is mostly border).
#
#   0. pretrain   configs/gasa/pretrain_gasa-tiny_1xb64_fashion-mnist-112.py,
#                 once (seed 0; skipped when its weights.pth exists): the
#                 stand-in for the iNat21-pretrained MetaFG weights the paper
#                 fine-tunes (Sec. 4.2): the plain hybrid (no gradient tokens)
#                 on the 60,000 plain Fashion-MNIST images at 112 px, 4
#                 epochs; published as weights.pth (tools/misc/publish_model.py)
#                 and checked against every arm (python -m
#                 experiments.gasa.init_check: all backbone tensors but the
#                 gradient tokenizers' must load, same names and shapes)
#   1. the arms   configs/gasa/gasa_tiny_1xb64_cluttered-fashion-mnist-fmpt*.py,
#                 the backbone from step 0, the gradient tokenizers and the
#                 head new; for every seed in $SEEDS (outer) and arm in $ARMS:
#     ''                 GASA, G = 4, the paper's position-specific token layer
#     -no-grad-tokens    the same hybrid without gradient tokens (Table 6)
#     -depthwise-dir     depthwise direction convolutions (parameter control)
#     -g1                one gradient token per stage
#     -softmax-pool      mmfg's earlier token layer (its tokens were copies)
#   2. the table and the validation curves (Outputs, below)
#
# INIT=scratch runs the ablation instead: the same arms from scratch
# (configs/gasa/gasa_tiny_1xb64_cluttered-fashion-mnist*.py, no step 0).
# LR sets the arms' peak AdamW lr (batch 64) for the fine-tuning-lr sweep:
# the public code (bingbeu/GASA 5e110a7, main.py) scales its lr by effective
# batch / 512, and its NABirds command fine-tunes at 5e-5 per 512 = 6.25e-6
# at batch 64, about 1/10 of the code's pre-training default (5e-4 per 512);
# 1/10 of the stand-in pre-training's 2e-3 is 2e-4. WORK then defaults to
# <WORK>_lr<LR>, so each lr keeps its own runs (the pre-training is shared).
# Protocol of the paper's fine-tuning recipe (Sec. 4.2) kept in shape: AdamW,
# weight decay 0.05, linear warm-up then cosine to 0 over all $EPOCHS, grad
# clip 5, label smoothing 0.1; lr 2e-3 (the CPU configs'). Validation on all
# 10,000 test canvases after every epoch (the curve); seeds outer.
#   bash experiments/gasa/repro.sh
#   SEEDS="0" ARMS="'' -no-grad-tokens" bash experiments/gasa/repro.sh
#   INIT=scratch bash experiments/gasa/repro.sh           # the from-scratch ablation
#   DRY_RUN=1 bash experiments/gasa/repro.sh              # print the commands only
#   LR=2e-4 SEEDS=0 ARMS="'' -no-grad-tokens" bash experiments/gasa/repro.sh
# Environment: SEEDS ("0 1 2"), ARMS (the suffixes above; '' is GASA), INIT
# (pretrained | scratch), LR (2e-3: the configs'), EPOCHS (10), TRAIN_IMAGES (12000: the first N
# training canvases), WORK (work_dirs/repro/gasa_cluttered-112), PRETRAIN_DIR
# (<WORK without _lr>/pretrain_gasa-tiny_1xb64_fashion-mnist-112: another study's
# pre-training can be reused), PRETRAIN_EPOCHS (4; another count, in its own
# PRETRAIN_DIR, keeps the cosine over all its epochs), VAL_IMAGES (all; the
# first N test canvases, for smoke runs only), SMOKE (1: the whole pipeline in
# minutes: pre-training 1 epoch on 640 images, every arm 1 epoch on 320
# canvases, validation on 256; WORK then defaults to
# work_dirs/repro/gasa_cluttered-112_smoke), DRY_RUN (1: print the training,
# publishing and check commands, run and write nothing), LOCK
# (/tmp/mmfg-cpu.lock; empty = no lock), PYTHON. Finished runs are skipped,
# interrupted ones resume.
# Cost on the 2-core CPU machine (smoke runs measured under load, 1 thread;
# idle with 2 threads estimated at ~1.5 s per iteration): step 0 3.0-3.3 s per
# iteration of 64 at 112 px, 938 iterations per epoch + ~3.4 min of
# validation on 10,000 images: ~3.6 h for its 4 epochs (~1.7 h idle); every
# arm 3.2-3.6 s per iteration, 188 iterations per epoch of 12,000 canvases
# (~11 min) + ~3.4 min of validation: ~2.5 h per run of 10 epochs (~1 h
# idle), i.e. ~37 h (~15 h idle) for 5 arms x 3 seeds (the same again for
# INIT=scratch). SMOKE=1 with one arm: ~2 min.
# Outputs: $WORK/<config>_seed<N>/ (checkpoints, scalars.json), the logs in
# $WORK/logs, the table (results/table.md: the pre-training, the arms of both
# INITs run so far) and the validation curves (results/curves_seed<N>.png;
# INIT=scratch: curves_scratch_seed<N>.png) in $WORK/results; publish with
#   bash experiments/publish.sh gasa "$WORK" cluttered-112
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/lib.sh
SEEDS=${SEEDS:-"0 1 2"}
ARMS=${ARMS:-"'' -no-grad-tokens -depthwise-dir -g1 -softmax-pool"}
INIT=${INIT:-pretrained}
PRETRAIN_EPOCHS=${PRETRAIN_EPOCHS:-4}  # 4: the pre-training config's max_epochs
pre_extra=()
if [ "$PRETRAIN_EPOCHS" != 4 ]; then
    pre_extra=(train_cfg.max_epochs="$PRETRAIN_EPOCHS"
        param_scheduler.1.end="$PRETRAIN_EPOCHS")
fi
if [ "${SMOKE:-0}" = 1 ]; then
    WORK=${WORK:-work_dirs/repro/gasa_cluttered-112_smoke}
    EPOCHS=${EPOCHS:-1}
    TRAIN_IMAGES=${TRAIN_IMAGES:-320}
    VAL_IMAGES=${VAL_IMAGES:-256}
    PRETRAIN_EPOCHS=1
    pre_extra=(train_cfg.max_epochs=1 param_scheduler.1.end=1
        train_dataloader.dataset.indices=640 val_dataloader.dataset.indices=256)
fi
EPOCHS=${EPOCHS:-10}
TRAIN_IMAGES=${TRAIN_IMAGES:-12000}
study=${WORK:-work_dirs/repro/gasa_cluttered-112}  # its pre-training serves every LR
WORK=${WORK:-$study${LR:+_lr$LR}}
LOCK=${LOCK-/tmp/mmfg-cpu.lock}
PY=${PYTHON:-python}
VAL_IMAGES=${VAL_IMAGES:-}
DRY_RUN=${DRY_RUN:-0}
base=gasa_tiny_1xb64_cluttered-fashion-mnist
case "$INIT" in
    pretrained) prefix=$base-fmpt ;;
    scratch) prefix=$base ;;
    *)
        echo "error: unknown INIT '$INIT'; choose pretrained or scratch" >&2
        exit 2 ;;
esac
eval "arms=($ARMS)"
for arm in "${arms[@]}"; do
    if [ ! -f "configs/gasa/${prefix}${arm}.py" ]; then
        echo "error: unknown arm '$arm' in ARMS (no configs/gasa/${prefix}${arm}.py);" \
            "choose from '' -no-grad-tokens -depthwise-dir -g1 -softmax-pool" >&2
        exit 2
    fi
done
lr=()
if [ -n "${LR:-}" ]; then
    if ! python3 -c "import sys; assert float(sys.argv[1]) > 0" "$LR" 2>/dev/null; then
        echo "error: LR '$LR' is not a positive number (e.g. LR=2e-4)" >&2
        exit 2
    fi
    lr=(optim_wrapper.optimizer.lr="$LR")
fi
val=()
if [ -n "$VAL_IMAGES" ]; then val=(val_dataloader.dataset.indices="$VAL_IMAGES"); fi
locked=()
if [ -n "$LOCK" ]; then locked=(flock "$LOCK"); fi
run() {  # COMMAND...: run it, or print it with DRY_RUN=1
    if [ "$DRY_RUN" = 1 ]; then echo "+ $*"; else "$@"; fi
}
if [ "$DRY_RUN" != 1 ]; then mkdir -p "$WORK/logs" "$WORK/results"; fi
start=$(date +%s)
elapsed() { echo "$(( ($(date +%s) - start) / 60 )) min"; }

train() {  # CONFIG WORK_DIR EPOCHS [--cfg-options ...]: skip / resume
    local config=$1 dir=$2 epochs=$3 resume=()
    shift 3
    if finished "$dir" "$epochs"; then
        echo "[skip] $dir finished"
        return
    fi
    same_budget "$dir" "$epochs"
    if [ -f "$dir/last_checkpoint" ]; then resume=(--resume); fi
    echo "[$(elapsed)] training $(basename "$config" .py) in $dir"
    run "${locked[@]}" $PY tools/train.py "$config" --work-dir "$dir" \
        "${resume[@]}" "$@"
}

# 0. the pre-trained plain hybrid (one network for every arm and seed, as one
#    iNat21 MetaFG checkpoint serves every run of the paper)
init=()
if [ "$INIT" = pretrained ]; then
    PRE=pretrain_gasa-tiny_1xb64_fashion-mnist-112
    PRE_DIR=${PRETRAIN_DIR:-$study/$PRE}
    CKPT=$PRE_DIR/weights.pth  # the weights only (init_cfg refuses a training state)
    if [ -f "$CKPT" ]; then
        echo "[skip] pre-training: $CKPT exists"
    else
        train "configs/gasa/$PRE.py" "$PRE_DIR" "$PRETRAIN_EPOCHS" \
            --cfg-options randomness.seed=0 "${pre_extra[@]}"
        if [ "$DRY_RUN" != 1 ]; then
            copy_log "$PRE_DIR" "$WORK/logs/${PRE}_seed0.log"
            require "$PRE_DIR/epoch_$PRETRAIN_EPOCHS.pth" \
                "bash experiments/gasa/repro.sh (step 0)"
        fi
        run $PY tools/misc/publish_model.py \
            "$PRE_DIR/epoch_$PRETRAIN_EPOCHS.pth" "$CKPT"
    fi
    # every arm loads every backbone tensor but the gradient tokenizers'
    # (MMEngine's Pretrained init only warns about a missing or mis-shaped one)
    configs=()
    for arm in "${arms[@]}"; do configs+=("configs/gasa/${prefix}${arm}.py"); done
    run $PY -m experiments.gasa.init_check "$CKPT" "${configs[@]}"
    init=(model.backbone.init_cfg.checkpoint="$CKPT")
fi

# 1. the arms
for seed in $SEEDS; do
    for arm in "${arms[@]}"; do
        name="${prefix}${arm}"
        dir="$WORK/${name}_seed${seed}"
        train "configs/gasa/${name}.py" "$dir" "$EPOCHS" \
            --cfg-options randomness.seed="$seed" "${init[@]}" \
            train_dataloader.dataset.indices="$TRAIN_IMAGES" \
            train_cfg.max_epochs="$EPOCHS" param_scheduler.1.end="$EPOCHS" \
            default_hooks.checkpoint.max_keep_ckpts=2 "${lr[@]}" "${val[@]}"
        if [ "$DRY_RUN" != 1 ]; then
            copy_log "$dir" "$WORK/logs/${name}_seed${seed}.log"
        fi
    done
done
if [ "$DRY_RUN" = 1 ]; then exit 0; fi

# 2. the table and the curves
$PY tools/analysis_tools/collect_results.py "$WORK" --unfinished mark \
    | tee "$WORK/results/table.md"
for seed in $SEEDS; do
    dirs=() labels=()
    for arm in "${arms[@]}"; do
        d="$WORK/${prefix}${arm}_seed${seed}"
        [ -d "$d" ] || continue
        label=${arm#-}; dirs+=("$d") labels+=("${label:-gasa}")
    done
    [ ${#dirs[@]} -gt 0 ] || continue
    init_label="" tag=""
    if [ "$INIT" = scratch ]; then init_label=", from scratch" tag=scratch_; fi
    $PY tools/analysis_tools/analyze_logs.py plot_curve "${dirs[@]}" \
        --keys accuracy/top1 --legend "${labels[@]}" \
        --title "GASA arms, Cluttered Fashion-MNIST 112${init_label}, seed $seed" \
        --out "$WORK/results/curves_${tag}seed${seed}.png"
done
echo "done in $(elapsed)"
