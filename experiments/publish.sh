#!/usr/bin/env bash
# Publish a finished experiment into the repository: the one step that writes
# tracked files. Copies WORK_DIR/logs/ and WORK_DIR/results/ (written by the
# method's run script) into experiments/METHOD/logs[/SUBDIR] and
# experiments/METHOD/results[/SUBDIR]; check the README's table against them.
#   bash experiments/publish.sh METHOD WORK_DIR [SUBDIR]
#   bash experiments/publish.sh fve work_dirs/fve
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -lt 2 ]; then
    echo "usage: $0 METHOD WORK_DIR [SUBDIR]" >&2
    exit 1
fi
method=$1 work=$2 sub=${3:-}
if [ ! -f "experiments/$method/README.md" ]; then
    echo "error: no experiment '$method' (experiments/$method/README.md)" >&2
    exit 1
fi
copied=0
for kind in logs results; do
    if [ -d "$work/$kind" ]; then
        dest="experiments/$method/$kind${sub:+/$sub}"
        mkdir -p "$dest"
        cp -r "$work/$kind/." "$dest/"
        echo "copied $work/$kind -> $dest"
        copied=1
    fi
done
if [ "$copied" = 0 ]; then
    echo "error: $work has no logs/ or results/ to publish; run experiments/$method/run.sh first" >&2
    exit 1
fi
