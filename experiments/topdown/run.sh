#!/usr/bin/env bash
# Top-Down networks vs their bottom-up baseline on the real Fashion-MNIST at
# 28x28 (Lelekas et al., CVPR-W 2020, Exp. 1-3), on CPU:
#   1. BU, TD, TD_uni, TD_rev LeNetFC (configs/topdown/*_lenetfc_fashion-mnist.py,
#      4 epochs each) for every seed in $SEEDS;
#   2. adversarial robustness of BU vs TD (first seed): tools/topdown/attack.py,
#      whole network ($ATTACKS), then one TD input scale at a time
#      (--scale 0/1/2, $SCALE_ATTACKS);
#   3. Grad-CAM localisation of BU vs TD (every seed): tools/topdown/localization.py;
#   4. all tables in Markdown: python -m experiments.topdown.report;
#   5. the training logs copied to $WORK/logs, the JSON / figures / report to
#      $WORK/results (experiments/publish.sh topdown $WORK SUBDIR publishes them).
#
#   bash experiments/topdown/run.sh
#   SEEDS="0" ATTACK_SAMPLES=200 bash experiments/topdown/run.sh
#   # the paper's Fig. 5 / Fig. 9 architecture, BU vs TD only, 2 epochs:
#   ARCH=nin-light MODES="bu td" EPOCHS=2 SEEDS=0 \
#       WORK=work_dirs/topdown_fashion-mnist-nin-light bash experiments/topdown/run.sh
#
# Environment: SEEDS ("0 1 2"), MODES ("bu td td-uni td-rev"; bu and td are
# needed for the attacks and Grad-CAM), ARCH (lenetfc; or nin-light), EPOCHS (4,
# the configs' schedule; otherwise lr x0.1 at 50% and 75% of EPOCHS, or at
# MILESTONES, e.g. MILESTONES="[20,32]" with EPOCHS=40 for the reference recipe),
# TRAIN_IMAGES (all; or the first N training images), WORK, ATTACKS (the
# reference code's: noise, blur, pointwise, contrast, salt-and-pepper, spatial,
# shift; gradient attacks such as fgm / deepfool are an extra), REPEATS (3, as
# the paper), ATTACK_SAMPLES (500), SCALE_ATTACKS, SCALE_SAMPLES, LOC_SAMPLES
# (10000), EXTRA (more --cfg-options for every training, e.g. the reference
# code's x / 255 input: EXTRA="data_preprocessor.mean=[0.]
# data_preprocessor.std=[255.]" with its own WORK), TRAIN_ONLY (1: train and
# copy the logs, no attacks / Grad-CAM / report), PYTHON.
#
# Duration measured on the idle 2-core CPU machine (LeNetFC, 4 epochs incl.
# the 4 test-set evaluations): BU 2.6-3.8 min, TD 3.9-4.4, TD_uni 4.8-5.8,
# TD_rev 9.4-9.8, i.e. ~22 min per seed; attacks on 500 images (BU + TD, 4
# attacks): 2 min plus the TD PGD attack (19 min while the cores were shared),
# single-scale attacks ~3 min, Grad-CAM on the 10,000 test images ~1 min per
# seed. NIN-light TD is ~6.5x slower per step than LeNetFC
# TD. Finished runs (final test evaluation in scalars.json) and outputs that
# exist are skipped; interrupted runs resume (--resume).
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/lib.sh
SEEDS=${SEEDS:-"0 1 2"}
WORK=${WORK:-work_dirs/topdown_fashion-mnist}
ARCH=${ARCH:-lenetfc}
MODES=${MODES:-"bu td td-uni td-rev"}
EPOCHS=${EPOCHS:-4}
ATTACK_SAMPLES=${ATTACK_SAMPLES:-500}
ATTACKS=${ATTACKS:-"gaussian uniform blended-uniform blur pointwise contrast salt-and-pepper spatial shift"}
REPEATS=${REPEATS:-3}
SCALE_ATTACKS=${SCALE_ATTACKS:-"gaussian blur"}
TRAIN_IMAGES=${TRAIN_IMAGES:-}
SCALE_SAMPLES=${SCALE_SAMPLES:-$ATTACK_SAMPLES}
LOC_SAMPLES=${LOC_SAMPLES:-10000}
PY=${PYTHON:-python}
read -r -a EXTRA_OPTS <<< "${EXTRA:-}"

sched=()
if [ "$EPOCHS" != 4 ]; then
    m1=$((EPOCHS / 2)); m2=$((EPOCHS * 3 / 4))
    if [ "$m2" -gt "$m1" ]; then ms="[$m1,$m2]"; else ms="[$m1]"; fi
    ms=${MILESTONES:-$ms}
    sched=(train_cfg.max_epochs="$EPOCHS" "param_scheduler.milestones=$ms")
fi
if [ -n "$TRAIN_IMAGES" ]; then
    sched+=(train_dataloader.dataset.indices="$TRAIN_IMAGES")
