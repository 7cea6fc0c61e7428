#!/usr/bin/env bash
# FVE reproduction study on Cluttered Fashion-MNIST (CPU, ground-truth parts,
# shuffled, zero-filled): the paper's claim FVE > GAP (Korsch et al., WACV
# 2022, Tables 1-2) at the paper's optimiser and at the authors' scripts'
# staged protocol (github.com/cvjena/fve_layer, DiKorsch/cs_parts).
#
#   bash experiments/fve/repro.sh optim              # both arms, both adaptive optimisers, pre-trained CNNs
#   bash experiments/fve/repro.sh staged             # stage 1, then GAP and FVE K = 1 through stages 2 and 3
#   bash experiments/fve/repro.sh staged gap 1 4 10  # the arms to run: gap and/or K values
#
# optim: for each seed, {fve,gap}_lenetfc_1xb128_cluttered-fashion-mnist-
#   gtparts-{rmsprop,adam} (RMSProp 1e-4 = the paper; Adam 1e-3 eps 0.1 = the
#   scripts; x0.1 after 1/3 and 2/3 of OPT_EPOCHS) into $WORK/<config>_seed<N>.
# staged: for each seed,
#   stage 1  noparts_lenetfc_1xb128_cluttered-fashion-mnist-adam (global CNN
#            alone, S1_EPOCHS) into $WORK/noparts-adam_seed<N>, its last
#            checkpoint published to weights.pth (tools/misc/publish_model.py);
#   stage 2  <arm>: both CNNs start as copies of that global CNN and stay
#            frozen, the FVE (or GAP) head learns (S2_EPOCHS) into
#            $WORK/<arm>-stage2_seed<N>;
#   stage 3  end to end from the last stage-2 checkpoint (S3_EPOCHS) into
#            $WORK/<arm>-stage3_seed<N>;
#   arms: gap and fve-k<K> for every K given (default: gap 1), Adam lr 1e-3
#   eps 0.1, lambda 0.99 (the configs).
#
# Environment: SEEDS ("0 1 2 3 4"), WORK (work_dirs/fve/repro), LOGS
# ($WORK/logs: each run's log copied there as <run dir name>.log), PYTHON,
# LOCK (a file every run holds with flock: heavy jobs one at a time; empty =
# no lock), OPT_EPOCHS (12), S1_EPOCHS (12), S2_EPOCHS (6), S3_EPOCHS (12):
# the lr steps x0.1 after 1/3 and 2/3 of each, the FVE auxiliary weight is
# halved at the same epochs; EXTRA (more --cfg-options for every run, e.g. a
# smoke run: EXTRA="train_dataloader.dataset.indices=256
# val_dataloader.dataset.indices=256").
# Finished runs are skipped, interrupted ones resume (--resume); the scripts
# write only under work_dirs/. Then the table of the final accuracies
# (tools/analysis_tools/collect_results.py).
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/lib.sh
WHAT=${1:-}
shift || true
SEEDS=${SEEDS:-"0 1 2 3 4"}
WORK=${WORK:-work_dirs/fve/repro}
LOGS=${LOGS:-$WORK/logs}
PY=${PYTHON:-python}
LOCK=${LOCK-/tmp/mmfg-heavy.lock}
OPT_EPOCHS=${OPT_EPOCHS:-12}
S1_EPOCHS=${S1_EPOCHS:-12}
S2_EPOCHS=${S2_EPOCHS:-6}
S3_EPOCHS=${S3_EPOCHS:-12}
read -r -a EXTRA_OPTS <<< "${EXTRA:-}"
CFG=configs/fve
DATA=lenetfc_1xb128_cluttered-fashion-mnist
locked=()
if [ -n "$LOCK" ]; then
    locked=(flock "$LOCK")
fi
mkdir -p "$LOGS"
start=$(date +%s)
# every run starts from the pre-trained LeNetFC (the stand-in for the paper's
# ImageNet CNN), shared with the Focus-Longer study
require work_dirs/focus_longer_repro/pretrain_lenetfc_1xb128_fashion-mnist/weights.pth \
    "SEEDS=0 CONFIGS=global bash experiments/focus_longer/repro.sh"

