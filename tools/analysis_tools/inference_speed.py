"""Images per second of a part/patch model's whole inference chain (patch
source -> crops -> classifier) against the classifier alone, as ratios
measured in one run.

    python tools/analysis_tools/inference_speed.py CONFIG CKPT IMAGES...
        --patches SOURCE ARGS... [--baseline CONFIG CKPT]
        [--batch-size 32] [--repeats 3] [--json out.json]

``IMAGES`` are image files or folders (their images, sorted). The images
are decoded once up front (arrays), so every row times the same work
without disk reads. Rows, each run ``--repeats`` times, interleaved (the
median counts):

* ``chain``: :class:`mmfg.apis.FGInferencer` with the patch source;
* ``patch source``: the source alone on the same batches;
* ``crops + classifier``: the part model with the chain's boxes given
  (explicit boxes: the cost of the model without the source);
* ``baseline``: ``--baseline`` CONFIG CKPT alone (e.g. the global stream),
  when given.

Ratios are to the baseline when given, else to ``crops + classifier``.
"""
import argparse
import json
import statistics
import time

from mmfg.utils import ConfigError, run_with_clear_errors


def parse_args(argv=None):
    from mmfg.apis import PATCHES_HELP
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='part/patch model config')
    p.add_argument('checkpoint', help='its checkpoint')
    p.add_argument('images', nargs='+', help='image files or folders')
    p.add_argument(
        '--patches',
        nargs='+',
        required=True,
        metavar='ARG',
        help=PATCHES_HELP)
    p.add_argument(
        '--baseline',
        nargs=2,
        metavar=('CONFIG', 'CKPT'),
        help='a classifier to compare with (e.g. the global stream)')
    p.add_argument('--batch-size', type=int, default=32)
    p.add_argument('--repeats', type=int, default=3)
    p.add_argument('--max-images', type=int, help='first N images only')
    p.add_argument('--device', default='cpu')
    p.add_argument('--json', help='write the table here')
    return p.parse_args(argv)


def list_images(items, limit=None):
    """Image files of ``items`` (files, or folders: their images)."""
    import os.path as osp

    from mmfg.apis.folder import list_images as folder_images
    paths = []
    for item in items:
        if osp.isdir(item):
            paths += folder_images(item)
        elif osp.isfile(item):
            paths.append(item)
        else:
            raise FileNotFoundError(f'image or folder {item} does not exist')
    return paths[:limit] if limit else paths


def timed(fn, num):
    """Images per second of ``fn()`` over ``num`` images."""
    start = time.perf_counter()
    fn()
    return num / (time.perf_counter() - start)


def main(argv=None):
    args = parse_args(argv)
    if args.batch_size < 1 or args.repeats < 1:
        raise ConfigError('--batch-size and --repeats must be >= 1')
    from mmfg.apis import ExplicitBoxes, FGInferencer, patch_source_from_args
    paths = list_images(args.images, args.max_images)
    source = patch_source_from_args(args.patches, device=args.device)
    chain = FGInferencer(
        args.config, args.checkpoint, device=args.device, patches=source)
    imgs = [chain.load_image(p) for p in paths]
    bs, n = args.batch_size, len(imgs)

    def run_chain():
        return chain(imgs, batch_size=bs, show_progress=False)

    def run_source():
        for lo in range(0, n, bs):
            source(imgs[lo:lo + bs], [None] * len(imgs[lo:lo + bs]))

    boxes = [r['patch_boxes'] for r in run_chain()]  # warm-up + the boxes
    given = FGInferencer(
        args.config,
        args.checkpoint,
        device=args.device,
        patches=ExplicitBoxes(boxes))

    def run_given():
        return given(imgs, batch_size=bs, show_progress=False)

    rows = {
        'chain': run_chain,
        'patch source': run_source,
        'crops + classifier': run_given
    }
    if args.baseline:
        base = FGInferencer(*args.baseline, device=args.device)
        rows['baseline'] = lambda: base(
            imgs, batch_size=bs, show_progress=False)
    for fn in rows.values():  # warm-up
        fn()
    rates = {name: [] for name in rows}
    for _ in range(args.repeats):
        for name, fn in rows.items():
            rates[name].append(timed(fn, n))
    ref = 'baseline' if args.baseline else 'crops + classifier'
    table = {
        name:
        dict(
            images_per_s=statistics.median(r),
            ratio=statistics.median(r) / statistics.median(rates[ref]))
        for name, r in rates.items()
    }
    print(f'{n} images, batch {bs}, {args.repeats} repeats (median), '
          f'device {args.device}; ratio = images/s / {ref} images/s')
    print('| row | images/s | ratio |\n| --- | --- | --- |')
    for name, row in table.items():
        print(f'| {name} | {row["images_per_s"]:.1f} | '
              f'{row["ratio"]:.3f} |')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(
                dict(
                    config=args.config,
                    patches=args.patches,
                    baseline=args.baseline,
                    images=n,
                    batch_size=bs,
                    repeats=args.repeats,
                    device=args.device,
                    reference=ref,
                    rows=table),
                f,
                indent=1)
    return table


if __name__ == '__main__':
    run_with_clear_errors(main)
