"""Per-time-step Grad-CAM of Focus-Longer's local stream (the paper's Fig. 3),
saved as an image grid: one row per test image (its first valid patch), the
patch then the CAM of each LSTM step (the local head on h_t), through
mmfg/visualization/cam.py (pip install grad-cam).

    python tools/visualization/focus_longer_step_cam.py CONFIG CHECKPOINT \
        --out step_cam.png [--indices 0 1 2 3] [--steps 1 2 5 10] \
        [--target-layer NAME] [--method gradcam] [--explain step|final]

--explain step (default): each step's map explains that step's own predicted
class; final: every map explains the model's fused prediction. Never the
ground truth.
"""
import argparse
import copy

from mmengine.config import DictAction
from mmengine.dataset import pseudo_collate

from mmfg.structures import PART_IMGS, PART_VALID, PARTS
from mmfg.utils import ConfigError, register_all_modules, run_with_clear_errors


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument('--out', required=True, help='output image (png)')
    p.add_argument('--indices', type=int, nargs='+', default=[0, 1, 2, 3])
    p.add_argument('--steps', type=int, nargs='+')
    p.add_argument('--target-layer', help='module inside local_backbone')
    p.add_argument('--method', default='gradcam')
    p.add_argument('--explain', choices=['step', 'final'], default='step')
    p.add_argument('--device', default='cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    import torch

    from mmfg.apis.model import init_model
    from mmfg.registry import DATASETS
    from mmfg.visualization.step_cam import draw_step_cam_grid, step_cams
    model = init_model(
        args.config,
        args.checkpoint,
        device=args.device,
        cfg_options=args.cfg_options)
    dataset = DATASETS.build(copy.deepcopy(model.cfg.test_dataloader.dataset))
    for i in args.indices:
        if not 0 <= i < len(dataset):
            raise ConfigError(f'--indices {i} outside the test set '
                              f'(0..{len(dataset) - 1})')
    model.check_step_model()
    data = pseudo_collate([dataset[i] for i in args.indices])
    raw = [s.get(PART_IMGS).clone() for s in data['data_samples']]
    data = model.data_preprocessor(data, False)
    crops, valid = data[PARTS], data[PART_VALID]
    first = valid.to(torch.uint8).argmax(1)
    rows = torch.arange(len(crops))
    patches = crops[rows, first]
    with torch.no_grad():
        preds = model.predict(data['inputs'],
                              copy.deepcopy(data['data_samples']), crops,
                              valid)
    targets = None
    if args.explain == 'final':
        targets = [int(p.pred_label) for p in preds]
    maps, classes = step_cams(
        model,
        patches,
        steps=args.steps,
        targets=targets,
        target_layer=args.target_layer,
        method=args.method)
    names = model.dataset_meta.get('classes') or []
    shown = []
    titles = []
    for r, i in enumerate(args.indices):
        img = raw[r][first[r]].float() / 255.
        img = img.permute(1, 2, 0).numpy()
        shown.append(img[..., 0] if img.shape[-1] == 1 else img[
            ..., ::-1] if model.data_preprocessor.to_rgb else img)
        gt = int(data['data_samples'][r].gt_label)
        pred = int(preds[r].pred_label)
        label = (lambda c: names[c] if c < len(names) else str(c))
        titles.append(f'#{i} gt {label(gt)}\npred {label(pred)}')
    draw_step_cam_grid(
        args.out,
        shown,
        maps,
        row_titles=titles,
        steps=args.steps or list(range(1, maps.shape[1] + 1)))
    print(f'saved {args.out}: {len(args.indices)} patches x '
          f'{maps.shape[1]} steps; explained classes per step:')
    for r, i in enumerate(args.indices):
        print(f'  #{i}: {classes[r].tolist()}')


if __name__ == '__main__':
    run_with_clear_errors(main)
