"""Focus-Longer's multi-step head (MultiStepClsHead): the loss is the mean
of the per-step cross-entropies, written out by hand."""
import pytest
import torch
from mmpretrain.structures import DataSample

from mmfg.registry import MODELS
from mmfg.utils import ConfigError, register_all_modules

register_all_modules()


# ------------------------------------------------------ multi-step head
def test_multi_step_head_loss_is_mean_of_step_ces():
    torch.manual_seed(3)
    head = MODELS.build(
        dict(
            type='MultiStepClsHead',
            head=dict(type='LinearClsHead', num_classes=4, in_channels=6)))
    x = torch.randn(3, 5, 6)
    labels = [1, 3, 0]
    samples = [DataSample().set_gt_label(y) for y in labels]
    logits = x @ head.head.fc.weight.T + head.head.fc.bias  # (B, T, C)
    logp = logits.log_softmax(-1)
    ref = -torch.stack([logp[i, :, y] for i, y in enumerate(labels)]).mean()
    torch.testing.assert_close(head.loss((x, ), samples)['loss'], ref)
    torch.testing.assert_close(head((x, )), logits[:, -1])
    head.test_step = 2
    torch.testing.assert_close(head((x, )), logits[:, 1])
    with pytest.raises(ConfigError, match="aggregation='all'"):
        head((torch.randn(3, 6), ))
