"""experiments/topdown/curves.py on the published reference-recipe logs:
the numbers it reports are the logs' own (parsed here with a plain regex),
a resumed run's log (two starts) gives the same curve, an unfinished run is
left out of the means."""
import os.path as osp
import re
import shutil
import statistics

import pytest

from experiments.topdown.curves import markdown, summarise

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))
LOGS = osp.join(REPO, 'experiments', 'topdown', 'logs', 'reference-40e')
BU0 = 'bu_lenetfc_fashion-mnist_seed0.log'
TD0 = 'td_lenetfc_fashion-mnist_seed0.log'
VAL = re.compile(r'Epoch\(val\) \[(\d+)\]\[40/40\]\s+accuracy/top1: ([\d.]+)')


def regex_curve(path):
    with open(path) as f:
        return {int(e): float(v) for e, v in VAL.findall(f.read())}


def test_seed0_numbers_are_the_logs_own(tmp_path):
    for name in (BU0, TD0):
        shutil.copy(osp.join(LOGS, name), tmp_path / name)
    s = summarise(str(tmp_path), epochs=40, window=10)
    runs = {r['mode']: r for r in s['runs']}
    for mode, name in (('bu', BU0), ('td', TD0)):
        ref = regex_curve(osp.join(LOGS, name))
        assert len(ref) == 40
        assert runs[mode]['curve'] == ref
        assert runs[mode]['final'] == ref[40]
        last = [ref[e] for e in range(31, 41)]
        assert runs[mode]['plateau_range'] == pytest.approx(
            max(last) - min(last), abs=1e-9)
    # the values recorded in experiments/reproduction.md
    assert runs['bu']['final'] == 91.36 and runs['td']['final'] == 90.04
    assert s['gaps'] == {0: 1.32}
    assert 'BU - TD per seed: seed 0: 1.32' in markdown(s)


def test_resumed_log_and_unfinished_run(tmp_path):
    with open(osp.join(LOGS, BU0)) as f:
        lines = f.read().split('\n')
    cut = next(i for i, ln in enumerate(lines) if 'Epoch(val) [12]' in ln)
    restart = next(i for i, ln in enumerate(lines)
                   if 'Epoch(train) [11]' in ln)
    first = lines[:cut + 1]
    first[cut] = first[cut].replace('accuracy/top1: ', 'accuracy/top1: 1')
    # seed 1: killed after epoch 12, resumed from epoch 10's checkpoint
    (tmp_path / 'bu_lenetfc_fashion-mnist_seed1.log').write_text(
        '\n'.join(first + lines[restart:]))
    # seed 2: unfinished (stopped after epoch 12)
    (tmp_path / 'bu_lenetfc_fashion-mnist_seed2.log').write_text('\n'.join(
        lines[:cut + 1]))
    shutil.copy(osp.join(LOGS, BU0), tmp_path / BU0)
    s = summarise(str(tmp_path), epochs=40)
    by_seed = {r['seed']: r for r in s['runs']}
    assert by_seed[1]['curve'] == regex_curve(osp.join(LOGS, BU0))
    assert not by_seed[2]['finished'] and by_seed[2]['final'] is None
    assert s['modes']['bu']['seeds'] == [0, 1]
    assert s['modes']['bu']['mean'] == 91.36
    assert s['modes']['bu']['std'] == statistics.stdev([91.36, 91.36])
    assert 'unfinished (epoch 12 of 40)' in markdown(s)


def test_foreign_file_name_is_refused(tmp_path):
    (tmp_path / 'notes.log').write_text('')
    from mmfg.utils import ConfigError
    with pytest.raises(ConfigError, match='not a Top-Down run log'):
        summarise(str(tmp_path))
