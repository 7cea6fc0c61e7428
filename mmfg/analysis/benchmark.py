"""Speed, memory and complexity of configs, measured in one process.

Used by ``tools/analysis_tools/benchmark.py``. For every config:

* ``train_step``: one ``model.train_step`` (data preprocessor, forward, loss,
  backward, optimizer step) on a real batch from the config's pipeline;
* ``infer_step``: one ``model.val_step`` (preprocessor + predict), no grad;
* ``data``: images/s that the config's train dataloader (its pipeline, its
  ``num_workers``, its ``collate_fn``) delivers, and ``data_to_train``,
  that over the training step's images/s;
* ``preprocess``: the data preprocessor alone on the batch (with
  ``preprocessor_baseline``, also the preprocessor code of another git
  revision, interleaved: :func:`legacy_preprocessor`);
* peak memory: ``rss_peak_mb``, the CPU RSS reached during 3 training
  steps above the level before them (what the steps allocate and free; small
  for small models, whose buffers the allocator reuses), ``rss_abs_mb`` the
  process's RSS then (all configs of the run are resident), and
  ``cuda_peak_mb``, the CUDA peak allocated, parameters and FLOPs
  (MMEngine's counter; one fused multiply-add counts as one FLOP, as in
  fvcore).

Timings are interleaved across configs (repetition r of every config before
repetition r + 1 of any) so that machine drift affects all alike; figures are
medians over repetitions with min/max as spread.
"""
import copy
import gc
import os
import os.path as osp
import statistics
import tempfile
import threading
import time

import numpy as np
import torch
from mmengine.config import Config
from mmengine.dataset import Compose, pseudo_collate

from mmfg.registry import DATASETS, MODELS


def rss_mb():
    """Resident set size of this process now, in MiB (Linux /proc)."""
    with open('/proc/self/statm') as f:
        pages = int(f.read().split()[1])
    return pages * os.sysconf('SC_PAGE_SIZE') / 2**20


class PeakRSS:
    """Context manager sampling RSS every ``interval`` seconds; ``peak`` is
    the highest value minus the value at entry (MiB)."""

    def __init__(self, interval=0.002):
        self.interval = interval

    def __enter__(self):
        gc.collect()
        self.start = self.peak_abs = rss_mb()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            self.peak_abs = max(self.peak_abs, rss_mb())
            time.sleep(self.interval)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_abs = max(self.peak_abs, rss_mb())
        self.peak = self.peak_abs - self.start


def synthetic_info(pipeline_cfg, size_wh, tmp_dir, num_parts=15, seed=0):
    """A data info for configs whose dataset is not on this machine: a real
    JPEG of ``size_wh`` with a box, parts and proposals, for pipelines that
    start with ``LoadImageFromFile``."""
    import cv2
    rng = np.random.default_rng(seed)
    w, h = size_wh
    img = cv2.GaussianBlur(
        rng.integers(0, 255, (h, w, 3), np.uint8), (0, 0), 3)
    path = osp.join(tmp_dir, f'synthetic_{w}x{h}.jpg')
    cv2.imwrite(path, img)
    parts = np.concatenate([
        rng.uniform([0.2 * w, 0.2 * h], [0.8 * w, 0.8 * h], (num_parts, 2)),
        np.ones((num_parts, 1))
    ], 1).astype(np.float32)
    props = np.array([[0.1 * w, 0.1 * h, 0.6 * w, 0.6 * h, 0.9],
                      [0.4 * w, 0.4 * h, 0.9 * w, 0.9 * h, 0.8]], np.float32)
    return dict(
        img_path=path,
        gt_label=0,
        sample_idx=0,
        gt_bboxes=np.array([[0.1 * w, 0.15 * h, 0.9 * w, 0.85 * h]],
                           np.float32),
        gt_keypoints=parts[None],
        proposals=props)


class _PipelineDataset(torch.utils.data.Dataset):
    """``length`` samples of one data info through a pipeline."""

    def __init__(self, info, pipeline_cfg, length):
        self.info, self.length = info, length
        self.pipeline = Compose(pipeline_cfg)

    def __len__(self):
        return self.length

    def __getitem__(self, idx):
        return self.pipeline(copy.deepcopy(self.info))


