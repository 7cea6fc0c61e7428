"""Per-layer effective receptive field (ERF) of a Top-Down / bottom-up
network (Lelekas et al., "Top-Down Networks", Sec. 3.2, Eq. 1).

    python tools/topdown/erf.py CONFIG [--json FILE]

``r_i = r_{i-1} + (k_i - 1) m_{i-1}``, ``m_i = m_{i-1} s_i`` (input pixels;
``mmfg.analysis.erf``).

* BU network: one table, the layers of the longest input-to-output path
  (convolutions and poolings; residual shortcuts are parallel to it).
* TD network: Eq. 1 holds for chains, and a TD network merges paths of
  different ERF at every resolution merge (Sec. 3.2). The tool prints one
  chain per input scale: the Gaussian blur + subsampling that makes that
  input (kernel ``2 ceil(3 sigma) + 1``, stride = factor), the convolutions
  of that scale's branch and of every later level, where a nearest-neighbour
  upsampling by ``u`` counts as a layer of kernel 1 and stride ``1/u`` (it
  widens nothing and divides the jump). The last rows of the chains are the
  ERFs that meet at the output; the paper's point is that the coarsest chain
  already starts with the ERF a BU network reaches only at its end. The BU
  table of the same architecture follows for comparison.

The model is built from the config only (no checkpoint, no data). The
logic lives in :mod:`mmfg.analysis.erf`; this is its command line.
"""
import argparse
import json

from mmfg.analysis.erf import erf_tables, format_erf_table
from mmfg.utils import run_with_clear_errors


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Per-layer ERF table of a (Top-Down) network')
    parser.add_argument('config', help='model config')
    parser.add_argument('--json', help='also write the tables to this file')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    out = erf_tables(args.config)
    for title, rows in out['tables']:
        print(format_erf_table(title, rows))
    if out['summary']:
        print('\n' + out['summary'])
    if args.json:
        with open(args.json, 'w') as fh:
            json.dump(out['result'], fh, indent=2)
    return out['result']


if __name__ == '__main__':
    run_with_clear_errors(main)
