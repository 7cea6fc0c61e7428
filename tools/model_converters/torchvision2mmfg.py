"""Convert a torchvision ImageNet checkpoint (AlexNet, GoogLeNet, VGG, ...) to
the MMPretrain classifier layout that mmfg configs load: every key gets the
``backbone.`` prefix; keys the mmfg/mmpretrain backbone does not have
(GoogLeNet's ``fc``/``aux1``/``aux2``) are dropped with ``--drop``.

    python tools/model_converters/torchvision2mmfg.py \
        alexnet-owt-7be5be79.pth checkpoints/alexnet_in1k_torchvision2mmfg.pth
    python tools/model_converters/torchvision2mmfg.py \
        googlenet-1378be20.pth \
        checkpoints/googlenet_in1k_torchvision2mmfg.pth --drop fc. aux1. aux2.

(Download the torchvision files on a machine with internet access.)
"""
import argparse
import os
import os.path as osp

import torch

from mmfg.utils import run_with_clear_errors


def convert(src, dst, drop=()):
    if not osp.isfile(src):
        raise FileNotFoundError(f'checkpoint {src} does not exist')
    state = torch.load(src, map_location='cpu', weights_only=True)
    state = state.get('state_dict', state)
    out = {
        f'backbone.{k}': v
        for k, v in state.items() if not k.startswith(tuple(drop))
    }
    os.makedirs(osp.dirname(osp.abspath(dst)), exist_ok=True)
    torch.save(dict(state_dict=out, meta=dict(source=osp.basename(src))), dst)
    return out


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src')
    p.add_argument('dst')
    p.add_argument(
        '--drop',
        nargs='*',
        default=[],
        help='key prefixes to leave out (e.g. fc. aux1. aux2.)')
    args = p.parse_args(argv)
    out = convert(args.src, args.dst, args.drop)
    print(f'{len(out)} tensors written to {args.dst}')


if __name__ == '__main__':
    run_with_clear_errors(main)
