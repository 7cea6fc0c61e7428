"""Pre-train RACNN's super-resolution layers alone (p-RACNN, Cai et al.
Sec. 2.3): MSE between ``LR + SR(LR)`` and ``HR`` on patch pairs cut from the
images of any folder.

Each image is resized to ``--hr-size`` (227 in the paper), its low-resolution
version made by the same protocol as the data (bicubic down to ``--lr-size``,
back up; ``mmfg.datasets.transforms.LowResolution``), and both are cut into
``--patch`` x ``--patch`` patches with stride ``--stride`` (51 / 17 in the
paper). Pixels are normalised with ``--mean``/``--std`` as the classifier's
data preprocessor does, so the layers work on the same values in RACNN.
Per-layer multipliers as in the paper: sconv1/2 lr x1 decay x0.1, sconv3 lr
x0.1 decay x0.1. The optimizer defaults to Adam: from the paper's Gaussian
init (std 0.001) the gradients of three stacked layers are ~1e-6 and plain
SGD does not move in a practical number of steps (SRCNN trained for ~1e8
back-propagations); ``--optimizer sgd`` gives the paper's SGD.

    python tools/racnn/pretrain_sr.py IMG_DIR --out checkpoints/racnn_sr.pth

The checkpoint holds the SR layers' ``state_dict``; load it in a config with
``model.backbone.sr_init_cfg=dict(type='Pretrained', checkpoint=...)``.
"""
import argparse
import glob
import os
import os.path as osp
import random
import time

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from mmfg.datasets.transforms import bicubic_resize
from mmfg.utils import run_with_clear_errors
from mmfg.utils.errors import DataError
from mmfg.models.backbones.racnn import SRLayers

IMG_EXTS = ('.jpg', '.jpeg', '.png', '.bmp', '.ppm', '.tif', '.tiff')


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('img_dir', help='folder of images (searched recursively)')
    p.add_argument('--out', required=True, help='checkpoint to write')
    p.add_argument('--hr-size', type=int, default=227)
    p.add_argument('--lr-size', type=int, default=50)
    p.add_argument('--patch', type=int, default=51)
    p.add_argument('--stride', type=int, default=17)
    p.add_argument('--in-channels', type=int, default=3, choices=(1, 3))
    p.add_argument('--mean', type=float, nargs='+',
                   default=[123.675, 116.28, 103.53])
    p.add_argument('--std', type=float, nargs='+',
                   default=[58.395, 57.12, 57.375])
    p.add_argument('--epochs', type=int, default=20)
    p.add_argument('--batch-size', type=int, default=64)
    p.add_argument('--optimizer', choices=('adam', 'sgd'), default='adam')
    p.add_argument('--lr', type=float, default=1e-3,
                   help='base lr (sconv1/2; sconv3 gets 0.1x)')
    p.add_argument('--weight-decay', type=float, default=5e-4)
    p.add_argument('--max-images', type=int, default=None)
    p.add_argument('--seed', type=int, default=0)
    return p.parse_args(argv)


def load_images(img_dir, in_channels, max_images):
    if not osp.isdir(img_dir):
        raise FileNotFoundError(f'image folder {img_dir} does not exist')
    paths = sorted(
        p for p in glob.glob(osp.join(img_dir, '**', '*'), recursive=True)
        if p.lower().endswith(IMG_EXTS))[:max_images]
    if not paths:
        raise DataError(f'no image ({", ".join(IMG_EXTS)}) under {img_dir}')
    images = []
    for path in paths:
        img = cv2.imread(path, cv2.IMREAD_GRAYSCALE if in_channels == 1 else
                         cv2.IMREAD_COLOR)
        if img is None:
            raise DataError(f'{path} could not be decoded as an image')
        if in_channels == 3:
            img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
        images.append(img)
    return paths, images


