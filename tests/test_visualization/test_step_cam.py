"""Per-step Grad-CAM of Focus-Longer's local stream (Fig. 3)."""
import numpy as np
import pytest
import torch

from mmfg.utils import ConfigError
from ..test_models.test_classifiers.test_focus_longer import batch, two_stream

pytest.importorskip('pytorch_grad_cam')


def test_step_cams_use_the_local_stream_at_each_step(tmp_path):
    from mmfg.visualization.cam import ClassifierCAM
    from mmfg.visualization.step_cam import (LocalStepLogits,
                                             draw_step_cam_grid,
                                             local_target_layer, step_cams)
    model = two_stream().eval()
    crops = batch(n=2, k=1)[2]['parts'][:, 0]
    layer = local_target_layer(model)
    assert any(layer is m for m in model.local_backbone.modules())
    assert not any(layer is m for m in model.backbone.modules())
    maps, classes = step_cams(model, crops, steps=[1, 4])
    assert maps.shape == (2, 2, 28, 28) and classes.shape == (2, 2)
    assert maps.min() >= 0 and maps.max() <= 1
    # step t's logits are the head on h_t; its CAM is the CAM of that view
    with torch.no_grad():
        h = model.local_neck.step_states(model.local_backbone(crops)[-1])
        ref = model.local_head.fc(h[:, 3])
        torch.testing.assert_close(LocalStepLogits(model, 4)(crops), ref)
    direct = ClassifierCAM(
        LocalStepLogits(model, 4), target_layer=layer)(
            crops, targets=classes[:, 1].tolist())
    torch.testing.assert_close(maps[:, 1], direct)
    # explained classes: each step's own prediction unless targets given
    assert classes[:, 1].tolist() == ref.argmax(-1).tolist()
    fixed, cls = step_cams(model, crops, steps=[2], targets=[3, 3])
    assert cls.flatten().tolist() == [3, 3]
    out = tmp_path / 'grid.png'
    draw_step_cam_grid(
        str(out), np.zeros((2, 28, 28)), maps, ['a', 'b'], steps=[1, 4])
    assert out.stat().st_size > 0
    with pytest.raises(ConfigError, match='RecurrentAttentionNeck'):
        LocalStepLogits(torch.nn.Module(), 1)
