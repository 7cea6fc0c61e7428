"""mmfg.analysis.log_curves on hand-written MMEngine JSON logs."""
import json

import numpy as np
import pytest

from mmfg.analysis.log_curves import (check_keys, curve, find_json_log,
                                      load_json_log, log_keys, train_time)
from mmfg.utils import ConfigError, DataError

TRAIN = [
    dict(lr=0.1, loss=2.0, time=0.5, epoch=1, iter=1, step=1),
    dict(lr=0.1, loss=1.5, time=0.1, epoch=1, iter=2, step=2),
    dict(lr=0.1, loss=1.0, time=0.2, epoch=2, iter=3, step=3),
    dict(lr=0.1, loss=0.8, time=0.4, epoch=2, iter=4, step=4),
]
VAL = [{'accuracy/top1': 40.0, 'step': 1}, {'accuracy/top1': 60.0, 'step': 2}]


@pytest.fixture
def log_file(tmp_path):
    folder = tmp_path / 'work' / '20260101_000000' / 'vis_data'
    folder.mkdir(parents=True)
    path = folder / 'scalars.json'
    lines = TRAIN[:2] + VAL[:1] + TRAIN[2:] + VAL[1:]
    path.write_text('\n'.join(json.dumps(x) for x in lines) + '\n')
    return path


def test_lines_split_and_curves(log_file):
    log = load_json_log(str(log_file))
    assert log['train'] == TRAIN and log['val'] == VAL
    assert log_keys(log) == (['loss', 'lr', 'time'], ['accuracy/top1'])
    xs, ys, label = curve(log, 'loss')  # 2 iterations per epoch
    assert label == 'epoch'
    np.testing.assert_allclose(xs, [0.5, 1, 1.5, 2])
    np.testing.assert_allclose(ys, [2, 1.5, 1, 0.8])
    xs, ys, _ = curve(log, 'accuracy/top1')
    np.testing.assert_allclose(xs, [1, 2])
    np.testing.assert_allclose(ys, [40, 60])
    # a work dir resolves to its run's scalars.json
    assert find_json_log(str(log_file.parents[2])) == str(log_file)


def test_train_time_drops_the_first_iteration_of_each_epoch(log_file):
    t = train_time(load_json_log(str(log_file)))
    np.testing.assert_allclose(t['epoch_times'], [0.1, 0.4])
    assert t['slowest_epoch'] == 2 and t['fastest_epoch'] == 1
    assert t['avg_iter_time'] == pytest.approx(0.3)
    t = train_time(load_json_log(str(log_file)), include_outliers=True)
    np.testing.assert_allclose(t['epoch_times'], [0.3, 0.3])


def test_missing_key_lists_the_keys(log_file):
    log = load_json_log(str(log_file))
    with pytest.raises(ConfigError) as err:
        check_keys([log], ['run.json'], ['loss', 'accuracy/top5'])
    msg = str(err.value)
    assert 'accuracy/top5' in msg and 'run.json' in msg
    assert 'loss, lr, time' in msg and 'accuracy/top1' in msg


@pytest.mark.parametrize('text,words', [
    ('2026/01/01 - mmengine - INFO - Epoch(train)\n', ['line 1', 'not JSON']),
    ('{"lr": 0.1}\n[1, 2]\n', ['line 2', 'not an object']),
    ('\n\n', ['no log line']),
])
def test_non_json_logs_are_data_errors(tmp_path, text, words):
    path = tmp_path / 'run.log'
    path.write_text(text)
    with pytest.raises(DataError) as err:
        load_json_log(str(path))
    for word in words:
        assert word in str(err.value)


def test_binary_file_and_folder_without_log(tmp_path):
    path = tmp_path / 'x.json'
    path.write_bytes(b'\x89PNG\r\n\x1a\n\xff\xfe')
    with pytest.raises(DataError, match='not UTF-8'):
        load_json_log(str(path))
    with pytest.raises(FileNotFoundError, match='scalars.json'):
        find_json_log(str(tmp_path))
