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

copy_log() {  # RUN_DIR DEST: the run's newest training log
    mkdir -p "$(dirname "$2")"
    cat "$(ls -t "$1"/2*/2*.log | head -1)" > "$2"
}
