"""mmfg.analysis.results: unfinished runs are never averaged with finished
ones silently, and a cut-short scalars.json line is reported, not a
traceback."""
import json
import os
import os.path as osp

import pytest

from mmfg.analysis.results import (collect_results, config_train_cfg,
                                   final_metrics, read_scalars,
                                   results_markdown, run_status)
from mmfg.utils import DataError


def fake_run(root,
             name,
             epochs_done,
             max_epochs=3,
             top1=80.,
             stamp='20260101_000000',
             config=True):
    """A work dir as MMEngine writes it: ``<stamp>/vis_data/scalars.json``
    (a train row and a validation row, ``step`` = epoch, per epoch) and
    ``<stamp>/vis_data/config.py``."""
    vis = osp.join(root, name, stamp, 'vis_data')
    os.makedirs(vis, exist_ok=True)
    lines = []
    for epoch in range(1, epochs_done + 1):
        lines.append(
            json.dumps(
                dict(
                    lr=0.01,
                    loss=1. / epoch,
                    epoch=epoch,
                    iter=epoch * 4,
                    step=epoch * 4)))
        lines.append(
            json.dumps({
                'accuracy/top1': top1 + epoch,
                'single-label/recall': top1 + epoch - 1,
                'data_time': 0.01,
                'time': 0.1,
                'step': epoch
            }))
    with open(osp.join(vis, 'scalars.json'), 'w') as f:
        f.write(''.join(ln + '\n' for ln in lines))
    if config:
        with open(osp.join(vis, 'config.py'), 'w') as f:
            f.write("model = dict(type='ImageClassifier')\n"
                    'train_cfg = dict(\n    by_epoch=True, max_epochs='
                    f'{max_epochs}, val_interval=1)\n')
    return osp.join(root, name)


def test_finished_runs_averaged(tmp_path):
    for seed, top1 in enumerate((80., 82.)):
        fake_run(tmp_path, f'net_seed{seed}', 3, top1=top1)
    groups = collect_results(str(tmp_path))
    assert [r['accuracy/top1'] for r in groups['net']] == [83., 85.]
    assert '| net | 84.00 ± 1.41 |' in results_markdown(groups)


def test_unfinished_run_refused_skipped_or_marked(tmp_path):
    fake_run(tmp_path, 'net_seed0', 3)
    fake_run(tmp_path, 'net_seed1', 3)
    stopped = fake_run(tmp_path, 'net_seed2', 1)  # stopped after epoch 1
    cfg = osp.join(stopped, '20260101_000000', 'vis_data', 'config.py')
    assert run_status(stopped) == (
        'unfinished', 'the last validation in its scalars.json is after '
        f'epoch 1, train_cfg.max_epochs=3 in {cfg}')
    with pytest.raises(DataError) as err:
        collect_results(str(tmp_path))
    msg = str(err.value)
    assert msg.startswith(f'1 run(s) under {tmp_path} did not finish: '
                          f'{stopped} (the last validation'), msg
    assert '--unfinished skip' in msg

    warned = []
    groups = collect_results(
        str(tmp_path), unfinished='skip', on_warning=warned.append)
    assert list(groups) == ['net'] and len(groups['net']) == 2
    assert len(warned) == 1 and 'it is left out' in warned[0]

    warned = []
    groups = collect_results(
        str(tmp_path), unfinished='mark', on_warning=warned.append)
    assert len(groups['net']) == 2
    assert groups['net (unfinished)'][0]['step'] == 1
    assert '| net (unfinished) | 81.00 | 80.00 | 1 |' in results_markdown(
        groups)


def test_resumed_run_is_judged_by_its_last_start(tmp_path):
    """A run resumed with more epochs: the newest start's config wins."""
    fake_run(tmp_path, 'r', 3, max_epochs=3, stamp='20260101_000000')
    work = fake_run(tmp_path, 'r', 0, max_epochs=5, stamp='20260102_000000')
    assert run_status(work)[0] == 'unfinished'  # 3 of 5
    fake_run(tmp_path, 'r', 5, max_epochs=5, stamp='20260102_000000')
    assert run_status(work)[0] == 'finished'


def test_unknown_length_is_kept_with_a_warning(tmp_path):
    fake_run(tmp_path, 'a', 1, config=False)
    warned = []
    groups = collect_results(str(tmp_path), on_warning=warned.append)
    assert len(groups['a']) == 1
    assert 'cannot tell whether run' in warned[0]
    assert 'no config dump' in warned[0]


def test_cut_short_last_line_is_dropped_with_a_warning(tmp_path):
    work = fake_run(tmp_path, 'net_seed0', 3)
    path = osp.join(work, '20260101_000000', 'vis_data', 'scalars.json')
    with open(path) as f:
        text = f.read()
    with open(path, 'w') as f:  # the final validation line cut short
        f.write(text[:-20])
    warned = []
    rows = read_scalars(path, on_warning=warned.append)
    assert len(rows) == 5
    assert warned[0].startswith(f'{path}: the last line (line 6) is cut '
                                'short')
    # the final evaluation is lost: the run is unfinished, not averaged
    assert final_metrics(work, on_warning=lambda m: None)['step'] == 2
    with pytest.raises(DataError, match='did not finish'):
        collect_results(str(tmp_path), on_warning=lambda m: None)


def test_damaged_line_before_the_last_is_an_error(tmp_path):
    work = fake_run(tmp_path, 'net_seed0', 3)
    path = osp.join(work, '20260101_000000', 'vis_data', 'scalars.json')
    with open(path) as f:
        lines = f.read().splitlines()
    lines[1] = lines[1][:15]
    with open(path, 'w') as f:
        f.write('\n'.join(lines) + '\n')
    with pytest.raises(
            DataError, match=rf'{path}, line 2 is not a JSON '
            'object'):
        collect_results(str(tmp_path))


def test_config_dump_is_read_as_text(tmp_path):
    marker = tmp_path / 'MARKER'
    cfg = tmp_path / 'config.py'
    cfg.write_text(f"import os\nos.system('touch {marker}')\n"
                   "train_cfg = dict(max_epochs=4, val_interval=1, "
                   "x=open('/etc/hostname').read())\n")
    assert config_train_cfg(str(cfg)) == dict(
        max_epochs=4, val_interval=1, x=None)
    assert not marker.exists()
