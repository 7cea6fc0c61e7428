"""Write the new images of the inference study into a folder (no dataset
holds them): ``N`` Cluttered Fashion-MNIST test canvases as PNG files
(``canvas_<i>_<class>.png``), and real photos of scikit-image in the modes
a user's folder may hold (colour JPEG, grey PNG, RGBA PNG, 16-bit PNG,
a tiny and a large image).

    python -m experiments.inference.make_images OUT_DIR [--canvases 1000]
        [--photos]

Also writes ``OUT_DIR/labels.json`` ``{file: class index}`` for the
canvases.
"""
import argparse
import json
import os
import os.path as osp

import cv2
import numpy as np

CANVAS_CFG = ('configs/focus_longer/'
              'global_lenetfc_1xb128_cluttered-fashion-mnist-56.py')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('out', help='folder to write')
    p.add_argument('--canvases', type=int, default=1000)
    p.add_argument('--photos', action='store_true')
    return p.parse_args(argv)


def canvases(out, num):
    """The first ``num`` test canvases of the cluttered config's dataset."""
    from mmengine.config import Config

    from mmfg.registry import DATASETS
    from mmfg.utils import register_all_modules
    register_all_modules()
    ds_cfg = Config.fromfile(CANVAS_CFG).test_dataloader.dataset.copy()
    ds_cfg['pipeline'] = []
    ds_cfg['indices'] = num
    ds = DATASETS.build(ds_cfg)
    labels = {}
    for i in range(len(ds)):
        info = ds.get_data_info(i)
        name = f'canvas_{i:05d}_{int(info["gt_label"])}.png'
        cv2.imwrite(osp.join(out, name), info['img'])
        labels[name] = int(info['gt_label'])
    with open(osp.join(out, 'labels.json'), 'w') as f:
        json.dump(labels, f, indent=0)


def photos(out):
    """scikit-image's sample photos in several modes."""
    from skimage import data
    astronaut = data.astronaut()  # RGB 512x512
    coffee = data.coffee()  # RGB 400x600
    cv2.imwrite(osp.join(out, 'photo_astronaut.jpg'), astronaut[..., ::-1])
    cv2.imwrite(osp.join(out, 'photo_camera_grey.png'), data.camera())
    rgba = np.dstack([coffee[..., ::-1], np.full(coffee.shape[:2], 200,
                                                np.uint8)])
    cv2.imwrite(osp.join(out, 'photo_coffee_rgba.png'), rgba)
    cv2.imwrite(
        osp.join(out, 'photo_coffee_16bit.png'),
        coffee[..., ::-1].astype(np.uint16) * 257)
    cv2.imwrite(osp.join(out, 'photo_tiny_5x7.png'),
                cv2.resize(coffee[..., ::-1], (7, 5)))
    cv2.imwrite(
        osp.join(out, 'photo_large_3000x2000.jpg'),
        cv2.resize(astronaut[..., ::-1], (3000, 2000)))


def main(argv=None):
    args = parse_args(argv)
    os.makedirs(args.out, exist_ok=True)
    if args.canvases:
        canvases(args.out, args.canvases)
    if args.photos:
        photos(args.out)


if __name__ == '__main__':
    main()
