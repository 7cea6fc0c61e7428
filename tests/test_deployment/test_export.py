"""ONNX export mechanics: the export-time rewrites return what the code
they replace returns, the requested opset is the one written, what cannot
export is one line naming the operator, the metadata holds the config's
preprocessing, the model is left in eval mode."""
import io
import os.path as osp
import warnings

import numpy as np
import onnx
import pytest
import torch
import torch.nn as nn

from mmfg.apis import init_model, load_config
from mmfg.deployment import (OnnxInputs, check_opset, export_checkpoint,
                             export_onnx, input_shapes, onnx_session,
                             read_metadata, roi_crops, run_onnx, score_module)
from mmfg.deployment.export_patches import export_patches, roi_align_symbolic
from mmfg.utils import ConfigError
from ..conftest import BASELINE_CFG, REPO

CFGS = osp.join(REPO, 'configs')
GASA = osp.join(CFGS, 'gasa', 'gasa_tiny_1xb64_fashion-mnist.py')
FVE = osp.join(CFGS, 'fve',
               'fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py')
FL = osp.join(CFGS, 'focus_longer',
              'focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-')


@pytest.fixture(scope='module')
def lenet():
    torch.manual_seed(0)
    return init_model(BASELINE_CFG)


def test_first_crop_protocol_picks_each_images_first_valid_slot():
    """The 'first' protocol (a gather, so that an ONNX trace is
    batch-independent) against a hand loop."""
    torch.manual_seed(0)
    model = init_model(
        FL + 'gtparts.py', cfg_options={'model.eval_protocol': 'first'})
    scores = torch.randn(5, 4, 10)
    valid = torch.tensor([[0, 1, 1, 0], [1, 1, 1, 1], [0, 0, 0, 0],
                          [0, 0, 0, 1], [1, 0, 0, 0]]).bool()
    want = torch.zeros(5, 10)
    for i in range(5):
        slots = [j for j in range(4) if valid[i, j]]
        if slots:
            want[i] = scores[i, slots[0]]
    assert torch.equal(model.combine_crop_scores(scores, valid), want)


def test_rewrites_are_undone_also_after_an_error():
    from mmcv.ops.roi_align import RoIAlignFunction
    torch.manual_seed(0)
    model = init_model(FL + 'proposals-roialign.py')
    symbolic = RoIAlignFunction.__dict__['symbolic']
    with pytest.raises(RuntimeError):
        with export_patches(model) as applied:
            assert applied == ['mmcv RoIAlign symbolic']
            assert RoIAlignFunction.__dict__['symbolic'] is not symbolic
            raise RuntimeError('boom')
    assert RoIAlignFunction.__dict__['symbolic'] is symbolic


@pytest.mark.parametrize('opset', [11, 15, 16, 17])
def test_roi_align_symbolic_matches_mmcv_at_every_opset(opset):
    """mmcv's own symbolic writes an invalid Squeeze from opset 13 and
    shifts twice from 16; the replacement matches mmcv's op. Before opset
    16 ONNX's RoiAlign widens boxes narrower than one feature pixel to
    one (mmcv's aligned op does not): the 0.5 px box only from 16."""
    from mmcv.ops import RoIAlign
    from mmcv.ops.roi_align import RoIAlignFunction
    op = RoIAlign((7, 5), spatial_scale=0.5, sampling_ratio=1, aligned=True)
    x = torch.randn(2, 3, 20, 24)
    rois = torch.tensor([[0, 3.3, 4., 30., 20.5], [1, 0, 0, 48, 40],
                         [1, 10, 12, 11, 30]])
    if opset < 16:
        rois = rois[:2]
    f = io.BytesIO()
    old = RoIAlignFunction.__dict__['symbolic']
    RoIAlignFunction.symbolic = staticmethod(roi_align_symbolic)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            torch.onnx.export(
                op, (x, rois), f, dynamo=False, opset_version=opset)
    finally:
        RoIAlignFunction.symbolic = old
    session = onnx_session(f.getvalue())
    names = [i.name for i in session.get_inputs()]
    got = session.run(None, dict(zip(names, (x.numpy(), rois.numpy()))))[0]
    np.testing.assert_allclose(got, op(x, rois).numpy(), atol=1e-5)


def test_roi_crops_equal_the_preprocessor_crops():
    from mmfg.models.utils.roi_crops import RoIAlignCrops
    cropper = RoIAlignCrops(8)
    images = torch.randn(2, 1, 30, 30)
    boxes = torch.tensor([[[2., 3., 20., 25.], [0, 0, 0, 0]],
                          [[5., 5., 30., 30.], [4., 4., 10., 9.]]])
    crops, valid = roi_crops(cropper, images, boxes)
    ref_crops, ref_valid = cropper(images, boxes)
    assert torch.equal(valid, ref_valid)
    assert valid.tolist() == [[True, False], [True, True]]
    torch.testing.assert_close(crops, ref_crops, rtol=0, atol=1e-6)


def test_requested_opset_is_written_and_metadata(tmp_path, lenet):
    shapes = input_shapes(lenet)
    assert shapes == {'inputs': (1, 32, 32)}  # the test pipeline's Resize
    out = str(tmp_path / 'lenet.onnx')
    result = export_onnx(lenet, out, shapes, opset=13, metadata={'x': 1})
    proto = onnx.load(out)
    assert [(o.domain, o.version) for o in proto.opset_import] == [('', 13)]
    assert result.max_abs_diff < 1e-5
    meta = read_metadata(out)
    assert meta['x'] == 1 and meta['opset'] == 13
    assert meta['inputs'] == {
        'inputs': dict(shape=[1, 1, 32, 32], dtype='float32')
    }
    assert not lenet.training and not any(m.training for m in lenet.modules())


