"""The GPU check: each method's training steps with and without AMP, FVE
statistics under AMP against float32, the benchmark ratios on the device and
a 1-process ``dist_train.sh`` run, recorded as JSON and a Markdown table.

    python tools/gpu_check/checks.py [--device cuda|cpu] [--dry-run]
        [--out DIR] [--work DIR] [--groups install,train,fve,dist,bench,ops]
        [--methods lenet5,racnn,topdown,fve,focus-longer,gasa]
        [--budget SECONDS | --deadline UNIX_TIME] [--jobs N]

Everything goes through the public entry points (``tools/train.py``,
``tools/dist_train.sh``, ``tools/analysis_tools/benchmark.py``, the configs
and the registry), each run in its own process with a time limit; a failing
check is recorded and the next one runs. Results are merged into
``OUT/results.json`` (one record per check id, so several invocations, e.g.
before and after mmcv's ops are built, add up) and ``OUT/results.md``.

The data are the idx fixtures of :mod:`mmfg.testing` (random 28x28 images in
the official Fashion-MNIST layout) written under ``WORK/data/fashion_mnist``;
every run has ``WORK`` as its working directory, so the configs' relative
``data/fashion_mnist`` and ``checkpoints/`` resolve there and the checkout is
never written to.

``--dry-run`` (with ``--device cpu``): the same checks at CPU size (batch 8,
20 images per split, no workers); AMP is CPU autocast bfloat16 through
``cpu_amp_train.py`` (MMEngine's AmpOptimWrapper is GPU-only), the AMP
benchmark pass is skipped.
"""
import argparse
import copy
import glob
import json
import math
import os
import os.path as osp
import shutil
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor

HERE = osp.dirname(osp.abspath(__file__))
ROOT = osp.dirname(osp.dirname(HERE))

# method -> tiny config (Fashion-MNIST based, trains on CPU in minutes)
METHODS = {
    'lenet5': 'configs/baselines/lenet5_fashion-mnist.py',
    'racnn': 'configs/racnn/racnn_lenet5_fashion-mnist-lr8.py',
    'topdown': 'configs/topdown/td_lenetfc_fashion-mnist.py',
    'fve': 'configs/fve/fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py',
    'focus-longer': 'configs/focus_longer/'
    'focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox.py',
    'gasa': 'configs/gasa/gasa_tiny_1xb64_fashion-mnist.py',
}
# method -> its plain baseline for the benchmark ratios
BASELINES = {
    'racnn': 'configs/racnn/baseline_lenet5_fashion-mnist-lr8.py',
    'topdown': 'configs/topdown/bu_lenetfc_fashion-mnist.py',
    'fve': 'configs/fve/noparts_lenetfc_1xb128_cluttered-fashion-mnist.py',
    'focus-longer': 'configs/focus_longer/'
    'global_lenetfc_1xb128_cluttered-fashion-mnist-56.py',
    'gasa': 'configs/gasa/gasa_tiny_1xb64_fashion-mnist-no-grad-tokens.py',
}
# 1-process dist_train.sh: FVE (its GMM statistics are reduced over ranks)
# and a Focus-Longer ablation whose attention gets no gradient (DDP's
# unused-parameter check fires from the second iteration on).
DIST_CONFIGS = {
    'fve':
    METHODS['fve'],
    'focus-longer-sum':
    'configs/focus_longer/'
    'focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-gtbox-sum.py',
}
GROUPS = ('install', 'train', 'fve', 'dist', 'bench', 'ops')
# per-check time limits (s) on the device; the dry run uses the same
LIMITS = dict(
    install=60, train=120, fve=90, dist=150, bench=120, ops=60, compare=30)
# FVE statistics under autocast vs float32 from the same inputs: max |diff|
# over max |float32| of mu / var / alpha, and of the encoding
FVE_STATS_RTOL = 1e-3
FVE_OUT_RTOL = 1e-2


