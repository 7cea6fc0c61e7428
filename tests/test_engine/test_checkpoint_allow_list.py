"""The checkpoint allow-list of :mod:`mmfg.engine.checkpoint` holds nothing
that can call code: ``HistoryBuffer`` and ``builtins.getattr`` are data-only
stand-ins, numpy through the :mod:`mmfg.utils.safe_pickle` wrappers. A real
message hub still round-trips exactly; crafted files are refused with a
message naming what was refused, and their marker file stays absent."""
import copy
import os.path as osp

import numpy as np
import pytest
import torch
from mmengine.logging import HistoryBuffer, MessageHub

from mmfg.engine import checkpoint as ckpt_mod
from mmfg.engine.checkpoint import (checkpoint_safe_globals,
                                    mmengine_checkpoint_globals,
                                    read_checkpoint, write_weights_file)
from mmfg.utils import CheckpointError, safe_pickle
from ..crafted_payloads import (ReducePayload, crafted_training_checkpoint,
                                planted_history_buffer)

STAND_INS = {
    ckpt_mod._HistoryBufferData, ckpt_mod._statistic_method,
    safe_pickle._dtype, safe_pickle._reconstruct, safe_pickle._scalar,
    np.ndarray
}


def _hub_state(name):
    hub = MessageHub.get_instance(name)
    for v in (0.5, 0.25, 2.0):
        hub.update_scalar('train/loss', v)
    hub.update_scalar('train/lr', np.float32(0.01))
    hub.update_info('epoch', 3)
    hub.update_info('iter', np.int64(12))
    hub.update_info('best_score', np.float64(0.75))
    return hub.state_dict()


def _training_checkpoint():
    return dict(
        meta=dict(epoch=3, iter=12, seed=0, mmengine_version='0.10.7'),
        state_dict={'fc.weight': torch.arange(6.).reshape(2, 3)},
        message_hub=_hub_state('allow-list-source'))


def test_allow_list_holds_no_callable_but_the_stand_ins():
    entries = mmengine_checkpoint_globals()
    for entry in entries:
        if isinstance(entry, tuple):
            obj, name = entry
            assert obj in STAND_INS, name
        else:  # numpy DType classes, there only for BUILD of a dtype
            assert issubclass(entry, np.dtype), entry
    objects = [e[0] if isinstance(e, tuple) else e for e in entries]
    assert getattr not in objects and HistoryBuffer not in objects
    names = {e[1] for e in entries if isinstance(e, tuple)}
    assert {'builtins.getattr', ckpt_mod.HISTORY_BUFFER} <= names


def test_a_real_message_hub_round_trips_exactly(tmp_path):
    path = str(tmp_path / 'epoch_3.pth')
    source = _training_checkpoint()
    torch.save(source, path)
    loaded = read_checkpoint(path)
    scalars = loaded['message_hub']['log_scalars']
    for key, buf in source['message_hub']['log_scalars'].items():
        got = scalars[key]
        assert type(got) is HistoryBuffer
        np.testing.assert_array_equal(got.data[0], buf.data[0])
        np.testing.assert_array_equal(got.data[1], buf.data[1])
        assert got.max_length == buf.max_length
        assert got.statistics('mean') == buf.statistics('mean')
    hub = MessageHub.get_instance('allow-list-target')
    hub.load_state_dict(copy.deepcopy(loaded['message_hub']))
    assert hub.get_scalar('train/loss').current() == 2.0
    assert hub.get_info('iter') == 12
    assert type(hub.get_info('best_score')) is np.float64


@pytest.mark.parametrize('case', [
    'planted __reduce_ex__', 'planted through an allowed statistic',
    '__reduce__ payload', 'foreign statistics method', 'object array'
])
def test_crafted_checkpoints_are_refused_and_run_nothing(tmp_path, case):
    marker = tmp_path / 'marker'
    ckpt = _training_checkpoint()
    if case == 'planted __reduce_ex__':
        ckpt = crafted_training_checkpoint(ckpt, marker)
        refused = 'builtins.getattr of'
    elif case == 'planted through an allowed statistic':
        buf = planted_history_buffer(marker)
        buf.__getstate__()['__reduce_ex__'] = HistoryBuffer.mean
        ckpt['message_hub']['runtime_info']['plant'] = buf
        refused = "HistoryBuffer with attributes ['__reduce_ex__']"
    elif case == '__reduce__ payload':
        ckpt['meta']['seed'] = ReducePayload(marker)
        refused = 'the global posix.system'
    elif case == 'foreign statistics method':
        buf = HistoryBuffer([1.0], [1])
        state = dict(buf.__dict__, statistics_methods={'mean': osp.join})
        buf.__getstate__ = lambda: state
        ckpt['message_hub']['log_scalars']['train/loss'] = buf
        refused = 'the global posixpath.join'
    else:
        ckpt['meta']['seed'] = np.array([1, None], dtype=object)
        refused = "dtype('O')"
    path = str(tmp_path / 'crafted.pth')
    torch.save(ckpt, path)
    with pytest.raises(CheckpointError, match='not data') as err:
        loaded = read_checkpoint(path)
        # reached only if it loaded: what --resume does with it
        MessageHub.get_instance('crafted').load_state_dict(
            copy.deepcopy(loaded['message_hub']))
    assert refused in str(err.value) and path in str(err.value)
    assert not marker.exists(), 'the crafted checkpoint ran code'
    # the plain torch.load of every mmfg route refuses it too
    with checkpoint_safe_globals(), pytest.raises(Exception):
        torch.load(path, map_location='cpu', weights_only=True)
    assert not marker.exists()


