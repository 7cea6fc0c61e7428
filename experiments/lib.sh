# Sourced by the experiments' run scripts (experiments/<method>/run.sh).
# The scripts write only under work_dirs/; experiments/publish.sh copies a
# finished run's logs/ and results/ into the repository.

require() {  # FILE COMMAND: stop with one line naming the command that makes FILE
    if [ ! -e "$1" ]; then
        echo "error: $1 is missing; make it with: $2" >&2
        exit 2
    fi
}

finished() {  # DIR EPOCHS: the run's final test-set evaluation is logged
    grep -qs "accuracy/top1.*\"step\": $2}" "$1"/*/vis_data/scalars.json &&
        [ -f "$1/epoch_$2.pth" ]
}

same_budget() {  # DIR EPOCHS: stop if DIR holds a run made for another epoch count
    # (resuming it would mix two schedules); the config dump MMEngine writes
    # into the work dir records train_cfg.max_epochs
    local dump
    dump=$(ls "$1"/*.py 2>/dev/null | head -1 || true)
    [ -n "$dump" ] || return 0
    if ! grep -Eq "max_epochs=$2[,)]" "$dump"; then
        echo "error: $1 holds a run made for another number of epochs than $2" \
            "(see its $(basename "$dump")); use another WORK or move it away" >&2
        exit 2
    fi
}

copy_log() {  # RUN_DIR DEST: the run's training logs, one per start (a resumed
    # run has several), oldest first (their <timestamp> names sort in time order)
    mkdir -p "$(dirname "$2")"
    cat "$1"/2*/2*.log > "$2"
}

seed_sweep() {  # CONFIG_DIR: train configs/CONFIG_DIR/<name>.py for every name in
    # $CONFIGS and seed in $SEEDS (seeds outer, so that an interrupted sweep has
    # whole seeds) into $WORK/<name>_seed<N>; finished runs ($EPOCHS epochs)
    # are skipped, interrupted ones resume (--resume); each run's log is copied
    # to $LOGS/<name>_seed<N>.log; then the table of the final test accuracies.
    # Uses SEEDS, CONFIGS, WORK, LOGS, PY, EPOCHS and LOCK (a file held with
    # flock around every run; unset or empty = no lock).
    local locked=() start seed name dir resume
    if [ -n "${LOCK:-}" ]; then
        locked=(flock "$LOCK")
    fi
    mkdir -p "$LOGS"
    start=$(date +%s)
    for seed in $SEEDS; do
        for name in $CONFIGS; do
            dir="$WORK/${name}_seed${seed}"
            if finished "$dir" "$EPOCHS"; then
                echo "[skip] $dir finished"
            else
                resume=()
                if [ -f "$dir/last_checkpoint" ]; then
                    resume=(--resume)
                fi
                echo "[$(( ($(date +%s) - start) / 60 )) min] training $name seed $seed"
                "${locked[@]}" $PY tools/train.py "configs/$1/${name}.py" \
                    --work-dir "$dir" "${resume[@]}" \
                    --cfg-options randomness.seed="$seed"
            fi
            cat "$dir"/2*/2*.log > "$LOGS/${name}_seed${seed}.log"
        done
    done
    echo "[$(( ($(date +%s) - start) / 60 )) min] done"
    $PY tools/analysis_tools/collect_results.py "$WORK"
}
