"""CorLoc and recall at N of a proposal file against a dataset's true boxes.

    python tools/proposals/evaluate.py PROPOSAL_FILE --dataset-config CFG \
        [--split test] [--num-images N] [--nums 1 4 10] [--iou 0.5] \
        [--parts K] [--inside-thr 0.5]

``--parts K`` adds the part metrics of the first K (top-scored) boxes:
``recall@K`` (the object covered, IoU >= ``--iou``, by one of them),
``parts_inside@K`` (share of part boxes with at least ``--inside-thr`` of
their area inside the object box), ``mean_parts_inside@K`` and
``mean_inside_fraction@K`` (``mmfg.proposals.metrics.part_scores``).

The file is loaded as a dataset of ``CFG`` (``test_dataloader``) loads it
(all validation on load applies; a ``.pkl`` file is read as data only and
read first, before the dataset is built); boxes and true boxes are compared
in original-image pixels.
"""
import argparse
import json

from mmfg.utils import run_with_clear_errors


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('proposal_file')
    p.add_argument('--dataset-config', required=True)
    p.add_argument('--split', default='test')
    p.add_argument('--num-images', type=int)
    p.add_argument('--nums', type=int, nargs='+', default=[1, 4, 5, 10])
    p.add_argument('--iou', type=float, default=0.5)
    p.add_argument(
        '--parts',
        type=int,
        help='K: add the part metrics of the first K boxes (recall@K, '
        'share / mean number of parts inside the object)')
    p.add_argument(
        '--inside-thr',
        type=float,
        default=0.5,
        help='part metrics: the fraction of a part box\'s area that must lie '
        'inside the object box')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from mmfg.apis.model import load_config
    from mmfg.datasets.proposals import load_proposal_file, read_proposal_file
    from mmfg.proposals import localization_scores
    from mmfg.proposals.metrics import part_scores
    from mmfg.proposals.runner import build_split
    from mmfg.utils import DataError, register_all_modules

    register_all_modules()
    read_proposal_file(args.proposal_file)  # its own errors first
    dataset = build_split(
        load_config(args.dataset_config), args.split, args.num_images)
    infos = [dataset.get_data_info(i) for i in range(len(dataset))]
    if not all('gt_bboxes' in info for info in infos):
        raise DataError(f'{type(dataset).__name__} ({args.split}) has no '
                        'true boxes (with_bbox=True) to evaluate against')
    keys = [dataset.proposal_key(info) for info in infos]
    props = load_proposal_file(args.proposal_file, keys)
    scores = localization_scores([props[k] for k in keys],
                                 [info['gt_bboxes'] for info in infos],
                                 nums=args.nums,
                                 iou_thr=args.iou)
    if args.parts:
        scores.update(
            part_scores([props[k] for k in keys],
                        [info['gt_bboxes'] for info in infos],
                        num_parts=args.parts,
                        iou_thr=args.iou,
                        inside_thr=args.inside_thr))
        scores['inside_thr'] = args.inside_thr
    print(
        json.dumps(dict(proposal_file=args.proposal_file, **scores), indent=1))


if __name__ == '__main__':
    run_with_clear_errors(main)
