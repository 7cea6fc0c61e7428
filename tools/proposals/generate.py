"""N proposals per image of a dataset split from a trained MMDetection
detector (RPN / Faster R-CNN), written as an mmfg proposal file (v2) keyed
by the dataset's image keys.

    python tools/proposals/generate.py DET_CONFIG DET_CKPT \
        --dataset-config CFG --split {train,test} --out FILE.json \
        [--num-boxes 10] [--nms-iou 0.5] [--num-images N] [--batch-size 64]

Images come from the mmfg dataset of ``CFG``'s ``test_dataloader`` (with
``--split``), in their ORIGINAL size (no mmfg pipeline); the detector's own
test pipeline (image loading replaced by an in-memory load, annotation
loading dropped) runs on them, its boxes (already in original pixels) are
reduced by ``mmcv.ops.nms`` at ``--nms-iou`` to the ``--num-boxes`` best.
With true boxes in the dataset, CorLoc and recall at N are printed.
"""
import argparse
import json
import os
import os.path as osp

from mmfg.utils import run_with_clear_errors


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('det_config')
    p.add_argument('det_checkpoint')
    p.add_argument(
        '--dataset-config',
        required=True,
        help='mmfg config whose test_dataloader dataset gives the images '
        'and keys')
    p.add_argument('--split', default='test')
    p.add_argument('--out', required=True, help='proposal file to write')
    p.add_argument('--num-boxes', type=int, default=10)
    p.add_argument('--nms-iou', type=float, default=0.5)
    p.add_argument('--num-images', type=int, help='first N images only')
    p.add_argument(
        '--pad-split',
        action='store_true',
        help='with --num-images: give the other images of the split an '
        'empty entry ([]), so that the file loads in the full split and a '
        'config takes the first N with indices=N (the empty entries are '
        'never used then)')
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--metrics-out', help='write CorLoc / recall here')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from mmfg.apis.model import load_config
    from mmfg.apis.patch_sources import load_detector
    from mmfg.datasets.proposals import dump_proposal_file
    from mmfg.proposals import localization_scores
    from mmfg.proposals.detector import detector_proposals, empty_entries
    from mmfg.proposals.runner import build_split
    from mmfg.utils import register_all_modules

    register_all_modules()
    dataset = build_split(
        load_config(args.dataset_config), args.split, args.num_images)
    dataset.pipeline = None  # original images from get_data_info
    model = load_detector(args.det_config, args.det_checkpoint)
    props, sizes, gts, seconds = detector_proposals(
        model,
        dataset,
        num_boxes=args.num_boxes,
        nms_iou=args.nms_iou,
        batch_size=args.batch_size)
    n = len(props)
    if args.pad_split and args.num_images:
        full = build_split(load_config(args.dataset_config), args.split)
        full.pipeline = None
        pad, pad_sizes = empty_entries(full, start=n)
        props.update(pad)
        sizes.update(pad_sizes)
        print(f'\n--pad-split: {len(full) - n} more images of the split '
              'with an empty entry')
    dump_proposal_file(args.out, props, image_sizes=sizes)
    summary = dict(split=args.split, num_images=n, images_per_s=n / seconds)
    print(f'\n{args.out}: {n} images with proposals, '
          f'{sum(len(v) for v in props.values())} boxes, '
          f'{n / seconds:.1f} images/s')
    if any(len(g) for g in gts):
        summary.update(
            localization_scores(
                list(props.values())[:n], gts, nums=(1, 4, 5, 10)))
    print(json.dumps(summary, indent=1))
    if args.metrics_out:
        os.makedirs(osp.dirname(osp.abspath(args.metrics_out)), exist_ok=True)
        with open(args.metrics_out, 'w') as f:
            json.dump(summary, f, indent=1)


if __name__ == '__main__':
    run_with_clear_errors(main)