# ---------------------------------------------------------------- records
class Recorder:
    """Results merged by check id into OUT/results.json and results.md."""

    def __init__(self, out_dir, meta):
        self.out_dir = out_dir
        os.makedirs(out_dir, exist_ok=True)
        self.json_path = osp.join(out_dir, 'results.json')
        self.md_path = osp.join(out_dir, 'results.md')
        self.data = dict(meta=meta, checks=[])
        if osp.isfile(self.json_path):
            with open(self.json_path) as f:
                old = json.load(f)
            self.data['checks'] = old.get('checks', [])
            self.data['meta'] = {**old.get('meta', {}), **meta}

    def add(self, rec):
        checks = [c for c in self.data['checks'] if c['id'] != rec['id']]
        checks.append(rec)
        self.data['checks'] = checks
        mark = {'pass': 'ok  ', 'fail': 'FAIL', 'skip': 'skip'}[rec['status']]
        print(
            f'[gpu_check] {mark} {rec["id"]} ({rec["seconds"]:.1f} s) '
            f'{rec.get("message", "")}',
            flush=True)
        self.write()

    def write(self):
        tmp = self.json_path + '.tmp'
        with open(tmp, 'w') as f:
            json.dump(self.data, f, indent=1, default=str)
        os.replace(tmp, self.json_path)
        with open(self.md_path, 'w') as f:
            f.write(markdown(self.data))


def markdown(data):
    meta = data['meta']
    lines = ['# GPU check results', '']
    for k in ('device', 'device_name', 'dry_run', 'torch', 'cuda', 'mmcv',
              'mmcv_ops', 'mmcv_ops_build', 'python', 'started'):
        if k in meta:
            lines.append(f'- {k}: {meta[k]}')
    checks = data['checks']
    n = {
        s: sum(c['status'] == s for c in checks)
        for s in ('pass', 'fail', 'skip')
    }
    lines += [
        f'- checks: {n["pass"]} passed, {n["fail"]} failed, '
        f'{n["skip"]} skipped', '', '| check | status | s | details |',
        '| --- | --- | --- | --- |'
    ]
    for c in checks:
        details = c.get('message', '')
        summary = c.get('summary')
        if summary:
            details = (details + '; ' if details else '') + summary
        details = details.replace('|', '/').replace('\n', ' ')
        lines.append(f'| {c["id"]} | {c["status"]} | {c["seconds"]:.1f} | '
                     f'{details} |')
    return '\n'.join(lines) + '\n'


def record(rec_id, group, status, seconds, message='', summary='', **details):
    return dict(
        id=rec_id,
        group=group,
        status=status,
        seconds=round(float(seconds), 2),
        message=message,
        summary=summary,
        details=details)


# ---------------------------------------------------------------- helpers
class Budget:

    def __init__(self, deadline):
        self.deadline = deadline

    def left(self):
        return self.deadline - time.time()

    def limit(self, wanted, reserve=5.0):
        """Seconds a step may take: ``wanted`` or what is left."""
        return max(0.0, min(wanted, self.left() - reserve))


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


