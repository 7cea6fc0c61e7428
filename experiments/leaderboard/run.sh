#!/usr/bin/env bash
# The leaderboard runs (experiments/leaderboard/README.md): every row of one
# benchmark of the spec (experiments/leaderboard/leaderboard.yml) at the
# benchmark's budget for every seed, then the cost of each row against its
# baseline row, then the table.
#
#   bash experiments/leaderboard/run.sh                       # cluttered-fashion-mnist, every row
#   bash experiments/leaderboard/run.sh cluttered-fashion-mnist lenetfc gasa
#   PLAN=1 bash experiments/leaderboard/run.sh                # rows x seeds: done / partial / todo
#   bash experiments/leaderboard/run.sh --plan cluttered-fashion-mnist
#   LOCK= bash experiments/leaderboard/run.sh cub             # GPU machine, real data
#
# 1. for every seed (outer) and row: tools/train.py CONFIG --work-dir
#    $WORK/<benchmark>/<row>_seed<N> --cfg-options randomness.seed=N <budget options>
#    (the options come from the spec: tools/analysis_tools/leaderboard.py
#    --runs prints them); finished runs are skipped, interrupted ones resume
#    (--resume), a work dir made for another epoch count stops the script
#    (same_budget); each run's log is copied to
#    $WORK/logs/<benchmark>/<row>_seed<N>.log;
#    a dataset folder or a file the config reads (proposal file, pre-trained
#    weights) that is missing stops the script before the first training
#    with one line naming the command that makes it (the spec's `prepare`;
#    tools/analysis_tools/leaderboard.py --prerequisites lists them all);
#    a row with `publish` (lenetfc: the RACNN rows' full-resolution
#    network) runs that seed first and publishes its last checkpoint
#    (tools/misc/publish_model.py) where the other rows read it, with
#    <file>.source naming the checkpoint and its sha256; a published file
#    that does not name this run's checkpoint stops the script (a stale copy);
# 2. cost (COST=1): per row, tools/analysis_tools/benchmark.py ROW_CONFIG
#    --baseline BASELINE_CONFIG (parameters, FLOPs, training and inference
#    step timed in one process, interleaved) ->
#    $WORK/results/<benchmark>/cost/<row>.json;
# 3. the table from $WORK/logs and $WORK/results (--allow-missing).
# Publish with: bash experiments/publish.sh leaderboard $WORK (copies
# $WORK/logs and $WORK/results into experiments/leaderboard/), then
#   python tools/analysis_tools/leaderboard.py --benchmark B --out experiments/leaderboard/README.md
#
# Environment: SEEDS (the spec's; a subset of them), WORK
# (work_dirs/leaderboard), SPEC (experiments/leaderboard/
# leaderboard.yml), PYTHON, LOCK (/tmp/mmfg-cpu.lock, held with flock around
# every training and cost measurement: heavy jobs one at a time; empty = no
# lock), COST (1; 0 skips step 2), BENCH_ARGS (more benchmark.py arguments,
# e.g. "--device cuda"), EXTRA (more --cfg-options for every training, e.g. a
# smoke run: EXTRA="train_cfg.max_epochs=1 train_dataloader.dataset.indices=256";
# such runs are not leaderboard runs: the table refuses their logs), PLAN=1
# (print the plan and stop).
set -euo pipefail
cd "$(dirname "$0")/../.."
source experiments/lib.sh
if [ "${1:-}" = --plan ]; then
    PLAN=1
    shift
fi
BENCH=${1:-cluttered-fashion-mnist}
shift || true
ROWS=("$@")
SPEC=${SPEC:-experiments/leaderboard/leaderboard.yml}
WORK=${WORK:-work_dirs/leaderboard}
RUNS=$WORK/$BENCH
LOGS=$WORK/logs/$BENCH
COSTS=$WORK/results/$BENCH/cost
PY=${PYTHON:-python}
LOCK=${LOCK-/tmp/mmfg-cpu.lock}
COST=${COST:-1}
read -r -a EXTRA_OPTS <<< "${EXTRA:-}"
read -r -a BENCH_OPTS <<< "${BENCH_ARGS:-}"
seed_opt=()
if [ -n "${SEEDS:-}" ]; then
    read -r -a seed_list <<< "$SEEDS"
    seed_opt=(--seeds "${seed_list[@]}")