fi
nruns=$(( $(echo $SEEDS | wc -w) * $(echo $MODES | wc -w) ))
echo "Top-Down Fashion-MNIST experiment: ${ARCH}, modes ${MODES}, seeds ${SEEDS}" \
     "(${nruns} runs of ${EPOCHS} epochs), results in ${WORK}."
start=$(date +%s)
elapsed() { echo "[$(( ($(date +%s) - start) / 60 )) min]"; }

for seed in $SEEDS; do
    for mode in $MODES; do
        name="${mode}_${ARCH}_fashion-mnist"
        dir="$WORK/${name}_seed${seed}"
        if finished "$dir" "$EPOCHS"; then
            echo "[skip] $dir finished"
            continue
        fi
        resume=()
        if [ -f "$dir/last_checkpoint" ]; then
            resume=(--resume)
        fi
        echo "$(elapsed) training $name seed $seed"
        $PY tools/train.py "configs/topdown/${name}.py" --work-dir "$dir" \
            "${resume[@]}" --cfg-options randomness.seed="$seed" "${sched[@]}" \
            "${EXTRA_OPTS[@]}"
    done
done

copy_logs() {  # every run's log (all its starts) into $WORK/logs
    for seed in $SEEDS; do
        for mode in $MODES; do
            name="${mode}_${ARCH}_fashion-mnist"
            copy_log "$WORK/${name}_seed${seed}" "$WORK/logs/${name}_seed${seed}.log"
        done
    done
}

if [ -n "${TRAIN_ONLY:-}" ]; then
    copy_logs
    echo "$(elapsed) TRAIN_ONLY: logs in $WORK/logs; attacks, Grad-CAM and report skipped"
    exit 0
fi

seed0=$(echo $SEEDS | awk '{print $1}')
BU_CFG="configs/topdown/bu_${ARCH}_fashion-mnist.py"
TD_CFG="configs/topdown/td_${ARCH}_fashion-mnist.py"
BU_CKPT="$WORK/bu_${ARCH}_fashion-mnist_seed${seed0}/epoch_${EPOCHS}.pth"
TD_CKPT="$WORK/td_${ARCH}_fashion-mnist_seed${seed0}/epoch_${EPOCHS}.pth"

if [ -n "${EXTRA:-}" ]; then
    # the attack and Grad-CAM tools read the config files, without EXTRA
    echo "$(elapsed) EXTRA is set: attacks and Grad-CAM skipped (their tools"\
        "read the configs without EXTRA)"
else
    if [ ! -f "$WORK/attack_seed${seed0}/attack.json" ]; then
        echo "$(elapsed) attacks (BU vs TD, seed $seed0)"
        # shellcheck disable=SC2086
        $PY tools/topdown/attack.py "$BU_CFG" "$BU_CKPT" --compare "$TD_CFG" "$TD_CKPT" \
            --attacks $ATTACKS --num-samples "$ATTACK_SAMPLES" --repeats "$REPEATS" \
            --out-dir "$WORK/attack_seed${seed0}"
    fi
    for k in 0 1 2; do
        out="$WORK/attack_scale${k}_seed${seed0}"
        [ -f "$out/attack.json" ] && continue
        echo "$(elapsed) attacks on TD input scale $k only (seed $seed0)"
        # shellcheck disable=SC2086
        $PY tools/topdown/attack.py "$TD_CFG" "$TD_CKPT" --scale "$k" \
            --attacks $SCALE_ATTACKS --num-samples "$SCALE_SAMPLES" --repeats "$REPEATS" \
            --out-dir "$out"
    done

    for seed in $SEEDS; do
        out="$WORK/localization_seed${seed}"
        [ -f "$out/localization.json" ] && continue
        echo "$(elapsed) Grad-CAM localisation (BU vs TD, seed $seed)"
        $PY tools/topdown/localization.py \
            "$BU_CFG" "$WORK/bu_${ARCH}_fashion-mnist_seed${seed}/epoch_${EPOCHS}.pth" \
            --compare "$TD_CFG" "$WORK/td_${ARCH}_fashion-mnist_seed${seed}/epoch_${EPOCHS}.pth" \
            --threshold 0.2 --num-samples "$LOC_SAMPLES" --out-dir "$out"
    done
fi

$PY -m experiments.topdown.report "$WORK" | tee "$WORK/report.md"
copy_logs
mkdir -p "$WORK/results"
cp "$WORK/report.md" "$WORK/results/"
for d in "$WORK"/attack*_seed* "$WORK"/localization*_seed*; do
    mkdir -p "$WORK/results/$(basename "$d")"
    cp "$d"/*.json "$d"/*.png "$WORK/results/$(basename "$d")/" 2>/dev/null || true
done
echo "done in $(( ($(date +%s) - start) / 60 )) min; tables in $WORK/report.md"