schedule() {  # EPOCHS AUX(0/1): the --cfg-options of an EPOCHS-long run
    local e=$1 third
    third=$(( $1 / 3 > 0 ? $1 / 3 : 1 ))
    echo "train_cfg.max_epochs=$e param_scheduler.milestones=[$third,$((2 * $1 / 3))]"
    if [ "$2" = 1 ]; then
        echo "custom_hooks.1.interval=$third"
    fi
}

train() {  # CONFIG DIR EPOCHS AUX [CFG-OPTIONS...]: train unless finished
    local config=$1 dir=$2 epochs=$3 aux=$4 resume=()
    shift 4
    if finished "$dir" "$epochs"; then
        echo "[skip] $dir finished"
    else
        same_budget "$dir" "$epochs"
        local opts=("$@")
        if [ -f "$dir/last_checkpoint" ]; then
            resume=(--resume)
            # --resume continues from the work dir: no load_from
            local kept=() o
            for o in "${opts[@]}"; do
                [[ $o == load_from=* ]] || kept+=("$o")
            done
            opts=("${kept[@]}")
        fi
        echo "[$(( ($(date +%s) - start) / 60 )) min] training $dir"
        # shellcheck disable=SC2046
        "${locked[@]}" $PY tools/train.py "$CFG/$config.py" --work-dir "$dir" \
            "${resume[@]}" --cfg-options randomness.seed="$seed" \
            $(schedule "$epochs" "$aux") "${opts[@]}" "${EXTRA_OPTS[@]}"
    fi
    copy_log "$dir" "$LOGS/$(basename "$dir").log"
}

case "$WHAT" in
optim)
    for seed in $SEEDS; do
        for opt in rmsprop adam; do
            for arm in gap fve; do
                aux=0; [ "$arm" = fve ] && aux=1
                name=${arm}_${DATA}-gtparts-$opt
                train "$name" "$WORK/${name}_seed$seed" "$OPT_EPOCHS" $aux
            done
        done
    done
    ;;
staged)
    ARMS=("$@")
    [ ${#ARMS[@]} -gt 0 ] || ARMS=(gap 1)
    for arm in "${ARMS[@]}"; do
        if [ "$arm" != gap ] && ! [[ $arm =~ ^[1-9][0-9]*$ ]]; then
            echo "error: staged arms are 'gap' or a number of GMM components K, got '$arm'" >&2
            exit 2
        fi
    done
    for seed in $SEEDS; do
        s1="$WORK/noparts-adam_seed$seed"
        train "noparts_${DATA}-adam" "$s1" "$S1_EPOCHS" 0
        weights="$s1/weights.pth"
        if [ ! -f "$weights" ]; then
            $PY tools/misc/publish_model.py "$s1/epoch_$S1_EPOCHS.pth" "$weights"
        fi
        init=("model.backbone.init_cfg.checkpoint=$weights"
              "model.local_backbone.init_cfg.checkpoint=$weights")
        for arm in "${ARMS[@]}"; do
            if [ "$arm" = gap ]; then
                run=gap; base=gap_${DATA}-gtparts-adam; aux=0; k=()
            else
                run=fve-k$arm; base=fve_${DATA}-gtparts-adam; aux=1
                k=("model.local_neck.num_components=$arm"
                   "model.local_head.in_channels=$((2 * arm * 32))")
            fi
            s2="$WORK/$run-stage2_seed$seed"
            train "$base-stage2" "$s2" "$S2_EPOCHS" $aux "${init[@]}" "${k[@]}"
            train "$base-stage3" "$WORK/$run-stage3_seed$seed" "$S3_EPOCHS" \
                $aux "load_from=$s2/epoch_$S2_EPOCHS.pth" "${k[@]}"
        done
    done
    ;;
*)
    echo "usage: bash experiments/fve/repro.sh optim | staged [gap] [K ...]" >&2
    exit 2
    ;;
esac
echo "[$(( ($(date +%s) - start) / 60 )) min] done"
$PY tools/analysis_tools/collect_results.py "$WORK"
