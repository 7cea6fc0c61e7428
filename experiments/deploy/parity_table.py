"""The ONNX parity table: every method's tiny config exported with a
dynamic batch (``mmfg.deployment.export_checkpoint``), then onnxruntime
(CPU) against the PyTorch model's ``test_step`` (``pred_score``) on the same
preprocessed batches: scikit-image's bundled photos (through the config's
test pipeline; part/patch models with explicit boxes) and the first N images
of the config's test split. Also the latency of onnxruntime relative to
PyTorch (the same wrapper the graph was traced from, on the same tensors),
measured interleaved in one run on one thread each (ratios only).

    python -m experiments.deploy.parity_table --out parity.json
        [--num-dataset 500] [--repeats 30] [--checkpoint-dir DIR]

Random-init weights (seed 0) unless ``--checkpoint-dir`` holds
``<config stem>.pth``: parity is a property of the graph.
"""
import argparse
import json
import os
import os.path as osp
import statistics
import tempfile
import time

import numpy as np
import torch

#: (method, config under configs/, cfg_options, note)
METHODS = [
    ('mmpretrain LeNet-5', 'baselines/lenet5_fashion-mnist.py', {}, ''),
    ('RACNN', 'racnn/racnn_lenet5_fashion-mnist-lr8.py', {}, ''),
    ('Top-Down BU', 'topdown/bu_lenetfc_fashion-mnist.py', {}, ''),
    ('Top-Down TD', 'topdown/td_lenetfc_fashion-mnist.py', {}, ''),
    ('Top-Down TD_uni', 'topdown/td-uni_lenetfc_fashion-mnist.py', {}, ''),
    ('Top-Down TD_rev', 'topdown/td-rev_lenetfc_fashion-mnist.py', {}, ''),
    ('FVE (GT parts)',
     'fve/fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py', {}, ''),
    ('Focus-Longer (GT box, mean)',
     'focus_longer/focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-'
     'gtbox.py', {}, ''),
    ('Focus-Longer (4 GT parts, mean)',
     'focus_longer/focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-'
     'gtparts.py', {}, ''),
    ('Focus-Longer (4 GT parts, first)',
     'focus_longer/focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-'
     'gtparts.py', {
         'model.eval_protocol': 'first'
     }, ''),
    ('Focus-Longer (RoIAlign, boxes in)',
     'focus_longer/focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-'
     'proposals-roialign.py', {}, ''),
    ('GASA (28 px)', 'gasa/gasa_tiny_1xb64_fashion-mnist.py', {}, ''),
    ('GASA (112 px)', 'gasa/gasa_tiny_1xb64_cluttered-fashion-mnist.py', {},
     ''),
]
PHOTOS = ('astronaut', 'coffee', 'chelsea', 'camera', 'rocket', 'cat', 'coins',
          'moon', 'page', 'text', 'immunohistochemistry', 'retina',
          'hubble_deep_field')


def photos():
    """scikit-image's bundled photos as BGR (colour) / grey uint8."""
    import skimage.data as data
    out = []
    for name in PHOTOS:
        img = getattr(data, name)()
        if img.ndim == 3:
            img = np.ascontiguousarray(img[..., :3][..., ::-1])
        out.append((name, img))
    return out


def photo_boxes(img):
    """Three boxes of a photo: the centre half, top-left and bottom-right
    quarters (4-part models get one empty slot)."""
    h, w = img.shape[:2]
    return [[w / 4, h / 4, 3 * w / 4, 3 * h / 4], [0, 0, w / 2, h / 2],
            [w / 2, h / 2, w, h]]


def roialign_options(cfg_path, options):
    """The RoIAlign config reads a proposal file of the proposals study;
    without it, the dataset's ground-truth boxes."""
    from mmengine.config import Config
    cfg = Config.fromfile(cfg_path)
    pre = cfg.model.get('data_preprocessor') or {}
    if 'RoIAlign' not in str(pre.get('type')):
        return options, None
    prop = cfg.test_dataloader.dataset.get('proposal_file')
    if prop and osp.isfile(prop):
        return options, f'proposals of {prop}'
    return dict(
        options, **{
            'model.data_preprocessor.box_source': 'gt_bboxes',
            'data_preprocessor.box_source': 'gt_bboxes',
            'test_dataloader.dataset.proposal_file': None
        }), 'ground-truth boxes (no proposal file)'


def latency_ratio(wrapper, session, tensors, repeats):
    """Median onnxruntime time / median PyTorch time, the two runs
    alternating (``repeats`` each, after a warm-up)."""
    from mmfg.deployment import run_onnx
    args = [tensors[n] for n in wrapper.input_names]
    feed = {k: v.numpy() for k, v in tensors.items()}
    t_ort, t_pt = [], []
    with torch.no_grad():
        for _ in range(3):
            wrapper(*args)
            run_onnx(session, feed)
        for _ in range(repeats):
            t0 = time.perf_counter()
            run_onnx(session, feed)
            t1 = time.perf_counter()
            wrapper(*args)
            t2 = time.perf_counter()
            t_ort.append(t1 - t0)
            t_pt.append(t2 - t1)
    return statistics.median(t_ort) / statistics.median(t_pt)