class ConfigBench:
    """Everything needed to time one config."""

    def __init__(self, config, args, tmp_dir):
        cfg = Config.fromfile(config) if isinstance(config, str) else config
        self.name = osp.splitext(osp.basename(cfg.filename or 'cfg'))[0]
        self.cfg = cfg
        self.device = torch.device(args.device)
        loader_cfg = copy.deepcopy(cfg.train_dataloader)
        self.batch_size = args.batch_size or loader_cfg.batch_size
        self.num_workers = loader_cfg.get('num_workers', 0)
        self.collate_fn = build_collate_fn(loader_cfg.get('collate_fn'))
        ds_cfg = loader_cfg.dataset
        pipeline = copy.deepcopy(ds_cfg.get('pipeline', []))
        if args.input_size:
            pipeline = _override_input_size(pipeline, args.input_size)
        self.data_source = 'real'
        try:
            ds_cfg.pipeline = pipeline
            self.dataset = DATASETS.build(ds_cfg)
        except FileNotFoundError:
            if not args.synthetic:
                raise
            self.data_source = f'synthetic {args.synthetic_size[0]}x' \
                f'{args.synthetic_size[1]} JPEG'
            info = synthetic_info(pipeline, args.synthetic_size, tmp_dir)
            self.dataset = _PipelineDataset(info, pipeline, 10**6)
        self.batch = self.collate_fn([
            self.dataset[i % len(self.dataset)] for i in range(self.batch_size)
        ])
        # random weights: timings do not depend on them, and no pretrained
        # file (init_cfg) is downloaded or loaded
        self.model = MODELS.build(copy.deepcopy(cfg.model)).to(self.device)
        optim_cfg = copy.deepcopy(cfg.optim_wrapper)
        if args.amp:
            optim_cfg.type = 'AmpOptimWrapper'
        from mmengine.optim import build_optim_wrapper
        self.optim_wrapper = build_optim_wrapper(self.model, optim_cfg)
        self.amp = args.amp
        self.times = {
            'train_step': [],
            'infer_step': [],
            'data_img_s': [],
            'preprocess': [],
            'preprocess_legacy': []
        }
        self.legacy = None
        rev = getattr(args, 'preprocessor_baseline', None)
        if rev:
            self.legacy = legacy_preprocessor(self.model.data_preprocessor,
                                              rev)

    def preprocess(self):
        self.model.data_preprocessor(self.batch, True)

    def preprocess_legacy(self):
        self.legacy(self.batch, True)

    def _sync(self):
        if self.device.type == 'cuda':
            torch.cuda.synchronize(self.device)

    def train_step(self):
        self.model.train()
        self.model.train_step(self.batch, self.optim_wrapper)

    @torch.no_grad()
    def infer_step(self):
        self.model.eval()
        ctx = (
            torch.autocast(self.device.type) if self.amp else _nullcontext())
        with ctx:
            self.model.val_step(self.batch)

    def timed(self, fn, iters):
        self._sync()
        start = time.perf_counter()
        for _ in range(iters):
            fn()
        self._sync()
        return (time.perf_counter() - start) / iters

    def data_throughput(self, num_batches):
        loader = torch.utils.data.DataLoader(
            self.dataset,
            batch_size=self.batch_size,
            num_workers=self.num_workers,
            collate_fn=self.collate_fn,
            sampler=torch.utils.data.RandomSampler(
                self.dataset, num_samples=self.batch_size * (num_batches + 1)))
        it = iter(loader)
        next(it)  # workers started, first batch excluded
        start = time.perf_counter()
        n = sum(len(b['inputs']) for b in it)
        return n / (time.perf_counter() - start)

    def complexity(self):
        data = self.model.data_preprocessor(
            pseudo_collate([self.dataset[0]]), False)
        return count_flops(self.model, data)['flops']

    def memory(self, iters=3):
        if self.device.type == 'cuda':
            torch.cuda.reset_peak_memory_stats(self.device)
        with PeakRSS() as peak:
            for _ in range(iters):
                self.train_step()
        cuda = (
            torch.cuda.max_memory_allocated(self.device) /
            2**20 if self.device.type == 'cuda' else None)
        return peak.peak, peak.peak_abs, cuda