def test_pretrained_message_is_true_for_real_and_crafted_files(tmp_path):
    """``init_cfg`` refuses training state; the advice (load_from /
    --resume) is given for a real training checkpoint only, and those routes
    read it as data only."""
    real = str(tmp_path / 'real.pth')
    torch.save(_training_checkpoint(), real)
    with pytest.raises(CheckpointError) as err:
        read_checkpoint(real, allow_training_state=False)
    assert 'load_from=' in str(err.value) and 'data only' in str(err.value)
    crafted = str(tmp_path / 'crafted.pth')
    torch.save(
        crafted_training_checkpoint(_training_checkpoint(),
                                    tmp_path / 'marker'), crafted)
    with pytest.raises(CheckpointError) as err:
        read_checkpoint(crafted, allow_training_state=False)
    assert 'not data' in str(err.value) and 'load_from' not in str(err.value)
    assert not (tmp_path / 'marker').exists()


def test_write_weights_file_keeps_data_only_and_leaves_nothing_on_failure(
        tmp_path):
    dst = tmp_path / 'out' / 'w.pth'
    param = torch.nn.Parameter(torch.ones(2))
    param.planted = 'attribute'
    state = torch.nn.BatchNorm1d(2).state_dict()  # has module versions
    state['w'] = param
    write_weights_file(
        str(dst), state,
        dict(
            epoch=3,
            seed=None,
            bad=ReducePayload(tmp_path / 'm'),
            dataset_meta=dict(classes=['a', 'b'], other=object())))
    out = torch.load(dst, map_location='cpu', weights_only=True)
    assert type(out['state_dict']['w']) is torch.Tensor
    assert not hasattr(out['state_dict']['w'], 'planted')
    assert out['state_dict']._metadata == {'': {'version': 2}}
    assert out['meta'] == dict(
        epoch=3, seed=None, dataset_meta=dict(classes=['a', 'b']))
    with pytest.raises(CheckpointError, match="weight 'x' is a str"):
        write_weights_file(str(tmp_path / 'bad.pth'), {'x': 'text'})
    assert sorted(p.name for p in tmp_path.iterdir()) == ['out']
    assert osp.isfile(dst) and len(list((tmp_path / 'out').iterdir())) == 1


def test_pretrained_file_is_read_as_data_before_mmengine_on_old_torch(
        tmp_path, monkeypatch):
    """Before torch 2.6 MMEngine's ``torch.load`` of an ``init_cfg``
    pretrained file unpickles without restriction: FGRunner reads the file
    as data first and refuses a crafted one before MMEngine is called."""
    from mmengine.config import Config
    from mmengine.runner import Runner

    from mmfg.engine import runner as runner_mod
    marker = tmp_path / 'marker'
    crafted = tmp_path / 'pretrained.pth'
    torch.save({'w': ReducePayload(marker)}, crafted)
    called = []
    monkeypatch.setattr(Runner, '_init_model_weights',
                        lambda self: called.append(1))
    runner = runner_mod.FGRunner.__new__(runner_mod.FGRunner)
    runner.cfg = Config(
        dict(
            model=dict(
                type='ImageClassifier',
                init_cfg=dict(type='Pretrained', checkpoint=str(crafted)))))
    monkeypatch.setattr(runner_mod, 'TORCH_LOADS_WEIGHTS_ONLY', False)
    with pytest.raises(CheckpointError, match='model.init_cfg.checkpoint'):
        runner._init_model_weights()
    assert not called and not marker.exists()
    # torch >= 2.6: MMEngine's own (weights_only) load is left to refuse it
    monkeypatch.setattr(runner_mod, 'TORCH_LOADS_WEIGHTS_ONLY', True)
    runner._init_model_weights()
    assert called and not marker.exists()