def make_patches(images, args):
    """(N, C, p, p) float tensors of LR and HR patches, normalised."""
    lr_patches, hr_patches = [], []
    s = args.hr_size
    for img in images:
        hr = bicubic_resize(img, (s, s))
        lr = bicubic_resize(bicubic_resize(hr, (args.lr_size, args.lr_size)),
                            (s, s))
        for arr, out in ((hr, hr_patches), (lr, lr_patches)):
            t = torch.from_numpy(arr).float()
            t = t[None] if t.ndim == 2 else t.permute(2, 0, 1)
            # (C, nH, nW, p, p) -> (nH * nW, C, p, p)
            u = t.unfold(1, args.patch, args.stride).unfold(
                2, args.patch, args.stride)
            out.append(u.permute(1, 2, 0, 3, 4).reshape(
                -1, t.shape[0], args.patch, args.patch))
    mean = torch.tensor(args.mean[:args.in_channels]).view(1, -1, 1, 1)
    std = torch.tensor(args.std[:args.in_channels]).view(1, -1, 1, 1)
    return ((torch.cat(lr_patches) - mean) / std,
            (torch.cat(hr_patches) - mean) / std)


@torch.no_grad()
def evaluate(sr, lr, hr, batch=256):
    """(MSE of bicubic LR vs HR, MSE of LR + SR(LR) vs HR), normalised
    units."""
    base = err = 0.
    for i in range(0, len(lr), batch):
        x, y = lr[i:i + batch], hr[i:i + batch]
        base += F.mse_loss(x, y, reduction='sum').item()
        err += F.mse_loss(x + sr(x), y, reduction='sum').item()
    n = lr.numel()
    return base / n, err / n


def pretrain(args, log=print):
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    paths, images = load_images(args.img_dir, args.in_channels,
                                args.max_images)
    if args.hr_size < args.patch:
        raise ValueError(f'--hr-size {args.hr_size} < --patch {args.patch}')
    lr, hr = make_patches(images, args)
    log(f'{len(paths)} images -> {len(lr)} patch pairs of '
        f'{args.patch}x{args.patch} (stride {args.stride})')
    sr = SRLayers(in_channels=args.in_channels)
    sr.init_weights()
    wd = args.weight_decay
    groups = [
        dict(params=list(sr.sconv1.parameters()) +
             list(sr.sconv2.parameters()), lr=args.lr, weight_decay=0.1 * wd),
        dict(params=sr.sconv3.parameters(), lr=0.1 * args.lr,
             weight_decay=0.1 * wd),
    ]
    optimizer = (torch.optim.Adam(groups, lr=args.lr)
                 if args.optimizer == 'adam' else torch.optim.SGD(
                     groups, lr=args.lr, momentum=0.9))
    bicubic_mse, start_mse = evaluate(sr, lr, hr)
    log(f'before: bicubic MSE {bicubic_mse:.5f}, LR+SR MSE {start_mse:.5f}')
    history = []
    t0 = time.time()
    for epoch in range(args.epochs):
        sr.train()
        order = torch.randperm(len(lr))
        for i in range(0, len(lr), args.batch_size):
            idx = order[i:i + args.batch_size]
            x, y = lr[idx], hr[idx]
            loss = F.mse_loss(x + sr(x), y)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
        sr.eval()
        mse = evaluate(sr, lr, hr)[1]
        history.append(mse)
        log(f'epoch {epoch + 1}/{args.epochs}: LR+SR MSE {mse:.5f} '
            f'({time.time() - t0:.0f}s)')
    meta = dict(bicubic_mse=bicubic_mse, start_mse=start_mse,
                final_mse=history[-1] if history else start_mse,
                history=history, num_images=len(paths), num_patches=len(lr),
                hr_size=args.hr_size, lr_size=args.lr_size, patch=args.patch,
                stride=args.stride, in_channels=args.in_channels,
                optimizer=args.optimizer,
                mean=list(args.mean), std=list(args.std))
    os.makedirs(osp.dirname(osp.abspath(args.out)), exist_ok=True)
    torch.save(dict(state_dict=sr.state_dict(), meta=meta), args.out)
    log(f'saved {args.out}: MSE {bicubic_mse:.5f} (bicubic) -> '
        f'{meta["final_mse"]:.5f} (LR + SR)')
    return meta


def main(argv=None):
    return pretrain(parse_args(argv))


if __name__ == '__main__':
    run_with_clear_errors(main)