def test_export_checkpoint_metadata_is_the_config(tmp_path):
    torch.manual_seed(0)
    model = init_model(FVE)
    ckpt = str(tmp_path / 'fve.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    out = str(tmp_path / 'fve.onnx')
    export_checkpoint(FVE, ckpt, out, dynamic_batch=True)
    meta = read_metadata(out)
    cfg = load_config(FVE)
    pre = cfg.data_preprocessor
    np.testing.assert_allclose(meta['mean'], pre.mean, rtol=1e-6)
    np.testing.assert_allclose(meta['std'], pre.std, rtol=1e-6)
    assert meta['bgr_to_rgb'] is False
    assert meta['input_size'] == [56, 56] and meta['channels'] == 1
    assert meta['num_parts'] == 4 and meta['crop_size'] == [28, 28]
    assert meta['input_names'] == ['inputs', 'parts', 'part_valid']
    assert meta['inputs']['part_valid'] == dict(
        shape=['batch', 4], dtype='bool')
    assert meta['outputs']['scores']['shape'] == ['batch', 10]
    assert meta['fusion'] == 'log_softmax' and meta['opset'] == 17
    assert meta['test_pipeline'][-1]['type'] == 'PackFGInputs'
    assert meta['classes'][0] == 'T-shirt/top'
    assert meta['export_rewrites'] == []  # RoIAlign configs only


def test_gasa_any_input_size_dynamic_batch(tmp_path):
    """GASA's config trains at 28 px; the graph is exported at 40x48 with a
    dynamic batch (constant depthwise Sobel kernels, no rewrite) and verified
    at batch 1 and 3."""
    torch.manual_seed(0)
    model = init_model(GASA)
    shapes = input_shapes(model, shape=(40, 48))
    assert shapes == {'inputs': (1, 40, 48)}
    out = str(tmp_path / 'gasa.onnx')
    result = export_onnx(model, out, shapes, dynamic_batch=True)
    assert result.patches == []
    assert result.max_abs_diff < 1e-5
    x = torch.randn(5, 1, 40, 48)
    with torch.no_grad():
        ref = score_module(model)(x).numpy()
    got = run_onnx(onnx_session(out), {'inputs': x})
    np.testing.assert_allclose(got, ref, atol=1e-5)


class CummaxNeck(nn.Module):
    """A neck whose op (aten::cummax) torch's exporter cannot convert."""

    def forward(self, x):
        x = x[-1] if isinstance(x, tuple) else x
        return (torch.cummax(x, dim=1)[0], )


def test_unsupported_operator_is_one_line(tmp_path, lenet):
    model = init_model(BASELINE_CFG)
    model.neck = CummaxNeck()
    with pytest.raises(ConfigError) as info:
        export_onnx(model, str(tmp_path / 'x.onnx'), {'inputs': (1, 32, 32)})
    msg = str(info.value)
    assert '\n' not in msg and 'aten::cummax' in msg
    assert not list(tmp_path.iterdir())  # no partial file left


def test_opset_too_low_names_the_op_and_the_opset(tmp_path):
    torch.manual_seed(0)
    model = init_model(GASA)
    with pytest.raises(ConfigError) as info:
        export_onnx(
            model, str(tmp_path / 'g.onnx'), {'inputs': (1, 28, 28)}, opset=11)
    assert str(info.value) == (
        'the operator aten::scaled_dot_product_attention has no ONNX '
        'conversion at opset 11; it needs opset 14: use --opset 14')


@pytest.mark.parametrize('opset', [6, 21])
def test_opset_out_of_range(opset):
    with pytest.raises(ConfigError, match=f'--opset {opset}: .* 7 to 20'):
        check_opset(opset)


def test_wrong_shape_and_random_protocol_are_refused(tmp_path, lenet):
    with pytest.raises(
            ConfigError,
            match=r'does not run on inputs of shape '
            r'inputs \(1, 28, 28\)'):
        export_onnx(lenet, str(tmp_path / 'x.onnx'), {'inputs': (1, 28, 28)})
    torch.manual_seed(0)
    model = init_model(
        FL + 'gtbox.py', cfg_options={'model.eval_protocol': 'random'})
    with pytest.raises(ConfigError, match="eval_protocol='random'"):
        score_module(model)


def test_inputs_from_the_config_equal_those_from_the_model(lenet):
    img = np.random.default_rng(0).integers(0, 255, (40, 30), np.uint8)
    a = OnnxInputs(BASELINE_CFG)([img])
    b = OnnxInputs(lenet)([img])
    assert a.keys() == b.keys() == {'inputs'}
    np.testing.assert_array_equal(a['inputs'], b['inputs'])
    assert a['inputs'].shape == (1, 1, 32, 32)


def test_conversion_failure_names_the_op_and_the_opset(tmp_path):
    """Focus-Longer's crop scatter (index_put) needs opset 11."""
    torch.manual_seed(0)
    model = init_model(FL + 'gtbox.py')
    shapes = {
        'inputs': (1, 56, 56),
        'parts': (1, 1, 28, 28),
        'part_valid': (1, )
    }
    with pytest.raises(ConfigError) as info:
        export_onnx(
            model,
            str(tmp_path / 'f.onnx'),
            shapes,
            opset=9,
            dynamic_batch=True)
    msg = str(info.value)
    assert '\n' not in msg and 'index_put' in msg
    assert msg.endswith('use --opset 11')
