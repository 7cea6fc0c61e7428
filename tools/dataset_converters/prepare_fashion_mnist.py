"""Extract Fashion-MNIST's idx files (Debian's ``dataset-fashion-mnist`` or the
official download) into the folder mmpretrain's ``FashionMNIST`` reads.

    python tools/dataset_converters/prepare_fashion_mnist.py \
        --src /usr/share/datasets/fashion-mnist --dst data/fashion_mnist

Result::

    data/fashion_mnist/
        train-images-idx3-ubyte   train-labels-idx1-ubyte
        t10k-images-idx3-ubyte    t10k-labels-idx1-ubyte

Idempotent: files already extracted with the right size are kept.
"""
import argparse
import gzip
import os
import os.path as osp
import shutil
import sys

# name -> (number of items, bytes per item, header bytes)
FILES = {
    'train-images-idx3-ubyte': (60000, 28 * 28, 16),
    'train-labels-idx1-ubyte': (60000, 1, 8),
    't10k-images-idx3-ubyte': (10000, 28 * 28, 16),
    't10k-labels-idx1-ubyte': (10000, 1, 8),
}


def expected_size(name):
    n, per, header = FILES[name]
    return header + n * per


def prepare(src, dst):
    os.makedirs(dst, exist_ok=True)
    for name in FILES:
        out = osp.join(dst, name)
        if osp.isfile(out) and osp.getsize(out) == expected_size(name):
            print(f'  {out}: present')
            continue
        gz = osp.join(src, name + '.gz')
        if not osp.isfile(gz):
            raise FileNotFoundError(
                f'{gz} not found. Install Debian\'s dataset-fashion-mnist '
                '(apt-get install dataset-fashion-mnist) or pass --src to the '
                'folder holding the four official *-ubyte.gz files.')
        tmp = out + '.part'
        with gzip.open(gz, 'rb') as fin, open(tmp, 'wb') as fout:
            shutil.copyfileobj(fin, fout)
        if osp.getsize(tmp) != expected_size(name):
            os.remove(tmp)
            raise ValueError(f'{gz} decompresses to the wrong size '
                             f'(expected {expected_size(name)} bytes): '
                             'the file is corrupt or not Fashion-MNIST.')
        os.replace(tmp, out)
        print(f'  {out}: extracted')


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--src', default='/usr/share/datasets/fashion-mnist')
    parser.add_argument('--dst', default='data/fashion_mnist')
    args = parser.parse_args(argv)
    try:
        prepare(args.src, args.dst)
    except (FileNotFoundError, ValueError) as e:
        sys.exit(f'error: {e}')


if __name__ == '__main__':
    main()
