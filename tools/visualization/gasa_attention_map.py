"""Class-token attention maps of GASA / MetaFG models (the paper's Figs. 3-6):
one column per image, rows: the image, then each model's map overlaid.

    python tools/visualization/gasa_attention_map.py IMAGE [IMAGE ...] \
        --model CONFIG CHECKPOINT [--model CONFIG2 CHECKPOINT2] \
        --out attention.png [--short-edge 384] [--stage 0] [--rollout]

Each image is resized with its aspect (short edge ``--short-edge``, default
the config's backbone ``img_size``) and fed whole, so the maps have the
image's aspect (no centre crop). Give the plain hybrid (``*-no-grad-tokens``)
and GASA as two ``--model`` to get the paper's baseline / ours rows.
Library logic: ``mmfg/visualization/attention_maps.py``.
"""
import argparse
import os
import os.path as osp

from mmfg.utils import run_with_clear_errors


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('images', nargs='+', help='image files')
    p.add_argument(
        '--model',
        nargs=2,
        action='append',
        required=True,
        metavar=('CONFIG', 'CHECKPOINT'),
        help='a model (repeat for several rows); CHECKPOINT "none" keeps '
        'random weights')
    p.add_argument('--out', required=True, help='output image (.png/.jpg)')
    p.add_argument(
        '--short-edge',
        type=int,
        help='network input short edge (default: backbone img_size)')
    p.add_argument('--stage', type=int, default=0, help='0 or 1')
    p.add_argument('--block', type=int, default=-1, help='block of the stage')
    p.add_argument('--rollout', action='store_true', help='attention rollout')
    p.add_argument(
        '--scale',
        type=float,
        default=1.,
        help='enlarge every cell of the figure (small images)')
    p.add_argument('--device', default='cpu')
    return p.parse_args(argv)


def main(argv=None):
    import cv2

    from mmfg.apis.model import check_file, init_model
    from mmfg.visualization import tile_images
    from mmfg.visualization.attention_maps import attention_rows
    args = parse_args(argv)
    images = []
    for path in args.images:
        check_file(path, 'image')
        img = cv2.imread(path, cv2.IMREAD_UNCHANGED)
        if img is None:
            raise FileNotFoundError(f'image {path} cannot be decoded')
        images.append(img)
    models = []
    for config, ckpt in args.model:
        model = init_model(
            config,
            None if ckpt.lower() == 'none' else ckpt,
            device=args.device)
        in_ch = model.backbone.stem[0].conv.in_channels
        models.append(model)
    as_bgr = [
        cv2.cvtColor(i, cv2.COLOR_GRAY2BGR) if i.ndim == 2 else i[..., :3]
        for i in images
    ]
    if in_ch == 1:
        images = [
            cv2.cvtColor(i, cv2.COLOR_BGR2GRAY) if i.ndim == 3 else i
            for i in images
        ]
    rows = attention_rows(models, images, args.short_edge, args.stage,
                          args.block, args.rollout)
    cells = list(as_bgr)
    for row in rows:
        cells += row
    if args.scale != 1:
        cells = [
            cv2.resize(
                c,
                None,
                fx=args.scale,
                fy=args.scale,
                interpolation=cv2.INTER_NEAREST) for c in cells
        ]
    grid = tile_images(cells, ncols=len(images))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    cv2.imwrite(args.out, grid)
    print(f'{len(models)} model(s) x {len(images)} image(s) -> {args.out}')


if __name__ == '__main__':
    run_with_clear_errors(main)
