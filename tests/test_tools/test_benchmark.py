"""tools/analysis_tools/benchmark.py: every JSON field, and a model made
deliberately slower shows a ratio > 1."""
import json
import os.path as osp

import pytest

from ..conftest import BASELINE_CFG, REPO, run_tool

BENCH = osp.join(REPO, 'tools', 'analysis_tools', 'benchmark.py')

SLOW_MODULE = '''
import torch
from mmpretrain.models import LeNet5
from mmfg.registry import MODELS


@MODELS.register_module()
class RepeatedLeNet5(LeNet5):
    """LeNet-5 run `repeat` times and averaged: the same result with
    `repeat` times the work."""

    def __init__(self, repeat=4, **kwargs):
        super().__init__(**kwargs)
        self.repeat = repeat

    def forward(self, x):
        outs = [super(RepeatedLeNet5, self).forward(x)
                for _ in range(self.repeat)]
        return tuple(sum(o) / self.repeat for o in zip(*outs))
'''


def test_benchmark_json_and_ratio(tmp_path):
    (tmp_path / 'slow_lenet.py').write_text(SLOW_MODULE)
    small = f"""_base_ = [{BASELINE_CFG!r}]
train_dataloader = dict(batch_size=64, num_workers=0,
                        dataset=dict(indices=256))
"""
    (tmp_path / 'fast.py').write_text(small)
    (tmp_path / 'slow.py').write_text(small + """
custom_imports = dict(imports=['slow_lenet'], allow_failed_imports=False)
model = dict(backbone=dict(type='RepeatedLeNet5', repeat=6))
""")
    out = tmp_path / 'bench.json'
    proc = run_tool([
        BENCH,
        str(tmp_path / 'slow.py'), '--baseline',
        str(tmp_path / 'fast.py'), '--repeat', '3', '--iters', '2', '--warmup',
        '1', '--data-batches', '2', '--data-repeat', '1', '--json',
        str(out)
    ],
                    env={'PYTHONPATH': f'{REPO}:{tmp_path}'})
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads(out.read_text())
    assert report['machine']['device'] == 'cpu'
    by_name = {r['config']: r for r in report['results']}
    assert set(by_name) == {'fast', 'slow'}
    fields = {
        'config', 'device', 'amp', 'batch_size', 'input_shape', 'data_source',
        'num_workers', 'params', 'params_trainable', 'flops', 'train_step_s',
        'infer_step_s', 'train_img_s', 'infer_img_s', 'data_img_s',
        'data_keeps_up', 'rss_peak_mb', 'rss_abs_mb', 'cuda_peak_mb',
        'ratio_to_baseline', 'baseline'
    }
    for r in report['results']:
        assert fields <= set(r), fields - set(r)
        assert r['batch_size'] == 64 and r['input_shape'] == [1, 32, 32]
        assert r['train_step_s']['n'] == 3
        assert r['train_step_s']['min'] <= r['train_step_s']['median'] <= \
            r['train_step_s']['max']
        assert r['data_img_s']['median'] > 0
    fast, slow = by_name['fast'], by_name['slow']
    # LeNet-5 (mmpretrain): conv 1->6 5x5, conv 6->16 5x5, conv 16->120 5x5,
    # fc 120->84, fc 84->10 -> 156 + 2416 + 48120 + 10164 + 850 parameters
    assert fast['params'] == 61706 == slow['params']
    # same weights, 6x the work: FLOPs x6 and clearly slower steps
    assert abs(slow['ratio_to_baseline']['flops'] - 6) < 0.5
    # clearly slower steps: compared on the fastest repetition of each, which
    # a burst of load from other processes on the machine cannot inflate
    # (the medians' ratio fell to 1.04 for inference under a parallel run)
    for key in ('train_step_s', 'infer_step_s'):
        assert slow[key]['min'] / fast[key]['min'] > 2, key
    # the reported ratios are the medians' quotients (recomputed here)
    for key in ('train_step_s', 'infer_step_s'):
        assert slow['ratio_to_baseline'][key] == pytest.approx(
            slow[key]['median'] / fast[key]['median'], rel=1e-3)


def test_missing_config_is_clear(tmp_path):
    proc = run_tool([BENCH, str(tmp_path / 'none.py')])
    assert proc.returncode == 1 and 'does not exist' in proc.stderr
