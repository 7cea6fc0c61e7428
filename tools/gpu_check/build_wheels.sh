#!/usr/bin/env bash
# Prepare, on a machine with pip access to PyPI, the packages the GPU check
# machine lacks (Python 3.12, torch 2.11.0+cu130, no network), into an ignored
# folder that the check carries (docs/gpu_check.md):
#
#   bash tools/gpu_check/build_wheels.sh [--dry-run] [OUT_DIR]   (default .whl)
#
#   OUT_DIR/*.whl            cp312 / pure-Python wheels: mmengine, mmpretrain,
#                            mmdet, their dependencies missing there, and an
#                            mmfg wheel of this checkout;
#   OUT_DIR/mmcv/mmcv-2.1.0.tar.gz
#                            the mmcv sdist (PyPI has no cp312 CUDA wheel; the
#                            GPU machine builds its ops with its nvcc);
#   OUT_DIR/mmcv/mmcv-2.1.0-py3-none-any.whl
#                            mmcv without ops (MMCV_WITH_OPS=0), the fallback
#                            when that build fails or runs out of time;
#   OUT_DIR/compat/setuptools-80.9.0-py3-none-any.whl
#                            installed there only if its setuptools has no
#                            pkg_resources (>= 81), which mmengine imports.
#
# --dry-run prints what would be fetched or built and touches nothing.
# A default OUT_DIR inside the repository is added to .git/info/exclude (never
# to the committed .gitignore). The total must stay under the 64 MiB that one
# device call carries.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
DRY=0
OUT_DIR=
for arg in "$@"; do
    case "$arg" in
        --dry-run) DRY=1 ;;
        -h|--help) sed -n '2,22p' "$0"; exit 0 ;;
        -*) echo "error: unknown option $arg; usage: bash tools/gpu_check/build_wheels.sh [--dry-run] [OUT_DIR]" >&2; exit 2 ;;
        *) OUT_DIR=$arg ;;
    esac
done
OUT_DIR=${OUT_DIR:-$ROOT/.whl}
PY=${PYTHON:-python3}
LIMIT_MIB=${CARRY_LIMIT_MIB:-64}

# Packages the GPU machine lacks (its list: numpy, scipy, matplotlib,
# opencv-python-headless, rich, pyyaml, click, markdown, tqdm, six, pillow,
# packaging, zipp, einops, tabulate, ... are there). Pure-Python unless noted;
# the versions of the CPU environment the tests run in.
WHEELS=(
    mmengine==0.10.7
    mmpretrain==1.2.0
    mmdet==3.3.0
    addict==2.4.0          # mmengine, mmcv
    yapf==0.43.0           # mmengine, mmcv
    platformdirs==4.14.9   # yapf
    termcolor==3.3.0       # mmengine
    mat4py==0.6.0          # mmpretrain
    model-index==0.1.11    # mmpretrain (module modelindex)
    ordered-set==4.1.0     # model-index
    importlib-metadata==10.2.0 # mmpretrain
    lazy-importer==0.1.0   # importlib-metadata
    terminaltables==3.1.10 # mmdet
    pycocotools==2.0.11    # mmdet (cp312 manylinux wheel)
    shapely==2.2.0         # mmdet (cp312 manylinux wheel)
)
PLATFORMS=(manylinux_2_28_x86_64 manylinux_2_27_x86_64 manylinux_2_17_x86_64
           manylinux2014_x86_64 manylinux1_x86_64 manylinux_2_5_x86_64)

if [ "$DRY" = 1 ]; then
    echo "would write to $OUT_DIR:"
    for w in "${WHEELS[@]}"; do echo "  wheel  $w (cp312, --no-deps)"; done
    echo "  sdist  mmcv==2.1.0 -> mmcv/"
    echo "  wheel  mmcv==2.1.0 without ops (MMCV_WITH_OPS=0, py3-none-any) -> mmcv/"
    echo "  wheel  setuptools==80.9.0 -> compat/ (used only without pkg_resources)"
    echo "  wheel  mmfg from $ROOT (pip wheel --no-deps --no-build-isolation)"
    echo "limit: ${LIMIT_MIB} MiB in all"
    exit 0
fi

mkdir -p "$OUT_DIR/mmcv" "$OUT_DIR/compat"
case "$(cd "$OUT_DIR" && pwd)/" in
    "$ROOT"/*)
        rel="/$(cd "$OUT_DIR" && pwd | sed "s#^$ROOT/##")/"
        mkdir -p "$ROOT/.git/info"
        grep -qxF "$rel" "$ROOT/.git/info/exclude" 2>/dev/null \
            || echo "$rel" >> "$ROOT/.git/info/exclude"
        ;;
esac

plat_args=()
for p in "${PLATFORMS[@]}"; do plat_args+=(--platform "$p"); done
echo "[build_wheels] downloading cp312 wheels"
"$PY" -m pip download -q --no-deps --only-binary=:all: --python-version 3.12 \
    --implementation cp --abi cp312 --abi abi3 --abi none "${plat_args[@]}" \
    --platform any -d "$OUT_DIR" "${WHEELS[@]}"

"$PY" -m pip download -q --no-deps --only-binary=:all: -d "$OUT_DIR/compat" setuptools==80.9.0

echo "[build_wheels] mmcv 2.1.0 sdist and its no-ops wheel"
"$PY" -m pip download -q --no-deps --no-binary=:all: -d "$OUT_DIR/mmcv" mmcv==2.1.0
rm -f "$OUT_DIR"/mmcv/mmcv-*.whl
# setup.py of mmcv imports torch; no ops are compiled with MMCV_WITH_OPS=0
MMCV_WITH_OPS=0 "$PY" -m pip wheel -q --no-deps --no-build-isolation \
    -w "$OUT_DIR/mmcv" "$OUT_DIR/mmcv/mmcv-2.1.0.tar.gz"

echo "[build_wheels] mmfg wheel of this checkout"
rm -f "$OUT_DIR"/mmfg-*.whl
tmp=$(mktemp -d)
(cd "$ROOT" && "$PY" -m pip wheel -q --no-deps --no-build-isolation -w "$tmp" .)
mv "$tmp"/mmfg-*.whl "$OUT_DIR"/
rm -rf "$tmp"

echo "[build_wheels] $OUT_DIR:"
(cd "$OUT_DIR" && find . -type f -printf '%s\t%p\n' | sort -k2 \
    | awk '{printf "  %8.2f MiB  %s\n", $1/1048576, $2}')
total=$(du -sb "$OUT_DIR" | cut -f1)
printf '[build_wheels] total %.2f MiB (limit %s MiB for the whole carried tree)\n' \
    "$(echo "$total / 1048576" | bc -l)" "$LIMIT_MIB"
if [ "$total" -gt $((LIMIT_MIB * 1048576)) ]; then
    echo "error: $OUT_DIR is $total bytes, over the ${LIMIT_MIB} MiB a device call carries; drop a package or split the check" >&2
    exit 1
fi
