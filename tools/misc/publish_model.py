"""Strip a training checkpoint to what a model needs: ``state_dict`` (+ a
small ``meta``). The result loads with torch's safe ``weights_only=True``
(e.g. as ``init_cfg=dict(type='Pretrained', checkpoint=...)``), unlike a
full MMEngine training checkpoint (optimizer, message hub).

    python tools/misc/publish_model.py work_dirs/x/epoch_5.pth out.pth
"""
import argparse
import os.path as osp

import torch

from mmfg.engine import checkpoint_safe_globals
from mmfg.utils import run_with_clear_errors


def publish(src, dst):
    if not osp.isfile(src):
        raise FileNotFoundError(f'checkpoint {src} does not exist')
    with checkpoint_safe_globals():
        ckpt = torch.load(src, map_location='cpu')
    state = ckpt.get('state_dict', ckpt)
    meta = {
        k: v
        for k, v in ckpt.get('meta', {}).items()
        if k in ('epoch', 'iter', 'seed', 'mmengine_version')
    }
    meta['source'] = osp.basename(src)
    torch.save(dict(state_dict=state, meta=meta), dst)
    torch.load(dst, map_location='cpu', weights_only=True)  # must be safe
    return dst


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src')
    p.add_argument('dst')
    args = p.parse_args(argv)
    print(f'written {publish(args.src, args.dst)}')


if __name__ == '__main__':
    run_with_clear_errors(main)