fi
LB=(tools/analysis_tools/leaderboard.py --spec "$SPEC" --benchmark "$BENCH")

if [ -n "${PLAN:-}" ]; then
    $PY "${LB[@]}" --plan "$RUNS" "${ROWS[@]}" "${seed_opt[@]}"
    exit 0
fi
locked=()
if [ -n "$LOCK" ]; then
    locked=(flock "$LOCK")
fi
runs=$($PY "${LB[@]}" --runs "${ROWS[@]}" "${seed_opt[@]}")
# every prerequisite before the first training (one line, the command; a
# file published by a run of this selection counts as made)
# shellcheck disable=SC2046
$PY "${LB[@]}" --prerequisites $(cut -f1 <<< "$runs" | sort -u) "${seed_opt[@]}" > /dev/null
# a file a row publishes must come from that row's run here: a copy from
# another WORK, budget or seed would silently start the rows that read it
source_of() {  # CHECKPOINT: the provenance line run.sh writes to <publish>.source
    local sum=none
    if [ -f "$1" ]; then sum=$(sha256sum < "$1" | cut -d' ' -f1); fi
    echo "$1 sha256:$sum"
}
while IFS=$'\t' read -r row seed _ _ epochs publish _; do
    if [ "$publish" = - ] || [ ! -e "$publish" ]; then continue; fi
    src="$RUNS/${row}_seed${seed}/epoch_${epochs}.pth"
    if [ "$(cat "$publish.source" 2>/dev/null || true)" != "$(source_of "$src")" ]; then
        echo "error: $publish was not published from $src (no $publish.source," \
            "or it names another run or checkpoint: a stale copy); move it away" \
            "and rerun, which publishes it again from that run" >&2
        exit 2
    fi
done <<< "$($PY "${LB[@]}" --runs)"  # every row and seed: a selection may only read it
mkdir -p "$LOGS"
start=$(date +%s)
elapsed() { echo "[$(( ($(date +%s) - start) / 60 )) min]"; }
echo "leaderboard $BENCH: $(wc -l <<< "$runs") runs in $RUNS"
while IFS=$'\t' read -r row seed config _ epochs publish opts; do
    dir="$RUNS/${row}_seed${seed}"
    if finished "$dir" "$epochs"; then
        echo "[skip] $dir finished"
    else
        # (lib.sh's same_budget stops a set -o pipefail script on a dir
        # without a dump: call it only where there is one)
        if compgen -G "$dir/*.py" > /dev/null; then
            same_budget "$dir" "$epochs"
        fi
        resume=()
        if [ -f "$dir/last_checkpoint" ]; then
            resume=(--resume)
        fi
        echo "$(elapsed) training $row seed $seed"
        read -r -a budget <<< "$opts"
        "${locked[@]}" $PY tools/train.py "$config" --work-dir "$dir" \
            "${resume[@]}" --cfg-options randomness.seed="$seed" \
            "${budget[@]}" "${EXTRA_OPTS[@]}" < /dev/null
    fi
    # every start of the run, oldest first (a resumed run has two)
    cat "$dir"/2*/2*.log > "$LOGS/${row}_seed${seed}.log"
    if [ "$publish" != - ] && [ ! -e "$publish" ]; then
        if [ ${#EXTRA_OPTS[@]} -gt 0 ]; then  # not a leaderboard run
            echo "[skip] publishing $dir to $publish (EXTRA is set)"
        else
            mkdir -p "$(dirname "$publish")"
            $PY tools/misc/publish_model.py "$dir/epoch_$epochs.pth" "$publish"
            source_of "$dir/epoch_$epochs.pth" > "$publish.source"
        fi
    fi
done <<< "$runs"

if [ "$COST" = 1 ]; then
    mkdir -p "$COSTS"
    while IFS=$'\t' read -r row config base; do
        out="$COSTS/$row.json"
        [ -f "$out" ] && continue
        echo "$(elapsed) cost of $row against $base"
        "${locked[@]}" $PY tools/analysis_tools/benchmark.py "$config" \
            --baseline "$base" --json "$out" "${BENCH_OPTS[@]}" < /dev/null
    done < <(cut -f1,3,4 <<< "$runs" | sort -u -k1,1)
fi
echo "$(elapsed) done"
$PY "${LB[@]}" --logs "$WORK/logs" --results "$WORK/results" --allow-missing
