"""Strip a training checkpoint to what a model needs: ``state_dict`` (+ a
small ``meta``). The result loads with torch's safe ``weights_only=True``
(e.g. as ``init_cfg=dict(type='Pretrained', checkpoint=...)``), unlike a
full MMEngine training checkpoint (optimizer, message hub).

    python tools/misc/publish_model.py work_dirs/x/epoch_5.pth out.pth

The source is read as data only (:func:`mmfg.engine.read_checkpoint`: a
file holding anything but tensors, numbers and the message hub's data is
refused in one line); the output is rebuilt from its tensors and a few
plain ``meta`` values (:func:`mmfg.engine.checkpoint.write_weights_file`),
checked to load with ``weights_only=True`` and only then moved to its
name, so a failure leaves no output behind.
"""
import argparse
import os.path as osp

from mmfg.utils import run_with_clear_errors

#: the ``meta`` entries a published file keeps
META_KEYS = ('epoch', 'iter', 'seed', 'mmengine_version', 'dataset_meta')


def publish(src, dst):
    from mmfg.engine.checkpoint import read_weights, write_weights_file

    ckpt, state = read_weights(src)
    meta = ckpt.get('meta') if isinstance(ckpt.get('meta'), dict) else {}
    meta = {k: meta[k] for k in META_KEYS if k in meta}
    meta['source'] = osp.basename(src)
    write_weights_file(dst, state, meta)
    return dst


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('src')
    p.add_argument('dst')
    args = p.parse_args(argv)
    print(f'written {publish(args.src, args.dst)}')


if __name__ == '__main__':
    run_with_clear_errors(main)
