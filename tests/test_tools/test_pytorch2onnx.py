"""tools/deployment/pytorch2onnx.py: a checkpoint to an ONNX file with the
requested opset, a dynamic batch and the preprocessing in its metadata,
checked here with onnxruntime against the PyTorch model; what cannot be
exported (an operator above the opset, a bad opset, a missing checkpoint)
ends with one ``error:`` line."""
import os.path as osp

import numpy as np
import onnx
import pytest
import torch

from ..conftest import BASELINE_CFG, REPO, run_tool

TOOL = osp.join(REPO, 'tools', 'deployment', 'pytorch2onnx.py')
GASA = osp.join(REPO, 'configs', 'gasa', 'gasa_tiny_1xb64_fashion-mnist.py')
ROIALIGN = osp.join(
    REPO, 'configs', 'focus_longer',
    'focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-proposals-roialign.py'
)


@pytest.fixture(scope='module')
def ckpts(tmp_path_factory):
    from mmfg.apis import init_model
    tmp = tmp_path_factory.mktemp('ckpts')
    out = {}
    for name, cfg in (('lenet', BASELINE_CFG), ('gasa', GASA), ('roialign',
                                                                ROIALIGN)):
        torch.manual_seed(0)
        model = init_model(cfg)
        out[name] = str(tmp / f'{name}.pth')
        torch.save({'state_dict': model.state_dict(), 'meta': {}}, out[name])
    return out


def test_export_lenet_dynamic_batch_opset(tmp_path, ckpts):
    from mmfg.apis import init_model
    from mmfg.deployment import onnx_session, read_metadata, run_onnx
    out = tmp_path / 'lenet.onnx'
    proc = run_tool([
        TOOL, BASELINE_CFG, ckpts['lenet'], '--out',
        str(out), '--dynamic-batch', '--opset', '13'
    ])
    assert proc.returncode == 0, proc.stderr
    assert "input  inputs: ['batch', 1, 32, 32] float32" in proc.stdout
    assert "output scores: ['batch', 10]" in proc.stdout
    assert f'wrote {out} (opset 13)' in proc.stdout
    proto = onnx.load(str(out))
    assert [(o.domain, o.version) for o in proto.opset_import] == [('', 13)]
    meta = read_metadata(str(out))
    np.testing.assert_allclose(meta['mean'], [72.94], rtol=1e-6)
    assert meta['config'] == 'lenet5_fashion-mnist.py'
    # any batch size, the PyTorch model's predict scores
    model = init_model(BASELINE_CFG, ckpts['lenet'])
    x = torch.randn(7, 1, 32, 32)
    got = run_onnx(onnx_session(str(out)), {'inputs': x})
    with torch.no_grad():
        ref = torch.stack([s.pred_score for s in model.predict(x)])
    np.testing.assert_allclose(got, ref.numpy(), atol=1e-5)


def test_export_roialign_takes_boxes(tmp_path, ckpts):
    out = tmp_path / 'fl.onnx'
    proc = run_tool([
        TOOL, ROIALIGN, ckpts['roialign'], '--out',
        str(out), '--dynamic-batch'
    ])
    assert proc.returncode == 0, proc.stderr
    assert "input  inputs: ['batch', 1, 112, 112] float32" in proc.stdout
    assert "input  boxes: ['batch', 1, 4] float32" in proc.stdout
    assert 'max |score diff|' in proc.stdout


@pytest.mark.parametrize('args, message', [
    (['--opset', '11'], 'error: the operator aten::scaled_dot_product_'
     'attention has no ONNX conversion at opset 11; it needs opset 14: use '
     '--opset 14'),
])
def test_what_cannot_export_is_one_line(tmp_path, ckpts, args, message):
    out = tmp_path / 'g.onnx'
    proc = run_tool([TOOL, GASA, ckpts['gasa'], '--out', str(out)] + args)
    assert proc.returncode == 1
    lines = proc.stderr.strip().splitlines()
    assert lines[0].startswith(message), proc.stderr
    assert len(lines) == 2 and 'MMFG_DEBUG' in lines[1]
    assert 'Traceback' not in proc.stderr + proc.stdout
    assert 'graph(' not in proc.stderr + proc.stdout  # no IR dump
    assert not out.exists()


def test_missing_checkpoint_is_one_line(tmp_path):
    proc = run_tool([
        TOOL, BASELINE_CFG,
        str(tmp_path / 'no.pth'), '--out',
        str(tmp_path / 'x.onnx')
    ])
    assert proc.returncode == 1
    assert proc.stderr.startswith(
        f'error: checkpoint {tmp_path / "no.pth"} does not exist')
