#!/usr/bin/env bash
# The part stream alone of trained FVE / GAP two-stream models (experiments/fve/README.md):
# tools/test.py with model.fusion_weights=(0, 1), i.e. prediction = the part
# stream's log-softmax. NAMES (configs), SEEDS; checkpoints from
# experiments/fve/run.sh (work_dirs/fve/<config>_seed<N>/epoch_2.pth); logs in
# work_dirs/fve/logs/partonly_<config>_seed<N>.log.
#   NAMES="fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts" SEEDS="0 1 2" bash experiments/fve/part_stream_eval.sh
set -eu
cd "$(dirname "$0")/../.."
source experiments/lib.sh
mkdir -p work_dirs/fve/logs
for name in $NAMES; do
  for seed in $SEEDS; do
    d=work_dirs/fve/${name}_seed${seed}
    require "$d/epoch_2.pth" "SEEDS=$seed CONFIGS=$name bash experiments/fve/run.sh"
    out=work_dirs/fve/logs/partonly_${name}_seed${seed}.log
    [ -s "$out" ] && grep -q "accuracy/top1" "$out" && continue
    flock /tmp/mmfg-heavy.lock python tools/test.py configs/fve/${name}.py $d/epoch_2.pth \
      --work-dir work_dirs/fve/partonly/${name}_seed${seed} \
      --cfg-options "model.fusion_weights=(0.,1.)" > $out 2>&1
    grep "accuracy/top1" $out | tail -1
  done
done