def build_collate_fn(cfg):
    """The DataLoader's collate function from a config's ``collate_fn``
    (as MMEngine's runner builds it; default ``pseudo_collate``)."""
    import functools

    from mmengine.registry import FUNCTIONS
    if cfg is None:
        return pseudo_collate
    if callable(cfg):
        return cfg
    cfg = dict(cfg)
    fn = cfg.pop('type')
    if isinstance(fn, str):
        fn = FUNCTIONS.get(fn)
    return functools.partial(fn, **cfg)


def _legacy_module(name, rev, path, replace=()):
    """Module ``name`` from the text of ``path`` at git revision ``rev``,
    its registrations removed (the classes are not registered twice)."""
    import subprocess
    import sys
    import types
    root = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
    src = subprocess.run(['git', 'show', f'{rev}:{path}'],
                         cwd=root,
                         check=True,
                         capture_output=True,
                         text=True).stdout
    src = src.replace('@MODELS.register_module()\n', '')
    for old, new in replace:
        src = src.replace(old, new)
    module = types.ModuleType(name)
    module.__file__ = f'{rev}:{path}'
    sys.modules[name] = module
    exec(compile(src, module.__file__, 'exec'), module.__dict__)
    return module


def legacy_preprocessor(pre, rev):
    """The data preprocessor ``pre`` run by the code of git revision
    ``rev`` (``mmfg/models/utils/data_preprocessor.py`` and
    ``roi_crops.py`` read with ``git show``): an instance of the old class
    sharing ``pre``'s state (mean, std, device, cropper settings), for
    timing old against new in one process; None for preprocessors that
    are not mmfg's (their code did not change)."""
    from mmfg.models.utils import data_preprocessor as dp_mod
    from mmfg.models.utils import roi_crops as roi_mod
    name = type(pre).__name__
    if not isinstance(pre, dp_mod.FGDataPreprocessor):
        return None
    dp = _legacy_module(f'_legacy_dp_{rev}', rev,
                        'mmfg/models/utils/data_preprocessor.py')
    roi = _legacy_module(
        f'_legacy_roi_{rev}',
        rev,
        'mmfg/models/utils/roi_crops.py',
        replace=[('from .data_preprocessor import',
                  f'from _legacy_dp_{rev} import')])
    cls = getattr(dp, name, None) or getattr(roi, name)
    old = cls.__new__(cls)
    old.__dict__.update(pre.__dict__)
    old._modules = dict(pre._modules)
    if isinstance(pre, roi_mod.RoIAlignFGDataPreprocessor):
        cropper = roi.RoIAlignCrops.__new__(roi.RoIAlignCrops)
        cropper.__dict__.update(pre.cropper.__dict__)
        old._modules['cropper'] = cropper
    return old


