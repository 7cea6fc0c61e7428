"""The folder tool's predictions on saved canvases against the dataset
path: the same model evaluated by its own test dataset (the proposal file
that ``tools/proposals/generate.py`` made for the split), canvas by canvas.

    python -m experiments.inference.compare CONFIG CKPT PREDS.json \\
        LABELS.json [--json out.json]

``PREDS.json``: ``tools/inference.py ... --out PREDS.json --topk K`` with
K = the number of classes (every score written) over the folder of
``make_images.py`` (``canvas_<i>_<class>.png`` = test canvas ``i``).
Prints top-1 agreement, the largest score difference, the largest
difference of the top patch box, and both accuracies.
"""
import argparse
import json
import re

import numpy as np


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('preds', help='tools/inference.py --out (JSON)')
    p.add_argument('labels', help='labels.json of make_images.py')
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--json', help='write the numbers here')
    return p.parse_args(argv)


def dataset_path(config, checkpoint, num, batch_size):
    """Scores ``(num, C)`` and top boxes ``(num, 5)`` of the first ``num``
    test canvases through the config's own test dataset."""
    import torch
    from mmengine.dataset import pseudo_collate

    from mmfg.apis import init_model
    from mmfg.registry import DATASETS
    model = init_model(config, checkpoint)
    ds_cfg = model.cfg.test_dataloader.dataset.copy()
    ds_cfg['indices'] = num
    ds = DATASETS.build(ds_cfg)
    scores, boxes = [], []
    for lo in range(0, num, batch_size):
        items = [ds[i] for i in range(lo, min(num, lo + batch_size))]
        with torch.no_grad():
            preds = model.test_step(pseudo_collate(items))
        scores += [p.pred_score.numpy() for p in preds]
    for i in range(num):
        props = ds.get_data_info(i)['proposals']
        boxes.append(props[np.argsort(-props[:, 4], kind='stable')][0])
    return np.stack(scores), np.stack(boxes)


def main(argv=None):
    args = parse_args(argv)
    with open(args.preds) as f:
        rows = {r['path']: r for r in json.load(f)}
    with open(args.labels) as f:
        labels = json.load(f)
    names = sorted(labels, key=lambda n: int(re.findall(r'\d+', n)[0]))
    num = len(names)
    want, want_boxes = dataset_path(args.config, args.checkpoint, num,
                                    args.batch_size)
    got = np.zeros_like(want)
    got_boxes = np.zeros((num, 5), np.float32)
    for i, name in enumerate(names):
        row = rows[name]
        got[i, row['topk_labels']] = row['topk_scores']
        got_boxes[i] = row['patch_boxes'][0]
    truth = np.array([labels[n] for n in names])
    out = dict(
        images=num,
        top1_agreement=float((got.argmax(1) == want.argmax(1)).mean()),
        max_abs_score_diff=float(np.abs(got - want).max()),
        max_abs_box_diff_px=float(np.abs(got_boxes[:, :4] -
                                         want_boxes[:, :4]).max()),
        accuracy_folder_tool=float((got.argmax(1) == truth).mean() * 100),
        accuracy_dataset_path=float((want.argmax(1) == truth).mean() * 100))
    for key, value in out.items():
        print(f'{key}: {value:.6g}' if isinstance(value, float) else
              f'{key}: {value}')
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(out, f, indent=1)
    return out


if __name__ == '__main__':
    main()
