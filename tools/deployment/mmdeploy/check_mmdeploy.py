"""Run mmdeploy 1.3.x's ONNX Runtime path on mmfg configs and compare its
scores with mmfg's own PyTorch inference on the same image.

    bash tools/deployment/mmdeploy/make_env.sh /tmp/mmdeploy-venv
    PYTHONPATH=$PWD /tmp/mmdeploy-venv/bin/python \
        tools/deployment/mmdeploy/check_mmdeploy.py [CONFIG ...] \
        [--work-dir DIR] [--dynamic]

mmdeploy reads the image with its own first step (``LoadImageFromFile``), so
each config's test pipeline is given that step (grey or colour from the
config's preprocessor) followed by the dataset's ``pre_pipeline`` and
``pipeline``, and the model is built in mmfg's scope (``_scope_='mmfg'``;
mmdeploy builds in mmpretrain's); the model is random-initialised (the
check is about the graph).
Prints one line per config: exported opset, max abs score difference, top-1
agreement with PyTorch.
"""
import argparse
import os
import os.path as osp
import sys
import tempfile

import numpy as np
import torch
from mmengine.config import Config

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(osp.dirname(HERE)))
DEFAULT_CONFIGS = [
    'configs/baselines/lenet5_fashion-mnist.py',
    'configs/racnn/racnn_lenet5_fashion-mnist-lr8.py',
    'configs/topdown/td_lenetfc_fashion-mnist.py',
    'configs/topdown/bu_lenetfc_fashion-mnist.py',
    'configs/gasa/gasa_tiny_1xb64_fashion-mnist.py',
]


def override_config(config, out_dir):
    """A config whose test pipeline starts from an image file."""
    cfg = Config.fromfile(config)
    prep = cfg.get('data_preprocessor') or cfg.model.data_preprocessor
    grey = len(prep.get('mean', [0, 0, 0])) == 1
    ds = cfg.test_dataloader.dataset
    steps = [
        dict(
            type='LoadImageFromFile',
            color_type='grayscale' if grey else 'color')
    ]
    steps += list(ds.get('pre_pipeline') or []) + list(ds.pipeline)
    # mmdeploy builds the pipeline in mmpretrain's scope: mmfg's own
    # transforms are named with their scope
    from mmfg.registry import TRANSFORMS
    steps = [
        dict(s, type='mmfg.' +
             s['type']) if s['type'] in TRANSFORMS.module_dict else s
        for s in steps
    ]
    text = (
        f"_base_ = '{osp.abspath(config)}'\n"
        f'test_pipeline = {steps!r}\n'
        'test_dataloader = dict(dataset=dict(pipeline=test_pipeline, '
        'pre_pipeline=[]))\n'
        # mmdeploy builds the model in mmpretrain's scope
        "model = dict(_scope_='mmfg')\n")
    path = osp.join(out_dir, osp.basename(config))
    with open(path, 'w') as f:
        f.write(text)
    return path, grey


def check(config, work_dir, size, dynamic):
    import cv2
    from mmdeploy.apis import inference_model, torch2onnx

    from mmfg.apis import FGInferencer, init_model
    name = osp.splitext(osp.basename(config))[0]
    out = osp.join(work_dir, name)
    os.makedirs(out, exist_ok=True)
    cfg_path, grey = override_config(config, out)
    ckpt = osp.join(out, 'random_init.pth')
    torch.manual_seed(0)
    model = init_model(Config.fromfile(config))
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    rng = np.random.default_rng(0)
    img = osp.join(out, 'image.png')
    shape = (size, size) if grey else (size, size, 3)
    cv2.imwrite(img, rng.integers(0, 256, shape, dtype=np.uint8))
    deploy = osp.join(
        HERE, 'classification_onnxruntime_dynamic.py'
        if dynamic else f'classification_onnxruntime_static-{size}x{size}.py')
    torch2onnx(img, out, 'end2end.onnx', deploy, cfg_path, ckpt, 'cpu')
    import onnx
    opset = onnx.load(osp.join(out, 'end2end.onnx')).opset_import[0].version
    res = inference_model(cfg_path, deploy, [osp.join(out, 'end2end.onnx')],
                          img, 'cpu')
    ort = res[0].pred_score.numpy()
    ref = FGInferencer(
        cfg_path, pretrained=ckpt)(
            img, show_progress=False)[0]['pred_scores']
    diff = float(np.abs(ort - ref).max())
    return opset, diff, int(ort.argmax() == ref.argmax())


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('configs', nargs='*', default=DEFAULT_CONFIGS)
    parser.add_argument('--work-dir', default=None)
    parser.add_argument(
        '--dynamic',
        action='store_true',
        help='use the dynamic-batch deploy config instead of the static one')
    parser.add_argument(
        '--size',
        type=int,
        default=28,
        help='side of the test image (the dataset image size)')
    args = parser.parse_args()
    os.chdir(ROOT)
    work_dir = args.work_dir or tempfile.mkdtemp(prefix='mmdeploy-check-')
    print('| config | opset | max abs diff vs PyTorch | same top-1 |')
    print('| --- | --- | --- | --- |')
    failed = 0
    for config in args.configs:
        try:
            opset, diff, same = check(config, work_dir, args.size,
                                      args.dynamic)
            print(f'| {config} | {opset} | {diff:.2e} | {bool(same)} |')
        except Exception as e:  # report every config, then fail
            failed += 1
            lines = [ln for ln in str(e).strip().splitlines() if ln.strip()]
            # torch.export errors: the line naming the cause is '<class ...>'
            cause = [ln for ln in lines if ln.startswith('<class')]
            msg = (cause or lines or [''])[-1].replace('|', '/')
            print(f'| {config} | - | failed: {type(e).__name__}: {msg} | - |')
        sys.stdout.flush()
    sys.exit(1 if failed else 0)


if __name__ == '__main__':
    main()
