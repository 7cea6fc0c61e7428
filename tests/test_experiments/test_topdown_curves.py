"""experiments/topdown/curves.py on the published reference-recipe logs:
the numbers it reports are the logs' own (parsed here with a plain regex),
a resumed run's log (two starts) gives the same curve, an unfinished run is
left out of the means."""
import os.path as osp
import re
import shutil
import statistics

import pytest

from experiments.topdown.curves import markdown, paired, summarise

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


def test_paired_comparison_against_the_closed_form():
    """Seeds 0-2 of the published study (BU - TD 1.32, 0.88, 0.50): with
    3 seeds (df 2) Student's t has a closed form, F(t) = 1/2 + t / (2
    sqrt(2 + t^2)), so p = 1 - t / sqrt(2 + t^2) and t(0.975, 2) =
    sqrt(2 / (1 - 0.95^2) - 2) = 4.3027; computed here by hand."""
    gaps = [1.32, 0.88, 0.50]
    r = paired(gaps)
    mean = (1.32 + 0.88 + 0.50) / 3
    sd = (sum((g - mean)**2 for g in gaps) / 2)**0.5
    t = mean / (sd / 3**0.5)
    assert r['n'] == 3 and r['td_below'] == 3
    assert r['mean'] == pytest.approx(0.90, abs=1e-12)
    assert r['t'] == pytest.approx(t) and t == pytest.approx(3.7987, abs=1e-4)
    assert r['p'] == pytest.approx(1 - t / (2 + t * t)**0.5, rel=1e-9)
    half = (2 / (1 - 0.95**2) - 2)**0.5 * sd / 3**0.5
    assert r['ci95'] == pytest.approx([mean - half, mean + half], rel=1e-9)
    assert paired([1.0]) is None and paired([0.5, 0.5]) is None
    assert paired([-1.0, 0.5, -0.2])['td_below'] == 1


def test_paired_line_in_the_table():
    s = summarise(LOGS, epochs=40)
    pr = s['paired']
    assert pr['n'] == len(s['gaps']) >= 3
    lo, hi = pr['ci95']
    assert (f"Paired over {pr['n']} seeds: BU - TD {pr['mean']:.2f}, 95 % CI "
            f'[{lo:.2f}, {hi:.2f}]') in markdown(s)
