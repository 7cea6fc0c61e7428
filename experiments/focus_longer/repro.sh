#!/usr/bin/env bash
# Focus-Longer reproduction study at the public code's protocol, CPU size
# (configs/focus_longer/*-fmpt*.py; the protocol and the run list with time
# estimates: the study's section of experiments/focus_longer/README.md):
#
#   0. pretrain   pretrain_lenetfc_1xb128_fashion-mnist, once (seed 0): the
#                 stand-in for the ImageNet VGG19 both streams start from
#   1. training   for every seed in $SEEDS (outer loop) and config in $CONFIGS
#                 (names without the common prefix, see below):
#        global      Table 1/4 "VGG19": the global stream alone
#        attention   Table 1/4 "+ CNN + LSTM + attention" (the method)
#        mean, sum   attention replaced by the mean / the sum of the T states
#        cnn, lstm   Table 4 "CNN only", "CNN + LSTM"
#        t5 t15 t20 t25  Table 6 (T; T = 10 is attention)
#        eq6         eq. 6's per-step scoring weights W^t
#        scratch     (not in the default list) both CNNs from scratch
#   2. Table 3 / 5 as the paper measured them: per-step features and the
#      evaluation-time swap of attention for the sum of steps 1..k, on every
#      trained attention model (python -m experiments.focus_longer.steps)
#   3. summary: final and best test accuracy of every run, mean +- std over
#      seeds, the gain over the last third of training (plateau check) and
#      the curves (experiments/focus_longer/repro_summary.py)
#
#   bash experiments/focus_longer/repro.sh
#   SEEDS="0" CONFIGS="attention" bash experiments/focus_longer/repro.sh   # the pilot
#
# Environment: SEEDS ("0 1 2 3 4"), CONFIGS (all but scratch, in the order
# above), WORK (work_dirs/focus_longer_repro), LOGS ($WORK/logs: each run's log
# copied there as <config>_seed<N>.log), PYTHON, LOCK (a file every training
# holds with flock, so heavy jobs on a shared machine run one at a time; empty
# = no lock), PRETRAIN_DIR ($WORK/pretrain_lenetfc_1xb128_fashion-mnist: another
# study's pre-training can be reused, e.g. with WORK=work_dirs/focus_longer_repro_180e
# PRETRAIN_DIR=work_dirs/focus_longer_repro/pretrain_lenetfc_1xb128_fashion-mnist),
# EPOCHS (90: the public code's x0.1 at 30/60; another E, a
# multiple of 6, keeps the decays at E/3 and 2E/3), SMOKE (1: the whole
# pipeline in minutes: pre-training 1 epoch on 1,024 images, every run 6
# epochs on 320 canvases, evaluation on 512; WORK then defaults to
# work_dirs/focus_longer_repro_smoke). Writes only under $WORK. Finished runs
# are skipped; interrupted runs resume (--resume).
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/lib.sh
SEEDS=${SEEDS:-"0 1 2 3 4"}
CONFIGS=${CONFIGS:-"global attention mean sum cnn lstm t5 t15 t20 t25 eq6"}
PY=${PYTHON:-python}
LOCK=${LOCK-/tmp/mmfg-heavy.lock}
PRETRAIN_EPOCHS=40  # pretrain_lenetfc_1xb128_fashion-mnist's max_epochs
pre_extra=()
extra=()
steps_extra=()
if [ "${SMOKE:-0}" = 1 ]; then
    WORK=${WORK:-work_dirs/focus_longer_repro_smoke}
    EPOCHS=${EPOCHS:-6}
    PRETRAIN_EPOCHS=1
    pre_extra=(train_cfg.max_epochs=1 train_dataloader.dataset.indices=1024
        val_dataloader.dataset.indices=512)
    extra=(train_dataloader.dataset.indices=320
        val_dataloader.dataset.indices=512)
    steps_extra=(--max-samples 512)
fi
WORK=${WORK:-work_dirs/focus_longer_repro}
LOGS=${LOGS:-$WORK/logs}
EPOCHS=${EPOCHS:-90}

