"""experiments.topdown.report (module and ``python -m`` entry): Markdown tables
from attack/localization JSON and work dirs, checked against hand-computed
values."""
import json
import statistics
import sys

import pytest

import experiments.topdown.report as report
from ..conftest import run_tool

EPS = [0., 0.5, 1., 2.]


def attack_result(scale='all', transfer=True):
    bu = dict(
        name='bu_lenetfc_fashion-mnist',
        clean_accuracy=0.9,
        attacks=dict(fgm=dict(accuracy=[0.9, 0.6, 0.3, 0.1], median_l2=0.8)))
    td = dict(
        name='td_lenetfc_fashion-mnist',
        clean_accuracy=0.8,
        input_scale_factors=[1, 2, 4],
        attacks=dict(fgm=dict(accuracy=[0.8, 0.7, 0.5, 0.2], median_l2=1.25)))
    if transfer:
        td['single_scale_transfer'] = dict(
            results=dict(fgm={
                '0': 0.8,
                '1': 0.6,
                '2': 0.75,
                'all': 0.0,
                'none': 0.8
            }))
    return dict(
        epsilons=EPS,
        scale=scale,
        num_samples=10,
        models=[bu, td] if scale == 'all' else [td])


def loc_result(p_bu, r_bu, p_td, r_td, n):
    return dict(
        num_scored=n,
        models=[
            dict(
                name='bu_lenetfc_fashion-mnist',
                cam_size=[7, 7],
                precision=p_bu,
                recall=r_bu,
                micro_precision=p_bu,
                micro_recall=r_bu),
            dict(
                name='td_lenetfc_fashion-mnist',
                cam_size=[28, 28],
                precision=p_td,
                recall=r_td,
                micro_precision=p_td,
                micro_recall=r_td)
        ])


def write(path, obj):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj))


def rows(text, first):
    return [[c.strip() for c in line.strip('|').split('|')]
            for line in text.splitlines() if line.startswith(f'| {first}')]


def test_attack_tables():
    table = report.attack_table(attack_result(), [0.5, 2.], 1.)
    (bu, ), (td, ) = rows(table, 'FGM | BU'), rows(table, 'FGM | TD')
    # clean, acc@0.5, acc@2, loss at 1 = clean - acc@1, median L2
    assert bu[2:] == ['90.0', '60.0', '10.0', '60.0', '0.80']
    assert td[2:] == ['80.0', '70.0', '20.0', '30.0', '1.25']
    (row, ) = rows(report.transfer_table(attack_result()), 'TD')
    assert row == ['TD', 'FGM', '80.0', '80.0', '60.0', '75.0', '0.0']
    with pytest.raises(ValueError, match='epsilon 3 was not evaluated'):
        report.attack_table(attack_result(), [3.], 1.)


@pytest.mark.tools
def test_report_over_seeds(tmp_path):
    write(tmp_path / 'attack_seed0' / 'attack.json', attack_result())
    for k in (0, 1, 2):
        write(tmp_path / f'attack_scale{k}_seed0' / 'attack.json',
              attack_result(scale=k, transfer=False))
    write(tmp_path / 'localization_seed0' / 'localization.json',
          loc_result(0.4, 0.9, 0.5, 0.8, 100))
    write(tmp_path / 'localization_seed1' / 'localization.json',
          loc_result(0.5, 0.7, 0.6, 0.6, 90))
    proc = run_tool(
        [sys.executable, '-m', 'experiments.topdown.report',
         str(tmp_path)])
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    assert 'seeds 0, 1' in out
    bu = rows(out, 'BU | 7x7')[0]
    sd = statistics.stdev([0.4, 0.5])  # 0.0707
    assert bu[2] == f'0.450 ± {sd:.3f}' == '0.450 ± 0.071'
    assert bu[3] == '0.800 ± 0.141'
    assert bu[6:] == ['2', '100, 90']
    td = rows(out, 'TD | 28x28')[0]
    assert td[2] == '0.550 ± 0.071' and td[3] == '0.700 ± 0.141'
    # the three single-scale runs, ordered by scale, labelled by factor
    labels = [
        r[0] for r in rows(out, '') if r[1] == 'FGM' and r[0][0].isdigit()
    ]
    assert labels == ['0 (full)', '1 (1/2)', '2 (1/4)']


@pytest.mark.tools
def test_empty_folder_is_an_error(tmp_path):
    proc = run_tool(
        [sys.executable, '-m', 'experiments.topdown.report',
         str(tmp_path)])
    assert proc.returncode != 0
    assert 'nothing to report' in proc.stderr


def test_runs_without_a_value_are_left_out_and_counted():
    assert report.mean_std([0.4, None, 0.5]) == \
        '0.450 ± 0.071 (1 run(s) without a value)'
    assert report.mean_std([None]) == '-'
