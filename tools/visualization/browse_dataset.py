"""Save a grid of dataset samples with their object boxes and parts to PNG.

    python tools/visualization/browse_dataset.py CONFIG \
        [--phase train|val|test] [--mode original|transformed] [-n 16] \
        [--ncols 4] [--indices I ...] [--tile-size 224] [--out FILE.png] \
        [--cfg-options key=value ...]

``original``: the samples as the dataset gives them (after the loading
steps of the pipeline, ``Load*``); ``transformed``: after every pipeline
step except the final packing (``Pack*``), i.e. what the model sees, with
the boxes and parts moved by the transforms. Drawn: ``gt_bboxes`` (green),
``gt_keypoints`` (one colour per part; filled = visible, ring = not),
``proposals`` / ``part_boxes`` (orange); the class name is written above
each sample. Like mmpretrain's ``tools/visualization/browse_dataset.py``,
but saving one PNG (no display needed) and drawing boxes and parts.

Example (the committed preview of Cluttered Fashion-MNIST; CONFIG =
configs/cluttered_fashion_mnist/lenetfc_1xb128_cluttered-fashion-mnist.py)::

    python tools/visualization/browse_dataset.py CONFIG --phase test \
        -n 12 --ncols 6 --out work_dirs/cluttered_fashion_mnist/preview.png
"""
import argparse
import copy
import os
import os.path as osp

import cv2
from mmengine.config import Config, DictAction
from mmengine.dataset import Compose

from mmfg.registry import DATASETS
from mmfg.structures import PART_BOXES
from mmfg.utils import ConfigError, register_all_modules, run_with_clear_errors
from mmfg.visualization.annotations import draw_annotations, tile_images


def parse_args(argv=None):
    p = argparse.ArgumentParser(
        description='Save dataset samples with boxes and parts to a PNG')
    p.add_argument('config', help='config file')
    p.add_argument(
        '--phase',
        '-p',
        default='train',
        choices=['train', 'val', 'test'],
        help='which dataloader of the config (default: train)')
    p.add_argument(
        '--mode',
        '-m',
        default='original',
        choices=['original', 'transformed'],
        help='samples as loaded, or after the pipeline '
        '(default: original)')
    p.add_argument(
        '--show-number',
        '-n',
        type=int,
        default=16,
        help='number of samples (default: 16)')
    p.add_argument(
        '--indices',
        type=int,
        nargs='+',
        help='dataset indices to show (default: the first N)')
    p.add_argument('--ncols', type=int, default=4)
    p.add_argument(
        '--tile-size',
        type=int,
        default=224,
        help='enlarge small images (nearest neighbour, integer '
        'factor) to about this many pixels (default: 224)')
    p.add_argument(
        '--out',
        '-o',
        help='PNG file (default: work_dirs/'
        'browse_dataset/<config>_<phase>_<mode>.png)')
    p.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, key=value')
    return p.parse_args(argv)


def build_dataset(cfg, phase):
    """The ``phase`` dataset of ``cfg`` without its pipeline, and the
    pipeline's configs."""
    loader = cfg.get(f'{phase}_dataloader')
    if not loader or 'dataset' not in loader:
        raise ConfigError(f'the config has no {phase}_dataloader.dataset')
    ds_cfg = copy.deepcopy(loader.dataset)
    pipeline = ds_cfg.pop('pipeline', [])
    ds_cfg.pipeline = []
    return DATASETS.build(ds_cfg), list(pipeline)


def sample_views(dataset, pipeline, indices, mode):
    """Yield the results dict of each index: loading steps only
    (``original``) or every step but the packing (``transformed``)."""
    steps = [
        t for t in pipeline
        if not str(t.get('type', '')).split('.')[-1].startswith('Pack') and (
            mode == 'transformed'
            or str(t.get('type', '')).split('.')[-1].startswith('Load'))
    ]
    transform = Compose(steps)
    for i in indices:
        results = transform(dataset.get_data_info(i))
        if results is None:
            raise ConfigError(f'the pipeline dropped sample {i}')
        yield i, results


def main(argv=None):
    args = parse_args(argv)
    if not osp.isfile(args.config):
        raise FileNotFoundError(f'config file {args.config} does not exist')
    register_all_modules()
    cfg = Config.fromfile(args.config)
    if args.cfg_options:
        cfg.merge_from_dict(args.cfg_options)
    dataset, pipeline = build_dataset(cfg, args.phase)
    indices = args.indices or list(range(min(args.show_number, len(dataset))))
    bad = [i for i in indices if not 0 <= i < len(dataset)]
    if bad:
        raise ConfigError(f'indices {bad} are outside the {args.phase} '
                          f'dataset (0 .. {len(dataset) - 1})')
    classes = dataset.metainfo.get('classes') or ()
    tiles = []
    for i, res in sample_views(dataset, pipeline, indices, args.mode):
        img = res['img']
        scale = max(1, args.tile_size // max(img.shape[:2]))
        label = res.get('gt_label')
        name = (
            classes[int(label)]
            if label is not None and int(label) < len(classes) else label)
        extra = res.get('proposals')
        if extra is None:
            extra = res.get(PART_BOXES)
        tiles.append(
            draw_annotations(
                img,
                res.get('gt_bboxes'),
                res.get('gt_keypoints'),
                extra,
                scale=scale,
                title=f'#{i} {name}'))
    out = args.out or osp.join(
        'work_dirs', 'browse_dataset',
        f'{osp.splitext(osp.basename(args.config))[0]}_{args.phase}_'
        f'{args.mode}.png')
    os.makedirs(osp.dirname(osp.abspath(out)), exist_ok=True)
    grid = tile_images(tiles, args.ncols)
    if not cv2.imwrite(out, grid):
        raise OSError(f'could not write {out}')
    print(f'{len(tiles)} samples of {type(dataset).__name__} '
          f'({args.phase}, {args.mode}) saved to {out}')
    return out


if __name__ == '__main__':
    run_with_clear_errors(main)
