"""torch.compile of each method's training step (forward + loss, backward)
on the CPU: the number of graphs TorchDynamo captures, and the compiled
step's loss and gradients equal to the eager step's.

Slow (a compile per method, about a minute in all): run with
``python -m pytest tests/test_models/test_compile.py -m slow``.
"""
import os.path as osp

import pytest

pytestmark = pytest.mark.slow

REPO = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))

#: tiny config of each method -> graphs of its compiled training step
#: (1 = no graph break). Focus-Longer: its tiny LeNetFC local backbone has
#: batch-norm layers, so the local loss drops the images without a valid
#: crop first (nonzero: 2 breaks, the sample selection: 1) and TorchDynamo
#: does not trace nn.LSTM (torch._dynamo.config.allow_rnn=False: 3
#: breaks). GASA: mmpretrain's LabelSmoothLoss checks the label range with
#: Tensor.item() (8 breaks); its forward alone is one graph.
FL = ('focus_longer/focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-'
      'gtbox.py')
GRAPHS = {
    'baselines/lenet5_fashion-mnist.py': 1,
    'racnn/racnn_lenet5_fashion-mnist-lr8.py': 1,
    'topdown/td_lenetfc_fashion-mnist.py': 1,
    'fve/fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py': 1,
    FL: 9,
    'gasa/gasa_tiny_1xb64_fashion-mnist.py': 9,
}


@pytest.mark.parametrize('config', sorted(GRAPHS))
def test_compiled_training_step(config):
    from mmfg.analysis.compile_graphs import compile_report
    from mmfg.utils import register_all_modules
    register_all_modules()
    report = compile_report(osp.join(REPO, 'configs', config), batch_size=8)
    want = GRAPHS[config]
    assert report['graphs'] == want, report['break_reasons']
    assert report['graph_breaks'] == want - 1
    assert report['same_grads']
    assert report['loss_compiled'] == pytest.approx(
        report['loss_eager'], rel=1e-5, abs=1e-6)
    assert report['max_grad_diff'] < 1e-4
