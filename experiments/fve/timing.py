"""Cost of the FVE layer inside one training iteration (FVE paper Sec. 4.6,
Table 3: GMM update 1.11 % and FVE computation 3.52 % of a 270 ms
iteration), measured separately in one run.

    python -m experiments.fve.timing CONFIG [--device cpu] [--iters 20] \
        [--batch-size N] [--synthetic] [--json out.json]

Every :class:`~mmfg.models.layers.FVELayer` of the model is instrumented:

* ``gmm_update``: the M-step + bias-corrected EMA (``GMMLayer._update``);
* ``encoding``: the rest of the layer's forward (E-step from the current
  estimate and the Fisher vector, eqs. 1, 13-14), i.e. the layer's forward
  time minus the update;
* ``iteration``: one ``model.train_step`` (preprocessor, forward, loss,
  backward, optimizer step) of the config on a real batch
  (:class:`mmfg.analysis.benchmark.ConfigBench`).

The backward pass through the encoding is part of ``iteration`` but not of
``encoding`` (autograd runs it inside the rest of the backward pass; the
paper's profiler figures are forward calls too). Timings synchronise CUDA.
"""
import argparse
import json
import statistics
import tempfile
import time
from types import SimpleNamespace

import torch

from mmfg.models.layers import FVELayer
from mmfg.utils import register_all_modules, run_with_clear_errors


class _Timer:

    def __init__(self, device):
        self.device = device
        self.total = 0.0

    def sync(self):
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)

    def wrap(self, fn):

        def timed(*args, **kwargs):
            self.sync()
            t0 = time.perf_counter()
            out = fn(*args, **kwargs)
            self.sync()
            self.total += time.perf_counter() - t0
            return out

        return timed


def fve_timing(config,
               device='cpu',
               batch_size=None,
               iters=20,
               warmup=3,
               synthetic=False,
               synthetic_size=(500, 375),
               input_size=None,
               log=print):
    """Median per-iteration times (seconds) and shares (percent) of the GMM
    update and the encoding over ``iters`` training iterations of
    ``config``."""
    from mmfg.analysis.benchmark import ConfigBench
    args = SimpleNamespace(
        device=device,
        batch_size=batch_size,
        input_size=input_size,
        synthetic=synthetic,
        synthetic_size=synthetic_size,
        amp=False)
    bench = ConfigBench(config, args, tempfile.mkdtemp(prefix='mmfg_fve_'))
    layers = [m for m in bench.model.modules() if isinstance(m, FVELayer)]
    if not layers:
        raise ValueError(f'{bench.name}: the model has no FVELayer')
    dev = torch.device(device)
    upd, fwd = _Timer(dev), _Timer(dev)
    for layer in layers:
        layer._update = upd.wrap(layer._update)
        layer.forward = fwd.wrap(layer.forward)
    for _ in range(warmup):
        bench.train_step()
    rows = []
    for i in range(iters):
        upd.total = fwd.total = 0.0
        it = bench.timed(bench.train_step, 1)
        rows.append((it, upd.total, fwd.total - upd.total))
    it = statistics.median(r[0] for r in rows)
    gmm = statistics.median(r[1] for r in rows)
    enc = statistics.median(r[2] for r in rows)
    share_gmm = statistics.median(100 * r[1] / r[0] for r in rows)
    share_enc = statistics.median(100 * r[2] / r[0] for r in rows)
    result = dict(
        config=bench.name,
        device=str(dev),
        batch_size=bench.batch_size,
        data_source=bench.data_source,
        iters=iters,
        iteration_s=it,
        gmm_update_s=gmm,
        encoding_s=enc,
        gmm_update_pct=share_gmm,
        encoding_pct=share_enc)
    log(f'{bench.name} ({dev}, batch {bench.batch_size}, {iters} iterations,'
        f' medians): iteration {it * 1e3:.1f} ms, GMM update '
        f'{gmm * 1e3:.2f} ms ({share_gmm:.2f} %), encoding '
        f'{enc * 1e3:.2f} ms ({share_enc:.2f} %)')
    return result


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--batch-size', type=int)
    p.add_argument('--iters', type=int, default=20)
    p.add_argument('--warmup', type=int, default=3)
    p.add_argument(
        '--synthetic',
        action='store_true',
        help='a synthetic JPEG with parts/proposals when the dataset is '
        'not on this machine')
    p.add_argument('--input-size', type=int)
    p.add_argument('--json', help='write the numbers to this file')
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    result = fve_timing(
        args.config,
        device=args.device,
        batch_size=args.batch_size,
        iters=args.iters,
        warmup=args.warmup,
        synthetic=args.synthetic,
        input_size=args.input_size)
    result['torch_threads'] = torch.get_num_threads()
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(result, f, indent=1)
    return result


if __name__ == '__main__':
    run_with_clear_errors(main)