def measure(method, cfg_rel, options, args, tmp):
    from mmfg.apis import ExplicitBoxes, init_model, load_config
    from mmfg.deployment import (OnnxInputs, Parity, batch_parity,
                                 dataset_batches, export_checkpoint,
                                 onnx_session, score_module)
    cfg_path = osp.join('configs', cfg_rel)
    options, boxes_note = roialign_options(cfg_path, options)
    cfg = load_config(cfg_path, options)
    stem = osp.splitext(osp.basename(cfg_rel))[0]
    ckpt = osp.join(args.checkpoint_dir or '', stem + '.pth')
    if not (args.checkpoint_dir and osp.isfile(ckpt)):
        torch.manual_seed(0)
        model = init_model(cfg)
        ckpt = osp.join(tmp, stem + '.pth')
        torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
        weights = 'random init (seed 0)'
    else:
        weights = ckpt
    onnx_path = osp.join(tmp, stem + '.onnx')
    t0 = time.perf_counter()
    result = export_checkpoint(
        cfg, ckpt, onnx_path, dynamic_batch=True, opset=args.opset)
    export_s = time.perf_counter() - t0
    model = init_model(cfg, ckpt)
    session = onnx_session(onnx_path, threads=1)
    # photos through the config's test pipeline (part models: 3 boxes)
    pics = photos()
    patches = None
    feeder = OnnxInputs(model)
    if feeder.needs_patches:
        patches = ExplicitBoxes([photo_boxes(img) for _, img in pics])
        feeder = OnnxInputs(model, patches=patches)
    photo = batch_parity(model, session,
                         feeder.batch([img for _, img in pics]))
    # the first N images of the test split, through the dataset
    data = Parity(0, 0., 0, 0)
    for batch in dataset_batches(cfg, list(range(args.num_dataset)), 50):
        data = data.merge(batch_parity(model, session, batch))
    # latency: batch 1 and 32 dataset images
    wrapper = score_module(model)
    from mmfg.deployment import graph_inputs
    big = next(dataset_batches(cfg, list(range(32)), 32))
    tensors32 = graph_inputs(model.data_preprocessor, big)
    tensors1 = {k: v[:1] for k, v in tensors32.items()}
    ratio1 = latency_ratio(wrapper, session, tensors1, args.repeats)
    ratio32 = latency_ratio(wrapper, session, tensors32,
                            max(5, args.repeats // 3))
    total = photo.merge(data)
    row = dict(
        method=method,
        config=cfg_rel,
        cfg_options=options,
        weights=weights,
        boxes=boxes_note or ('explicit boxes on photos, the dataset\'s on '
                             'its images' if feeder.needs_patches else None),
        inputs=result.input_shapes,
        opset=result.opset,
        export_rewrites=result.patches,
        export_s=round(export_s, 2),
        photos=photo._asdict(),
        dataset=data._asdict(),
        max_abs_diff=total.max_abs_diff,
        top1_agree=total.top1_agree,
        n=total.n,
        near_ties=total.near_ties,
        latency_ratio_b1=round(ratio1, 3),
        latency_ratio_b32=round(ratio32, 3))
    print(
        f'{method}: max |diff| {total.max_abs_diff:.2e}, top-1 '
        f'{total.top1_agree}/{total.n}, ORT/PyTorch time {ratio1:.2f} '
        f'(B=1) {ratio32:.2f} (B=32)',
        flush=True)
    return row


def markdown(rows, n_photos, n_data):
    lines = [
        '| method | config | max abs score diff | top-1 agreement | '
        'ORT / PyTorch time, B=1 | B=32 |', '|---|---|---|---|---|---|'
    ]
    for r in rows:
        lines.append(
            f"| {r['method']} | `{osp.basename(r['config'])}` | "
            f"{r['max_abs_diff']:.1e} | {r['top1_agree']}/{r['n']} | "
            f"{r['latency_ratio_b1']:.2f} | {r['latency_ratio_b32']:.2f} |")
    lines.append('')
    lines.append(f'{n_photos} scikit-image photos + the first {n_data} test '
                 'images per method; scores are softmax (pred_score).')
    return '\n'.join(lines) + '\n'


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--out', required=True, help='results JSON')
    parser.add_argument('--num-dataset', type=int, default=500)
    parser.add_argument('--repeats', type=int, default=30)
    parser.add_argument('--opset', type=int, default=17)
    parser.add_argument('--checkpoint-dir', default=None)
    parser.add_argument(
        '--methods', nargs='*', default=None, help='subset (names)')
    args = parser.parse_args()
    from mmfg.utils import register_all_modules
    register_all_modules()
    torch.set_num_threads(1)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for method, cfg_rel, options, _ in METHODS:
            if args.methods and method not in args.methods:
                continue
            rows.append(measure(method, cfg_rel, dict(options), args, tmp))
    out = dict(
        torch=torch.__version__,
        onnxruntime=__import__('onnxruntime').__version__,
        threads=1,
        num_photos=len(PHOTOS),
        num_dataset=args.num_dataset,
        rows=rows)
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    with open(args.out, 'w') as f:
        json.dump(out, f, indent=1)
    md = osp.splitext(args.out)[0] + '.md'
    with open(md, 'w') as f:
        f.write(markdown(rows, len(PHOTOS), args.num_dataset))
    print(open(md).read())


if __name__ == '__main__':
    main()
