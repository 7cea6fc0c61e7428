"""InceptionV3Features (the FVE paper's backbone, Sec. 4.2) against
mmpretrain's InceptionV3 on the same weights: the ConvMaps are the tensor
mmpretrain pools before its classifier."""
import pytest
import torch
from mmpretrain.models.backbones import InceptionV3

from mmfg.registry import MODELS
from mmfg.utils import register_all_modules

register_all_modules()


def test_features_equal_mmpretrain_pre_pool_tensor_on_same_weights():
    torch.manual_seed(0)
    ref = InceptionV3(num_classes=7)
    ref.init_weights()
    ref.eval()
    ours = MODELS.build(dict(type='InceptionV3Features')).eval()
    missing, unexpected = ours.load_state_dict(ref.state_dict(), strict=False)
    assert not missing and set(unexpected) == {'fc.weight', 'fc.bias'}
    captured = {}

    def hook(module, inputs, output):
        captured['x'] = inputs[0]  # returns None: the output is unchanged

    ref.avgpool.register_forward_hook(hook)
    x = torch.rand(1, 3, 299, 299) * 2 - 1
    with torch.no_grad():
        (feats, ) = ours(x)
        _, logits = ref(x)
    assert feats.shape == (1, 2048, 8, 8)  # Sec. 3.4: 8x8 ConvMaps at 299
    torch.testing.assert_close(feats, captured['x'], rtol=0, atol=0)
    # and the logits follow from them through mmpretrain's classifier
    torch.testing.assert_close(
        ref.fc(feats.mean(dim=(2, 3))), logits, rtol=1e-5, atol=1e-5)


def test_out_indices_and_norm_eval():
    m = MODELS.build(
        dict(type='InceptionV3Features', out_indices=(-4, -1), norm_eval=True))
    m.train()
    assert all(not bn.training for bn in m.modules()
               if isinstance(bn, torch.nn.BatchNorm2d))
    with torch.no_grad():
        outs = m(torch.zeros(1, 3, 139, 139))
    assert [o.shape[1] for o in outs] == [768, 2048]
    with pytest.raises(ValueError, match='out_indices'):
        MODELS.build(dict(type='InceptionV3Features', out_indices=(18, )))
