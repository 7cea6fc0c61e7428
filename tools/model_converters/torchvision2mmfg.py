"""Convert a torchvision ImageNet checkpoint (AlexNet, GoogLeNet, VGG, ...) to
the MMPretrain classifier layout that mmfg configs load: every key gets the
``backbone.`` prefix; keys the mmfg/mmpretrain backbone does not have
(GoogLeNet's ``fc``/``aux1``/``aux2``) are dropped with ``--drop``.

    python tools/model_converters/torchvision2mmfg.py \
        alexnet-owt-7be5be79.pth checkpoints/alexnet_in1k_torchvision2mmfg.pth
    python tools/model_converters/torchvision2mmfg.py \
        googlenet-1378be20.pth \
        checkpoints/googlenet_in1k_torchvision2mmfg.pth --drop fc. aux1. aux2.

(Download the torchvision files on a machine with internet access.) The
source is read as data only (:func:`mmfg.engine.read_checkpoint`; anything
else is refused in one line) and the output is written by
:func:`mmfg.engine.checkpoint.write_weights_file` (tensors only, checked,
then moved to its name: a failure leaves no output behind).
"""
import argparse
import os.path as osp

from mmfg.utils import run_with_clear_errors


def convert(src, dst, drop=()):
    from mmfg.engine.checkpoint import read_weights, write_weights_file

    _, state = read_weights(
        src, 'the state dict of a torchvision model ({name: tensor})')
    out = {
        f'backbone.{k}': v
        for k, v in state.items() if not k.startswith(tuple(drop))
    }
    return write_weights_file(dst, out, dict(source=osp.basename(src)))


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