FL=focus-longer_lenetfc_1xb32_cluttered-fashion-mnist-6k-gtbox-fmpt
config_of() {  # SHORT NAME -> config name
    case "$1" in
        global) echo global_lenetfc_1xb32_cluttered-fashion-mnist-6k-56-fmpt ;;
        attention) echo "$FL" ;;
        mean | sum | cnn | lstm | t5 | t15 | t20 | t25 | eq6 | scratch)
            echo "$FL-$1" ;;
        *)
            echo "error: unknown config '$1' in CONFIGS; choose from global" \
                "attention mean sum cnn lstm t5 t15 t20 t25 eq6 scratch" >&2
            exit 2 ;;
    esac
}
for short in $CONFIGS; do config_of "$short" > /dev/null; done
if [ $((EPOCHS % 6)) != 0 ]; then
    echo "error: EPOCHS=$EPOCHS must be a multiple of 6 (decays at E/3 and" \
        "2E/3, evaluation every 2 epochs)" >&2
    exit 2
fi

locked=()
if [ -n "${LOCK:-}" ]; then
    locked=(flock "$LOCK")
fi
mkdir -p "$LOGS"
start=$(date +%s)
elapsed() { echo "$(( ($(date +%s) - start) / 60 )) min"; }

train() {  # CONFIG_PATH WORK_DIR EPOCHS [--cfg-options ...]: skip / resume
    local config=$1 dir=$2 epochs=$3 resume=()
    shift 3
    if finished "$dir" "$epochs"; then
        echo "[skip] $dir finished"
        return
    fi
    same_budget "$dir" "$epochs"
    if [ -f "$dir/last_checkpoint" ]; then
        resume=(--resume)
    fi
    echo "[$(elapsed)] training $dir"
    "${locked[@]}" $PY tools/train.py "$config" --work-dir "$dir" \
        "${resume[@]}" "$@"
}

# 0. the pre-trained feature layers (one network for every run and seed, as
#    one ImageNet VGG19 serves every run of the paper)
PRE=pretrain_lenetfc_1xb128_fashion-mnist
PRE_DIR=${PRETRAIN_DIR:-$WORK/$PRE}
train "configs/focus_longer/$PRE.py" "$PRE_DIR" "$PRETRAIN_EPOCHS" \
    --cfg-options randomness.seed=0 "${pre_extra[@]}"
cat "$PRE_DIR"/2*/2*.log > "$LOGS/${PRE}_seed0.log"
require "$PRE_DIR/epoch_$PRETRAIN_EPOCHS.pth" \
    "bash experiments/focus_longer/repro.sh (step 0)"
CKPT=$PRE_DIR/weights.pth  # the weights only (init_cfg refuses a training state)
if [ ! -f "$CKPT" ]; then
    $PY tools/misc/publish_model.py "$PRE_DIR/epoch_$PRETRAIN_EPOCHS.pth" "$CKPT"
fi

# 1. the study
schedule=()
if [ "$EPOCHS" != 90 ]; then
    schedule=(train_cfg.max_epochs="$EPOCHS"
        "param_scheduler.milestones=[$((EPOCHS / 3)),$((2 * EPOCHS / 3))]")
fi
for seed in $SEEDS; do
    for short in $CONFIGS; do
        name=$(config_of "$short")
        init=(model.backbone.init_cfg.checkpoint="$CKPT")
        case "$short" in
            global) ;;
            scratch) init=() ;;
            *) init+=(model.local_backbone.init_cfg.checkpoint="$CKPT") ;;
        esac
        dir=$WORK/${name}_seed${seed}
        train "configs/focus_longer/$name.py" "$dir" "$EPOCHS" \
            --cfg-options randomness.seed="$seed" "${init[@]}" \
            "${schedule[@]}" "${extra[@]}"
        cat "$dir"/2*/2*.log > "$LOGS/${name}_seed${seed}.log"
    done
done

# 2. Table 3 (per step) and Table 5 (evaluation-time summation swap) on every
#    trained attention model
mkdir -p "$WORK/results/steps"
for seed in $SEEDS; do
    dir=$WORK/${FL}_seed${seed}
    out=$WORK/results/steps/steps_attention_seed${seed}.json
    if finished "$dir" "$EPOCHS" && [ ! -f "$out" ]; then
        echo "[$(elapsed)] per-step table, attention seed $seed"
        "${locked[@]}" $PY -m experiments.focus_longer.steps \
            "configs/focus_longer/$FL.py" "$dir/epoch_$EPOCHS.pth" \
            --json "$out" "${steps_extra[@]}" \
            --cfg-options "model.backbone.init_cfg=None" \
            "model.local_backbone.init_cfg=None" \
            > "$WORK/results/steps/steps_attention_seed${seed}.txt"
    fi
done

# 3. the tables and the curves
echo "[$(elapsed)] done"
$PY -m experiments.focus_longer.repro_summary "$WORK" \
    --epochs "$EPOCHS" --out "$WORK/results/summary"