def last_error_line(text):
    """The most telling line of a failed run's output."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    for ln in reversed(lines):
        if ln.startswith('error:') or 'Error' in ln or 'error' in ln:
            return ln[:400]
    return lines[-1][:400] if lines else '(no output)'


def run_proc(cmd, cwd, timeout, log_path, env=None):
    """Run ``cmd``; returns (returncode or 'timeout', seconds, output)."""
    t0 = time.time()
    full_env = dict(os.environ)
    full_env['PYTHONUNBUFFERED'] = '1'
    if env:
        full_env.update(env)
    with open(log_path, 'w') as log:
        log.write('$ ' + ' '.join(cmd) + '\n')
        log.flush()
        try:
            p = subprocess.Popen(
                cmd,
                cwd=cwd,
                env=full_env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True)
        except OSError as e:
            return 1, time.time() - t0, str(e)
        try:
            rc = p.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            import signal
            try:
                os.killpg(p.pid, signal.SIGKILL)
            except OSError:
                pass
            p.wait()
            rc = 'timeout'
    with open(log_path, errors='replace') as f:
        out = f.read()
    return rc, time.time() - t0, out


def read_scalars(work_dir):
    """Training and validation lines of the LocalVisBackend scalars file."""
    files = sorted(
        glob.glob(osp.join(work_dir, '*', 'vis_data', 'scalars.json')))
    train, val = [], []
    for path in files[-1:]:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if not line:
                    continue
                entry = json.loads(line)
                (train if any(k.startswith('loss')
                              for k in entry) else val).append(entry)
    return train, val


def is_finite(v):
    return isinstance(v, (int, float)) and math.isfinite(v)


def tensor_report(state, keys=None):
    """Non-finite floating tensors of a state dict (names)."""
    import torch
    bad = []
    for k, v in state.items():
        if keys is not None and not any(k.endswith(s) for s in keys):
            continue
        if torch.is_tensor(v) and v.is_floating_point() \
                and not bool(torch.isfinite(v).all()):
            bad.append(k)
    return bad


# ---------------------------------------------------------------- context
class Context:

    def __init__(self, args):
        self.args = args
        self.device = args.device
        self.dry = args.dry_run
        self.work = osp.abspath(args.work)
        self.budget = Budget(args.deadline)
        self.python = sys.executable
        os.makedirs(self.work, exist_ok=True)
        os.makedirs(osp.join(self.work, 'logs'), exist_ok=True)

    def cfg(self, rel):
        return osp.join(ROOT, rel)

    def log(self, name):
        return osp.join(self.work, 'logs', name + '.log')

    def size_options(self, batch_size=None):
        """--cfg-options of every training run."""
        opts = [
            'train_cfg.max_epochs=1', 'default_hooks.logger.interval=1',
            'default_hooks.checkpoint.max_keep_ckpts=1'
        ]
        if self.dry:
            opts += [
                'train_dataloader.batch_size=8',
                'train_dataloader.num_workers=0',
                'val_dataloader.batch_size=8', 'val_dataloader.num_workers=0',
                'test_dataloader.num_workers=0'
            ]
        return opts

    def env(self):
        # tools/*.py import mmfg from the checkout (first on the path)
        pp = os.environ.get('PYTHONPATH', '')
        return dict(PYTHONPATH=ROOT + (os.pathsep + pp if pp else ''))


def prepare_data(ctx):
    """Fashion-MNIST idx fixture under WORK/data/fashion_mnist."""
    from mmfg.testing import make_mnist_fixture
    root = osp.join(ctx.work, 'data', 'fashion_mnist')
    per_class = 2 if ctx.dry else ctx.args.images_per_class
    stamp = osp.join(root, f'.fixture-{per_class}')
    if not osp.isfile(stamp):
        shutil.rmtree(root, ignore_errors=True)
        make_mnist_fixture(
            root,
            num_classes=10,
            images_per_class=per_class,
            dataset_type='FashionMNIST')
        open(stamp, 'w').close()
    return root


def ensure_racnn_checkpoint(ctx):
    """RACNN's LeNet-5 configs start from checkpoints/lenet5_fashion-mnist-
    hr.pth: the LeNet-5 baseline's checkpoint of this check, or else a freshly
    initialised LeNet-5 saved in the same format."""
    dst = osp.join(ctx.work, 'checkpoints', 'lenet5_fashion-mnist-hr.pth')
    if osp.isfile(dst):
        return dst
    os.makedirs(osp.dirname(dst), exist_ok=True)
    import torch
    src = osp.join(ctx.work, 'train-lenet5-fp32', 'epoch_1.pth')
    if osp.isfile(src):
        # plain weights (what tools/misc/publish_model.py keeps): init_cfg
        # refuses a training checkpoint
        state = torch.load(
            src, map_location='cpu', weights_only=False)['state_dict']
    else:
        from mmengine.config import Config

        from mmfg.registry import MODELS
        from mmfg.utils import register_all_modules
        register_all_modules()
        cfg = Config.fromfile(ctx.cfg(METHODS['lenet5']))
        state = MODELS.build(cfg.model).state_dict()
    torch.save(dict(state_dict=state), dst)
    return dst


# ---------------------------------------------------------------- install
def check_install(ctx, rec):
    t0 = time.time()
    info = {}
    try:
        import torch
        info['torch'] = torch.__version__
        info['cuda'] = torch.version.cuda
        info['cuda_available'] = torch.cuda.is_available()
        if torch.cuda.is_available():
            info['device_name'] = torch.cuda.get_device_name()
        for mod in ('mmengine', 'mmcv', 'mmpretrain', 'mmdet', 'mmfg'):
            m = __import__(mod)
            info[mod] = getattr(m, '__version__', '?')
            info[mod + '_path'] = osp.dirname(m.__file__)
        try:
            import mmcv.ops  # noqa: F401
            info['mmcv_ops'] = True
        except Exception as e:  # noqa: BLE001
            info['mmcv_ops'] = f'no ({type(e).__name__})'
        status = 'pass'
        if ctx.device == 'cuda' and not info['cuda_available']:
            status = 'fail'
        rec.add(
            record(
                'install-imports',
                'install',
                status,
                time.time() - t0,
                summary=', '.join(f'{k} {info[k]}'
                                  for k in ('torch', 'mmengine', 'mmcv',
                                            'mmpretrain', 'mmdet', 'mmfg',
                                            'mmcv_ops')),
                **info))
    except Exception as e:  # noqa: BLE001
        rec.add(
            record('install-imports', 'install', 'fail',
                   time.time() - t0, f'{type(e).__name__}: {e}'))
    # the mmfg wheel alone (outside the checkout): imports, ships configs
    site = os.environ.get('GPU_CHECK_SITE')
    t0 = time.time()
    if not site:
        rec.add(
            record(
                'install-mmfg-wheel', 'install', 'skip', 0,
                'GPU_CHECK_SITE unset (no wheels installed by '
                'run_checks.sh)'))
        return
    code = ('import os, mmfg; d = os.path.dirname(mmfg.__file__); '
            "assert os.path.isdir(os.path.join(d, '.mim', 'configs')), d; "
            'print(mmfg.__version__, d)')
    rc, secs, out = run_proc([ctx.python, '-c', code],
                             cwd='/tmp',
                             timeout=ctx.budget.limit(LIMITS['install']),
                             log_path=ctx.log('install-mmfg-wheel'),
                             env=dict(PYTHONPATH=site))
    rec.add(
        record(
            'install-mmfg-wheel',
            'install',
            'pass' if rc == 0 else 'fail',
            secs,
            '' if rc == 0 else last_error_line(out),
            summary=out.strip().splitlines()[-1][:200] if rc == 0 else ''))


# ---------------------------------------------------------------- train
def train_cmd(ctx, config, work_dir, amp, extra_opts=()):
    opts = ctx.size_options() + list(extra_opts)
    train_py = osp.join(ROOT, 'tools', 'train.py')
    if amp and ctx.device == 'cpu':
        # AmpOptimWrapper is GPU-only: autocast('cpu', bfloat16) stand-in
        cmd = [ctx.python, osp.join(HERE, 'cpu_amp_train.py'), config]
        opts.append('optim_wrapper.type=CPUAutocastOptimWrapper')
    else:
        cmd = [ctx.python, train_py, config]
        if amp:
            cmd.append('--amp')
    return cmd + ['--work-dir', work_dir, '--cfg-options'] + opts


def summarise_training(work_dir):
    train, val = read_scalars(work_dir)
    losses = [e['loss'] for e in train if 'loss' in e]
    bad = [(e.get('step', e.get('iter')), k, e[k]) for e in train for k in e
           if k.startswith('loss') and not is_finite(e[k])]
    times = sorted(e['time'] for e in train if 'time' in e)
    info = dict(
        iters=len(train),
        losses=[round(v, 5) if is_finite(v) else str(v) for v in losses],
        nonfinite=bad,
        median_iter_s=times[len(times) // 2] if times else None,
        val={
            k: v
            for k, v in (val[-1].items() if val else []) if '/' in k
        })
    return info


def one_training(ctx, method, config, amp):
    tag = f'train-{method}-{"amp" if amp else "fp32"}'
    work_dir = osp.join(ctx.work, tag)
    shutil.rmtree(work_dir, ignore_errors=True)
    limit = ctx.budget.limit(LIMITS['train'])
    if limit < 10:
        return record(tag, 'train', 'skip', 0, 'no time left in the budget')
    rc, secs, out = run_proc(
        train_cmd(ctx, ctx.cfg(config), work_dir, amp),
        cwd=ctx.work,
        timeout=limit,
        log_path=ctx.log(tag),
        env=ctx.env())
    info = summarise_training(work_dir) if osp.isdir(work_dir) else {}
    ckpt = osp.join(work_dir, 'epoch_1.pth')
    info['checkpoint'] = ckpt if osp.isfile(ckpt) else None
    if rc == 'timeout':
        return record(
            tag,
            'train',
            'fail',
            secs, f'timed out after {limit:.0f}'
            ' s',
            config=config,
            amp=amp,
            **info)
    if rc != 0:
        return record(
            tag,
            'train',
            'fail',
            secs,
            last_error_line(out),
            config=config,
            amp=amp,
            **info)
    status, msg = 'pass', ''
    if not info.get('iters'):
        status, msg = 'fail', 'no training loss logged'
    elif info['nonfinite']:
        status, msg = 'fail', f'non-finite losses {info["nonfinite"][:3]}'
    elif info['checkpoint'] is None:
        status, msg = 'fail', 'no epoch_1.pth written'
    elif method == 'fve':
        import torch
        state = torch.load(ckpt, map_location='cpu', weights_only=False)
        bad = tensor_report(state['state_dict'])
        info['nonfinite_tensors'] = bad
        if bad:
            status, msg = 'fail', f'non-finite in checkpoint: {bad[:4]}'
    losses = info['losses']
    summary = (f'{info["iters"]} iters, loss {losses[0]} -> {losses[-1]}, '
               f'median step {info["median_iter_s"]:.4f} s'
               if losses and info['median_iter_s'] is not None else '')
    return record(
        tag,
        'train',
        status,
        secs,
        msg,
        summary=summary,
        config=config,
        amp=amp,
        **info)


def check_train(ctx, rec, methods):
    # the LeNet-5 baseline first: its checkpoint starts RACNN
    first = [m for m in methods if m == 'lenet5']
    rest = [m for m in methods if m != 'lenet5']
    jobs = []
    for m in first + rest:
        for amp in (False, True):
            jobs.append((m, amp))
    if 'lenet5' in first:
        for amp in (False, True):
            rec.add(one_training(ctx, 'lenet5', METHODS['lenet5'], amp))
        jobs = [j for j in jobs if j[0] != 'lenet5']
    if any(m == 'racnn' for m, _ in jobs) or 'racnn' in BASELINES:
        ensure_racnn_checkpoint(ctx)
    with ThreadPoolExecutor(max_workers=max(1, ctx.args.jobs)) as pool:
        futures = [
            pool.submit(one_training, ctx, m, METHODS[m], amp)
            for m, amp in jobs
        ]
        for f in futures:
            rec.add(f.result())
    if 'fve' in methods:
        rec.add(compare_fve_runs(ctx))


def compare_fve_runs(ctx):
    """The FVE training run under AMP against the float32 one (same seed,
    same data): GMM statistics finite in both; their relative difference
    after the run is recorded (the weights differ under AMP, so this is a
    figure, not a pass criterion; the criterion is check_fve_layer's)."""
    t0 = time.time()
    tag = 'fve-train-amp-vs-fp32'
    paths = [
        osp.join(ctx.work, f'train-fve-{k}', 'epoch_1.pth')
        for k in ('fp32', 'amp')
    ]
    if not all(osp.isfile(p) for p in paths):
        return record(tag, 'fve', 'skip', 0, 'a training run failed')
    import torch
    ref, amp = (
        torch.load(p, map_location='cpu', weights_only=False)['state_dict']
        for p in paths)
    keys = [
        k for k in ref if k.rsplit('.', 1)[-1] in ('mu', 'var', 'alpha')
        and torch.is_tensor(ref[k]) and ref[k].is_floating_point()
    ]
    if not keys:
        return record(tag, 'fve', 'fail',
                      time.time() - t0,
                      'no mu/var/alpha buffers in the FVE checkpoint')
    diffs, bad = {}, []
    for k in keys:
        a, b = amp[k].double(), ref[k].double()
        if not (torch.isfinite(a).all() and torch.isfinite(b).all()):
            bad.append(k)
            continue
        diffs[k] = float((a - b).abs().max() / b.abs().max().clamp_min(1e-12))
    status = 'fail' if bad else 'pass'
    return record(
        tag,
        'fve',
        status,
        time.time() - t0,
        f'non-finite: {bad}' if bad else '',
        summary='rel. diff after the run: ' +
        ', '.join(f'{k.rsplit(".", 1)[-1]} {v:.2e}' for k, v in diffs.items()),
        rel_diff=diffs)


# ---------------------------------------------------------------- fve
def check_fve_layer(ctx, rec):
    """FVELayer (D = 2048, K = 4, variances at the floor) under autocast
    against float32 from the same half-precision features: statistics and
    encoding finite and within FVE_STATS_RTOL / FVE_OUT_RTOL for 3 training
    steps, and an fp32 evaluation afterwards finite."""
    t0 = time.time()
    tag = 'fve-layer-autocast-vs-fp32'
    try:
        import torch

        from mmfg.registry import MODELS
        from mmfg.utils import register_all_modules
        register_all_modules()
        dev = ctx.device
        low = torch.float16 if dev == 'cuda' else torch.bfloat16
        torch.manual_seed(0)
        layer = MODELS.build(
            dict(type='FVELayer', in_channels=2048, num_components=4,
                 seed=0)).to(dev).train()
        floor = float(getattr(layer, 'var_floor', 1e-2))
        with torch.no_grad():
            layer.var.fill_(floor)
        ref, amp = copy.deepcopy(layer), copy.deepcopy(layer)
        worst = dict(stats=0.0, out=0.0)
        nonfinite = []
        for step in range(3):
            # post-ReLU-like features, as the backbone gives them under AMP
            x = (torch.rand(16, 49, 2048, device=dev) * 4).to(low)
            mask = torch.rand(16, 49, device=dev) > 0.2
            out_ref = ref(x.float(), mask)
            with torch.autocast(dev, dtype=low):
                out_amp = amp(x, mask)
            if not bool(torch.isfinite(out_amp).all()):
                nonfinite.append(f'encoding@{step}')
            rel = float((out_amp.float() - out_ref).abs().max() /
                        out_ref.abs().max().clamp_min(1e-12))
            worst['out'] = max(worst['out'], rel)
            for name in ('mu', 'var', 'alpha'):
                a, b = getattr(amp, name), getattr(ref, name)
                if not bool(torch.isfinite(a).all()):
                    nonfinite.append(f'{name}@{step}')
                    continue
                worst['stats'] = max(
                    worst['stats'],
                    float((a.float() - b.float()).abs().max() /
                          b.float().abs().max().clamp_min(1e-12)))
        amp.eval()
        with torch.no_grad():
            if not bool(torch.isfinite(amp(x.float(), mask)).all()):
                nonfinite.append('fp32 eval after the autocast steps')
        fails = []
        if nonfinite:
            fails.append(f'non-finite: {nonfinite[:4]}')
        if worst['stats'] > FVE_STATS_RTOL:
            fails.append(f'statistics rel. diff {worst["stats"]:.2e} > '
                         f'{FVE_STATS_RTOL:g}')
        if worst['out'] > FVE_OUT_RTOL:
            fails.append(f'encoding rel. diff {worst["out"]:.2e} > '
                         f'{FVE_OUT_RTOL:g}')
        rec.add(
            record(
                tag,
                'fve',
                'fail' if fails else 'pass',
                time.time() - t0,
                '; '.join(fails),
                summary=f'autocast {str(low).split(".")[-1]}: statistics '
                f'rel. diff {worst["stats"]:.2e} (tol {FVE_STATS_RTOL:g}), '
                f'encoding {worst["out"]:.2e} (tol {FVE_OUT_RTOL:g})',
                dtype=str(low),
                rel_diff=worst,
                nonfinite=nonfinite))
    except Exception as e:  # noqa: BLE001
        rec.add(
            record(tag, 'fve', 'fail',
                   time.time() - t0, f'{type(e).__name__}: {e}'[:400]))


# ---------------------------------------------------------------- dist
def check_dist(ctx, rec, names):
    for name in names:
        config = DIST_CONFIGS[name]
        tag = f'dist-{name}-1proc'
        work_dir = osp.join(ctx.work, tag)
        shutil.rmtree(work_dir, ignore_errors=True)
        limit = ctx.budget.limit(LIMITS['dist'])
        if limit < 15:
            rec.add(record(tag, 'dist', 'skip', 0, 'no time left'))
            continue
        cmd = [
            'bash',
            osp.join(ROOT, 'tools', 'dist_train.sh'),
            ctx.cfg(config), '1', '--work-dir', work_dir, '--cfg-options'
        ] + ctx.size_options()
        rc, secs, out = run_proc(
            cmd,
            cwd=ctx.work,
            timeout=limit,
            log_path=ctx.log(tag),
            env=dict(ctx.env(), PYTHON=ctx.python, PORT=str(free_port())))
        info = summarise_training(work_dir) if osp.isdir(work_dir) else {}
        backend = 'nccl' if ctx.device == 'cuda' else 'gloo'
        status, msg = 'pass', ''
        if rc == 'timeout':
            status, msg = 'fail', f'timed out after {limit:.0f} s'
        elif rc != 0:
            status, msg = 'fail', last_error_line(out)
        elif not info.get('iters'):
            status, msg = 'fail', 'no training loss logged'
        elif info['nonfinite']:
            status, msg = 'fail', f'non-finite losses {info["nonfinite"][:3]}'
        losses = info.get('losses') or []
        rec.add(
            record(
                tag,
                'dist',
                status,
                secs,
                msg,
                summary=f'{backend}, {info.get("iters", 0)} iters' +
                (f', loss {losses[0]} -> {losses[-1]}' if losses else ''),
                config=config,
                backend=backend,
                **info))


# ---------------------------------------------------------------- bench
def check_bench(ctx, rec, methods):
    for amp in ((False, True) if ctx.device == 'cuda' else (False, )):
        for m in methods:
            if m not in BASELINES:
                continue
            tag = f'bench-{m}-{"amp" if amp else "fp32"}'
            limit = ctx.budget.limit(LIMITS['bench'])
            if limit < 15:
                rec.add(record(tag, 'bench', 'skip', 0, 'no time left'))
                continue
            out_json = osp.join(ctx.work, tag + '.json')
            if osp.exists(out_json):
                os.remove(out_json)
            cmd = [
                ctx.python,
                osp.join(ROOT, 'tools', 'analysis_tools', 'benchmark.py'),
                ctx.cfg(METHODS[m]), '--baseline',
                ctx.cfg(BASELINES[m]), '--device', ctx.device, '--json',
                out_json, '--data-batches', '2', '--data-repeat', '1'
            ]
            if ctx.dry:
                cmd += [
                    '--batch-size', '8', '--repeat', '1', '--iters', '1',
                    '--warmup', '1'
                ]
            else:
                cmd += ['--repeat', '5', '--iters', '3', '--warmup', '2']
            if amp:
                cmd.append('--amp')
            rc, secs, out = run_proc(
                cmd,
                cwd=ctx.work,
                timeout=limit,
                log_path=ctx.log(tag),
                env=ctx.env())
            if rc != 0 or not osp.isfile(out_json):
                msg = (f'timed out after {limit:.0f} s'
                       if rc == 'timeout' else last_error_line(out))
                rec.add(record(tag, 'bench', 'fail', secs, msg))
                continue
            with open(out_json) as f:
                res = json.load(f)
            name = osp.splitext(osp.basename(METHODS[m]))[0]
            entry = next(r for r in res['results'] if r['config'] == name)
            ratios = entry.get('ratio_to_baseline', {})
            keep = {
                k: ratios.get(k)
                for k in ('train_step_s', 'infer_step_s', 'flops', 'params',
                          'cuda_peak_mb')
            }
            ms = entry['train_step_s']['median'] * 1e3
            summary = (f'vs {osp.basename(BASELINES[m])}: train step '
                       f'{_fmt(keep["train_step_s"])}x ({ms:.1f} ms), '
                       f'inference {_fmt(keep["infer_step_s"])}x, '
                       f'FLOPs {_fmt(keep["flops"])}x')
            rec.add(
                record(
                    tag,
                    'bench',
                    'pass',
                    secs,
                    summary=summary,
                    ratios=keep,
                    machine=res.get('machine'),
                    train_step_ms=ms,
                    batch=entry.get('batch_size')))


def _fmt(v):
    return '-' if v is None else f'{v:.2f}'


# ---------------------------------------------------------------- ops
def check_ops(ctx, rec):
    """mmcv's compiled RoIAlign and NMS on the device against CPU."""
    t0 = time.time()
    tag = f'mmcv-ops-{ctx.device}-vs-cpu'
    try:
        import torch
        from mmcv.ops import RoIAlign, nms
    except Exception as e:  # noqa: BLE001
        rec.add(
            record(
                tag, 'ops', 'skip',
                time.time() - t0,
                f'mmcv.ops not importable ({type(e).__name__}): the '
                'checks needing it (RoIAlign crops, proposals) are '
                'skipped'))
        return
    try:
        torch.manual_seed(0)
        feats = torch.rand(2, 8, 32, 32)
        xy = torch.rand(16, 2) * 20
        wh = torch.rand(16, 2) * 10 + 2
        rois = torch.cat([torch.randint(0, 2, (16, 1)).float(), xy, xy + wh],
                         1)
        op = RoIAlign((7, 7), 1.0, sampling_ratio=2, aligned=True)
        ref = op(feats, rois)
        got = op(feats.to(ctx.device), rois.to(ctx.device)).cpu()
        err = float((got - ref).abs().max())
        boxes = torch.cat([xy, xy + wh], 1)
        scores = torch.rand(16)
        _, keep_ref = nms(boxes, scores, 0.5)
        _, keep = nms(boxes.to(ctx.device), scores.to(ctx.device), 0.5)
        same = keep.cpu().tolist() == keep_ref.tolist()
        ok = err < 1e-4 and same
        rec.add(
            record(
                tag,
                'ops',
                'pass' if ok else 'fail',
                time.time() - t0,
                '' if ok else 'device and CPU differ',
                summary=f'RoIAlign max |diff| {err:.1e}, NMS same keep: '
                f'{same}',
                roialign_max_abs=err,
                nms_same=same))
    except Exception as e:  # noqa: BLE001
        rec.add(
            record(tag, 'ops', 'fail',
                   time.time() - t0, f'{type(e).__name__}: {e}'[:400]))


# ---------------------------------------------------------------- main
def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--device', choices=['cuda', 'cpu'])
    p.add_argument(
        '--dry-run',
        action='store_true',
        help='CPU-sized run of the same checks (AMP = CPU autocast bf16)')
    p.add_argument('--out', help='results folder (default: $OUT or WORK)')
    p.add_argument(
        '--work',
        default=osp.join(ROOT, 'work_dirs', 'gpu_check'),
        help='runs, logs and the data fixture')
    p.add_argument('--groups', default=','.join(GROUPS))
    p.add_argument('--methods', default=','.join(METHODS))
    p.add_argument('--dist', default=','.join(DIST_CONFIGS))
    p.add_argument('--budget', type=float, default=420)
    p.add_argument('--deadline', type=float, help='UNIX time to stop by')
    p.add_argument('--jobs', type=int, help='training runs at a time')
    p.add_argument('--images-per-class', type=int, default=64)
    p.add_argument(
        '--meta',
        action='append',
        default=[],
        metavar='KEY=VALUE',
        help='a note for the results header (e.g. how mmcv was built)')
    args = p.parse_args(argv)
    import torch
    if args.device is None:
        args.device = 'cpu' if args.dry_run or not \
            torch.cuda.is_available() else 'cuda'
    if args.device == 'cuda' and not torch.cuda.is_available():
        p.exit(
            2, 'error: --device cuda but torch sees no GPU; use '
            '--device cpu --dry-run here\n')
    if args.device == 'cpu' and not args.dry_run:
        args.dry_run = True
    if args.deadline is None:
        args.deadline = time.time() + args.budget
    if args.jobs is None:
        args.jobs = 3 if args.device == 'cuda' else 1
    args.out = args.out or os.environ.get('OUT') or args.work
    for opt, known in (('groups', GROUPS), ('methods', METHODS),
                       ('dist', DIST_CONFIGS)):
        vals = [v for v in getattr(args, opt).split(',') if v]
        unknown = [v for v in vals if v not in known]
        if unknown:
            p.exit(
                2, f'error: unknown --{opt} {unknown}; choose from '
                f'{list(known)}\n')
        setattr(args, opt, vals)
    return args


def main(argv=None):
    args = parse_args(argv)
    import torch
    meta = dict(
        device=args.device,
        device_name=(torch.cuda.get_device_name()
                     if args.device == 'cuda' else 'cpu'),
        dry_run=args.dry_run,
        torch=torch.__version__,
        cuda=torch.version.cuda,
        python=sys.version.split()[0])
    try:
        import mmcv
        meta['mmcv'] = mmcv.__version__
        try:
            import mmcv.ops  # noqa: F401
            meta['mmcv_ops'] = True
        except Exception:  # noqa: BLE001
            meta['mmcv_ops'] = False
    except Exception:  # noqa: BLE001
        meta['mmcv'] = None
    for note in args.meta:
        key, _, value = note.partition('=')
        meta[key] = value
    rec = Recorder(args.out, meta)
    rec.data['meta'].setdefault('started', time.strftime('%Y-%m-%d %H:%M:%S'))
    ctx = Context(args)
    t0 = time.time()
    prepare_data(ctx)
    for group in args.groups:
        if ctx.budget.left() < 10:
            rec.add(record(f'{group}-*', group, 'skip', 0, 'no time left'))
            continue
        if group == 'install':
            check_install(ctx, rec)
        elif group == 'train':
            check_train(ctx, rec, args.methods)
        elif group == 'fve':
            check_fve_layer(ctx, rec)
        elif group == 'dist':
            check_dist(ctx, rec, args.dist)
        elif group == 'bench':
            ensure_racnn_checkpoint(ctx)
            check_bench(ctx, rec, args.methods)
        elif group == 'ops':
            check_ops(ctx, rec)
    rec.write()
    n_fail = sum(c['status'] == 'fail' for c in rec.data['checks'])
    print(f'[gpu_check] {len(rec.data["checks"])} checks recorded, {n_fail} '
          f'failed, {time.time() - t0:.0f} s; {rec.json_path}, '
          f'{rec.md_path}')
    return 1 if n_fail else 0


if __name__ == '__main__':
    sys.exit(main())