def same_output(a, b) -> bool:
    """Whether two preprocessor outputs hold equal tensors (bit for bit)."""
    if torch.is_tensor(a) or torch.is_tensor(b):
        return (torch.is_tensor(a) and torch.is_tensor(b)
                and a.shape == b.shape and a.dtype == b.dtype
                and bool(torch.equal(a, b)))
    if isinstance(a, dict):
        return isinstance(b, dict) and set(a) == set(b) and all(
            same_output(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return isinstance(b, (list, tuple)) and len(a) == len(b) and all(
            same_output(x, y) for x, y in zip(a, b))
    if hasattr(a, 'items') and hasattr(a, 'metainfo'):  # data samples
        return same_output(dict(a.items()), dict(b.items()))
    return True


class _nullcontext:

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _TensorForward(torch.nn.Module):
    """``model(inputs, mode='tensor', **rest)`` as a one-input module, for
    the FLOP counter; ``rest`` = the data preprocessor's other outputs
    (``data_samples``, and the part crops of part-based models)."""

    def __init__(self, model, data):
        super().__init__()
        self.model = model
        self.rest = {k: v for k, v in data.items() if k != 'inputs'}

    def forward(self, inputs):
        return self.model(inputs, mode='tensor', **self.rest)


def count_flops(model, data, show_table=False):
    """FLOPs of ``model(data['inputs'], mode='tensor', **rest)`` by
    MMEngine's counter (``mmengine.analysis.get_model_complexity_info``,
    fvcore's: one fused multiply-add counts as one FLOP).

    Args:
        model (BaseModel): the classifier (put in eval mode here).
        data (dict): the data preprocessor's output: ``inputs``
            ``(B, C, H, W)`` and the model's other keyword arguments (for
            part/patch models ``parts (B, K, C, h, w)`` and ``part_valid
            (B, K)``; ``data_samples``).
        show_table (bool): also return MMEngine's per-module table.

    Returns:
        dict: ``flops`` (int, total), ``params`` (int), ``by_module``
        (``{name: FLOPs}`` of every sub-module, ``''`` the total) and
        ``table`` (str, when ``show_table``).
    """
    from mmengine.analysis import FlopAnalyzer, parameter_count
    from mmengine.analysis.print_helper import complexity_stats_table

    wrapper = _TensorForward(model, data)
    wrapper.eval()
    analyzer = FlopAnalyzer(wrapper, (data['inputs'], ))
    analyzer.unsupported_ops_warnings(False)
    analyzer.uncalled_modules_warnings(False)
    by_module = {}
    for name, flops in analyzer.by_module().items():
        # names inside the model: '' the total, 'backbone', ...
        if name == 'model':
            name = ''
        elif name.startswith('model.'):
            name = name[len('model.'):]
        by_module[name] = flops
    out = dict(
        flops=analyzer.total(),
        params=parameter_count(model)[''],
        by_module=by_module,
        unsupported_ops=dict(analyzer.unsupported_ops()))
    if show_table:
        out['table'] = complexity_stats_table(
            flops=analyzer, max_depth=2, show_param_shapes=False)
    return out


def _override_input_size(pipeline, size):
    """Set the final spatial size of resize/crop steps to ``size``."""
    out = []
    for step in pipeline:
        step = copy.deepcopy(step)
        t = step.get('type', '')
        if 'Resize' in t and 'scale' in step:
            step['scale'] = size
        if 'Crop' in t and 'crop_size' in step:
            step['crop_size'] = size
        if t == 'LowResolution' and step.get('out_size') is not None:
            step['out_size'] = size
        out.append(step)
    return out


def summarise(values):
    return dict(
        median=statistics.median(values),
        min=min(values),
        max=max(values),
        n=len(values))


def run_benchmark(configs, args, log=print):
    """Measure ``configs`` (paths or Config objects); returns one dict per
    config (see the module docstring for the fields)."""
    tmp_dir = tempfile.mkdtemp(prefix='mmfg_bench_')
    benches = [ConfigBench(c, args, tmp_dir) for c in configs]
    for b in benches:
        log(f'[{b.name}] warm-up ({args.warmup} iterations)')
        for _ in range(args.warmup):
            b.train_step()
            b.infer_step()
            b.preprocess()
            if b.legacy is not None:
                b.preprocess_legacy()
    for r in range(args.repeat):
        for b in benches:
            b.times['train_step'].append(b.timed(b.train_step, args.iters))
            b.times['infer_step'].append(b.timed(b.infer_step, args.iters))
            pair = [('preprocess', b.preprocess)]
            if b.legacy is not None:
                # alternate which runs first (a warm cache favours the
                # second)
                pair.insert(r % 2, ('preprocess_legacy', b.preprocess_legacy))
            for key, fn in pair:
                b.times[key].append(b.timed(fn, args.iters))
        log(f'repetition {r + 1}/{args.repeat}: ' + ', '.join(
            f'{b.name} train {b.times["train_step"][-1] * 1e3:.1f} ms'
            for b in benches))
    for r in range(args.data_repeat):
        for b in benches:
            b.times['data_img_s'].append(b.data_throughput(args.data_batches))
    results = []
    for b in benches:
        rss, rss_abs, cuda = b.memory()
        train = summarise(b.times['train_step'])
        infer = summarise(b.times['infer_step'])
        data_img_s = summarise(b.times['data_img_s'])
        params = sum(p.numel() for p in b.model.parameters())
        trainable = sum(p.numel() for p in b.model.parameters()
                        if p.requires_grad)
        try:
            flops = b.complexity()
        except Exception as exc:  # noqa: BLE001 - reported, not fatal
            log(f'[{b.name}] FLOP count failed: {exc}')
            flops = None
        train_img_s = b.batch_size / train['median']
        extra = dict(preprocess_s=summarise(b.times['preprocess']))
        if b.legacy is not None:
            extra['preprocess_legacy_s'] = summarise(
                b.times['preprocess_legacy'])
            extra['preprocess_speedup'] = (
                extra['preprocess_legacy_s']['median'] /
                extra['preprocess_s']['median'])
            extra['preprocess_same_output'] = same_output(
                b.legacy(copy.deepcopy(b.batch), True),
                b.model.data_preprocessor(copy.deepcopy(b.batch), True))
        results.append(
            dict(
                config=b.name,
                device=str(b.device),
                amp=b.amp,
                batch_size=b.batch_size,
                input_shape=list(b.batch['inputs'][0].shape),
                data_source=b.data_source,
                num_workers=b.num_workers,
                params=params,
                params_trainable=trainable,
                flops=flops,
                train_step_s=train,
                infer_step_s=infer,
                train_img_s=train_img_s,
                infer_img_s=b.batch_size / infer['median'],
                data_img_s=data_img_s,
                data_keeps_up=data_img_s['median'] >= train_img_s,
                data_to_train=data_img_s['median'] / train_img_s,
                **extra,
                rss_peak_mb=rss,
                rss_abs_mb=rss_abs,
                cuda_peak_mb=cuda,
            ))
    return results


RATIO_KEYS = ('params', 'params_trainable', 'flops', 'train_step_s',
              'infer_step_s', 'data_img_s', 'rss_peak_mb', 'cuda_peak_mb')


def _value(entry, key):
    v = entry.get(key)
    return v['median'] if isinstance(v, dict) else v


def add_ratios(results, baseline_name):
    """Add ``ratio_to_baseline`` (every figure / the baseline's)."""
    base = next(r for r in results if r['config'] == baseline_name)
    for r in results:
        ratios = {}
        for key in RATIO_KEYS:
            a, b = _value(r, key), _value(base, key)
            ratios[key] = (a / b) if a is not None and b else None
        r['ratio_to_baseline'] = ratios
        r['baseline'] = baseline_name
    return results


def _prep(r):
    """Preprocessor ms (and the old code's, with its speed-up)."""
    text = f'{r["preprocess_s"]["median"] * 1e3:.2f}'
    if 'preprocess_legacy_s' in r:
        text += (f' (old {r["preprocess_legacy_s"]["median"] * 1e3:.2f}, '
                 f'x{r["preprocess_speedup"]:.2f}'
                 f'{"" if r["preprocess_same_output"] else ", DIFFERS"})')
    return text


def format_table(results):
    """Plain-text table of the main figures (ratios when present)."""
    head = [
        'config', 'params', 'GFLOPs', 'train ms', 'infer ms', 'prep ms',
        'train img/s', 'data img/s', 'data/train', 'RSS MiB'
    ]
    rows = []
    for r in results:
        ratio = r.get('ratio_to_baseline')
        row = [
            r['config'],
            f'{r["params"] / 1e6:.3f}M',
            '-' if r['flops'] is None else f'{r["flops"] / 1e9:.3f}',
            f'{r["train_step_s"]["median"] * 1e3:.1f} '
            f'[{r["train_step_s"]["min"] * 1e3:.1f}-'
            f'{r["train_step_s"]["max"] * 1e3:.1f}]',
            f'{r["infer_step_s"]["median"] * 1e3:.1f}',
            _prep(r),
            f'{r["train_img_s"]:.1f}',
            f'{r["data_img_s"]["median"]:.1f}',
            f'{r["data_to_train"]:.2f}',
            f'{r["rss_peak_mb"]:.0f}',
        ]
        if ratio:
            row[3] += f' (x{ratio["train_step_s"]:.2f})'
            row[4] += f' (x{ratio["infer_step_s"]:.2f})'
        rows.append(row)
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]
    fmt = '  '.join(f'{{:<{w}}}' for w in widths)
    return '\n'.join([fmt.format(*head)] + [fmt.format(*row) for row in rows])
