#!/usr/bin/env bash
# Top-Down networks vs their bottom-up baseline on the real Fashion-MNIST at
# 28x28 (Lelekas et al., CVPR-W 2020, Exp. 1-3), on CPU:
#   1. BU, TD, TD_uni, TD_rev LeNetFC (configs/topdown/*_lenetfc_fashion-mnist.py,
#      4 epochs each) for every seed in $SEEDS;
#   2. adversarial robustness of BU vs TD (first seed): tools/topdown/attack.py,
#      whole network ($ATTACKS), then one TD input scale at a time
#      (--scale 0/1/2, $SCALE_ATTACKS);
#   3. Grad-CAM localisation of BU vs TD (every seed): tools/topdown/localization.py;
#   4. all tables in Markdown: tools/topdown/report.py.
#
#   bash tools/topdown/fashion_mnist_experiment.sh
#   SEEDS="0" ATTACK_SAMPLES=200 bash tools/topdown/fashion_mnist_experiment.sh
#
# Duration (2 CPU cores; 1-epoch smoke runs on 6,400 images, measured while
# another training shared the 2 cores): 0.3 s/iteration BU, 0.5-1.1 s TD_uni,
# 1.1-1.4 s TD / TD_rev; an epoch is 469 iterations + the 10,000-image test.
# A 4-epoch run thus takes ~10 min (BU) to ~40 min (TD) on a loaded machine:
# ~110 min per seed loaded, roughly half (~55 min) on an idle machine; then
# 30-60 min of attacks on $ATTACK_SAMPLES images (DeepFool and PGD on the TD
# model dominate) and 1-2 min of Grad-CAM. Runs whose epoch_4.pth exists are
# skipped, interrupted ones resume (--resume).
set -euo pipefail
cd "$(dirname "$0")/../.."
SEEDS=${SEEDS:-"0 1 2"}
WORK=${WORK:-work_dirs/topdown_fashion-mnist}
ARCH=${ARCH:-lenetfc}
ATTACK_SAMPLES=${ATTACK_SAMPLES:-500}
ATTACKS=${ATTACKS:-"fgm pgd deepfool gaussian"}
SCALE_ATTACKS=${SCALE_ATTACKS:-"fgm deepfool"}
SCALE_SAMPLES=${SCALE_SAMPLES:-$ATTACK_SAMPLES}
LOC_SAMPLES=${LOC_SAMPLES:-10000}
PY=${PYTHON:-python}

nseeds=$(echo $SEEDS | wc -w)
echo "Top-Down Fashion-MNIST experiment: ${ARCH}, modes bu td td-uni td-rev," \
     "seeds ${SEEDS} ($((4 * nseeds)) runs of 4 epochs), results in ${WORK}."
echo "Expected duration on 2 CPU cores: training ~$((55 * nseeds)) min on an idle" \
     "machine, up to ~$((110 * nseeds)) min when the cores are shared; then" \
     "30-60 min of attacks and 1-2 min of Grad-CAM."
start=$(date +%s)

for seed in $SEEDS; do
    for mode in bu td td-uni td-rev; do
        name="${mode}_${ARCH}_fashion-mnist"
        dir="$WORK/${name}_seed${seed}"
        if [ -f "$dir/epoch_4.pth" ]; then
            echo "[skip] $dir/epoch_4.pth exists"
            continue
        fi
        resume=()
        if [ -f "$dir/last_checkpoint" ]; then
            resume=(--resume)
        fi
        echo "[$(( ($(date +%s) - start) / 60 )) min] training $name seed $seed"
        $PY tools/train.py "configs/topdown/${name}.py" --work-dir "$dir" \
            "${resume[@]}" --cfg-options randomness.seed="$seed"
    done
done

seed0=$(echo $SEEDS | awk '{print $1}')
BU_CFG="configs/topdown/bu_${ARCH}_fashion-mnist.py"
TD_CFG="configs/topdown/td_${ARCH}_fashion-mnist.py"
BU_CKPT="$WORK/bu_${ARCH}_fashion-mnist_seed${seed0}/epoch_4.pth"
TD_CKPT="$WORK/td_${ARCH}_fashion-mnist_seed${seed0}/epoch_4.pth"

elapsed() { echo "[$(( ($(date +%s) - start) / 60 )) min]"; }
if [ ! -f "$WORK/attack_seed${seed0}/attack.json" ]; then
    echo "$(elapsed) attacks (BU vs TD, seed $seed0)"
    # shellcheck disable=SC2086
    $PY tools/topdown/attack.py "$BU_CFG" "$BU_CKPT" --compare "$TD_CFG" "$TD_CKPT" \
        --attacks $ATTACKS --num-samples "$ATTACK_SAMPLES" \
        --out-dir "$WORK/attack_seed${seed0}"
fi
for k in 0 1 2; do
    out="$WORK/attack_scale${k}_seed${seed0}"
    [ -f "$out/attack.json" ] && continue
    echo "$(elapsed) attacks on TD input scale $k only (seed $seed0)"
    # shellcheck disable=SC2086
    $PY tools/topdown/attack.py "$TD_CFG" "$TD_CKPT" --scale "$k" \
        --attacks $SCALE_ATTACKS --num-samples "$SCALE_SAMPLES" --out-dir "$out"
done

for seed in $SEEDS; do
    out="$WORK/localization_seed${seed}"
    [ -f "$out/localization.json" ] && continue
    echo "$(elapsed) Grad-CAM localisation (BU vs TD, seed $seed)"
    $PY tools/topdown/localization.py \
        "$BU_CFG" "$WORK/bu_${ARCH}_fashion-mnist_seed${seed}/epoch_4.pth" \
        --compare "$TD_CFG" "$WORK/td_${ARCH}_fashion-mnist_seed${seed}/epoch_4.pth" \
        --threshold 0.2 --num-samples "$LOC_SAMPLES" --out-dir "$out"
done

$PY tools/topdown/report.py "$WORK" | tee "$WORK/report.md"
echo "done in $(( ($(date +%s) - start) / 60 )) min; tables in $WORK/report.md"
