"""mmfg.visualization.cam on hand-built models whose answer is known, and
against the Grad-CAM formula computed here with autograd."""
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
import torch.nn as nn
from mmengine.config import Config

from mmfg.visualization import (ClassifierCAM, class_activation_maps,
                                default_target_layer)
from ..conftest import REPO

SIZE = 32


class Masking(nn.Module):
    """Multiplies its input by a fixed mask ``(1, C, h, w)``."""

    def __init__(self, mask):
        super().__init__()
        self.register_buffer('mask', mask)

    def forward(self, x):
        return x * self.mask


class TwoRegionNet(nn.Module):
    """Logit 0 depends only on the top-left quadrant of the image, logit 1
    only on the bottom-right one: a positive 3x3 box filter (stride 2) gives
    two channels; ``regions`` keeps channel c inside region c only; logit c
    is the mean of channel c."""

    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3, stride=2, padding=1, bias=False)
        nn.init.constant_(self.conv.weight, 1 / 9)
        h = SIZE // 2
        mask = torch.zeros(1, 2, h, h)
        mask[0, 0, :h // 2, :h // 2] = 1  # top-left
        mask[0, 1, h // 2:, h // 2:] = 1  # bottom-right
        self.regions = Masking(mask)

    def forward(self, x):
        return self.regions(torch.relu(self.conv(x))).mean((2, 3))


def images():
    """Image 0 bright in the top-left quadrant, image 1 in the bottom-right;
    faint noise everywhere (so both channels are active everywhere)."""
    torch.manual_seed(0)
    x = 0.05 * torch.rand(2, 1, SIZE, SIZE)
    q = SIZE // 2
    x[0, 0, 4:q - 4, 4:q - 4] += 1.
    x[1, 0, q + 4:-4, q + 4:-4] += 1.
    return x


def quadrant_of_peak(cam):
    y, x = np.unravel_index(int(cam.argmax()), cam.shape)
    q = SIZE // 2
    return ('top' if y < q else 'bottom') + '-' + ('left'
                                                   if x < q else 'right')


def test_cam_peaks_where_the_predicted_class_looks():
    net = TwoRegionNet().eval()
    x = images()
    assert net(x).argmax(1).tolist() == [0, 1]
    cam = ClassifierCAM(net, target_layer='regions')
    maps = cam(x)  # default: the predicted classes
    assert maps.shape == (2, SIZE, SIZE) and maps.dtype == torch.float32
    assert cam.layer_size == (SIZE // 2, SIZE // 2)
    assert maps.min() >= 0 and maps.max() <= 1
    assert torch.allclose(maps.flatten(1).max(1).values, torch.ones(2))
    assert quadrant_of_peak(maps[0].numpy()) == 'top-left'
    assert quadrant_of_peak(maps[1].numpy()) == 'bottom-right'
    # outside its region (away from the 1-px bilinear border) the map is 0
    q = SIZE // 2
    assert maps[0, q + 2:, :].abs().max() == 0
    assert maps[0, :, q + 2:].abs().max() == 0
    # explicit targets: the default was the prediction...
    torch.testing.assert_close(maps, cam(x, targets=[0, 1]))
    # ...and the other class looks at the other quadrant
    swapped = cam(x, targets=torch.tensor([1, 0]))
    assert quadrant_of_peak(swapped[0].numpy()) == 'bottom-right'
    assert quadrant_of_peak(swapped[1].numpy()) == 'top-left'
    # one target for the whole batch, in batches of one
    ones = class_activation_maps(
        net, x, targets=1, target_layer=net.regions, batch_size=1)
    torch.testing.assert_close(ones[1], maps[1])


def test_hirescam_localises_a_region_read_after_the_layer():
    """The logit reads a region of an unmasked full-resolution layer:
    HiResCAM (gradient x activation, element-wise) is zero outside it."""
    conv = nn.Conv2d(1, 1, 1, bias=False)
    nn.init.constant_(conv.weight, 1.)
    mask = torch.zeros(1, 1, SIZE, SIZE)
    mask[..., 20:28, 2:10] = 1

    class Net(nn.Module):

        def __init__(self):
            super().__init__()
            self.conv = conv

        def forward(self, x):
            a = self.conv(x)
            return torch.cat([(a * mask).mean(
                (1, 2, 3))[:, None], -(a * mask).mean((1, 2, 3))[:, None]], 1)

    x = 0.1 + torch.rand(3, 1, SIZE, SIZE)
    maps = class_activation_maps(
        Net(), x, target_layer='conv', method='hirescam')
    inside = mask[0, 0].bool()
    assert (maps[:, ~inside] == 0).all()
    assert (maps[:, inside] > 0).all()


def test_grad_cam_formula_on_an_mmpretrain_classifier():
    """Grad-CAM = min-max(ReLU(sum_k mean_hw(dy_c/dA_k) A_k)), resized to the
    input (and min-max normalised again): recomputed here with autograd for
    LeNet-5's first conv (28x28 maps of a 32x32 input) and each image's
    predicted class."""
    from mmfg.apis import init_model

    torch.manual_seed(0)
    model = init_model(
        osp.join(REPO, 'configs', 'baselines', 'lenet5_fashion-mnist.py'))
    x = torch.randn(4, 1, SIZE, SIZE)
    layer = model.backbone.features[0]
    maps = ClassifierCAM(model, target_layer='backbone.features.0')(x)

    acts = {}
    handle = layer.register_forward_hook(
        lambda m, i, o: acts.__setitem__('a', o))
    logits = model(x, mode='tensor')
    handle.remove()
    a = acts['a']
    pred = logits.argmax(1)
    grads = torch.autograd.grad(logits.gather(1, pred[:, None]).sum(), a)[0]
    cam = torch.relu((grads.mean((2, 3), keepdim=True) * a).sum(1))
    want = []
    for c in cam.detach().numpy():
        c = c - c.min()
        c = c / (1e-7 + c.max())
        c = cv2.resize(c, (SIZE, SIZE))  # bilinear
        # grad-cam normalises again after averaging over target layers
        c = c - c.min()
        want.append(c / (1e-7 + c.max()))
    np.testing.assert_allclose(maps.numpy(), np.stack(want), atol=1e-4)


def test_default_target_layer_lifts_branch_convs_to_their_block():
    """Inception blocks as a whole (their output is the feature map, a
    branch convolution is a quarter of it); VGG's ConvModule after its
    activation. Built on the meta device (no storage)."""
    from mmengine.registry import DefaultScope

    from mmfg.registry import MODELS
    cases = {
        'fve/noparts_inception-v3_cub.py': 'backbone.Mixed_7c',
        'racnn/baseline_googlenet_cub-lr50.py': 'backbone.inception5b',
        'racnn/baseline_vgg16_cub-lr50.py': 'backbone.features.16',
        'racnn/baseline_alexnet_cub-lr50.py': 'backbone.features.10',
    }
    for config, want in cases.items():
        cfg = Config.fromfile(osp.join(REPO, 'configs', config))
        cfg.model.backbone.pop('init_cfg', None)
        with torch.device('meta'), \
                DefaultScope.overwrite_default_scope('mmfg'):
            model = MODELS.build(cfg.model)
        assert default_target_layer(model) == want, config


def test_default_target_layers_and_errors():
    from mmfg.apis import init_model
    from mmfg.utils import ConfigError

    lenet = init_model(
        osp.join(REPO, 'configs', 'baselines', 'lenet5_fashion-mnist.py'))
    # C3, not C5 (whose output is 1x1: a flat map)
    assert default_target_layer(lenet) == 'backbone.features.3'
    maps = ClassifierCAM(lenet)(torch.randn(2, 1, 32, 32))
    assert maps.shape == (2, 32, 32) and float(maps.std()) > 0
    td = init_model(
        osp.join(REPO, 'configs', 'topdown', 'td_lenetfc_fashion-mnist.py'))
    assert default_target_layer(td) == 'backbone.class_conv'
    with pytest.raises(ConfigError, match="'backbone.nope' is not a module"):
        ClassifierCAM(lenet, target_layer='backbone.nope')
    with pytest.raises(ConfigError, match='unknown CAM method'):
        ClassifierCAM(lenet, method='magic')
    with pytest.raises(ConfigError, match='has no backbone'):
        ClassifierCAM(TwoRegionNet())


class _RampNet(nn.Module):
    """Target layer = identity 1x1 conv; logit 0 = mean of the map, logit 1
    = minus it. Grad-CAM's channel weight is then +-1/(h w) and the raw map
    is +-A / (h w): the answers below follow by hand."""

    def __init__(self):
        super().__init__()
        self.feat = nn.Conv2d(1, 1, 1, bias=False)
        nn.init.ones_(self.feat.weight)

    def forward(self, x):
        m = self.feat(x).mean(dim=(1, 2, 3))
        return torch.stack([m, -m], 1)


@pytest.mark.parametrize(
    'normalize,target,expected',
    [
        # Top-Down reference: minus the mean (3.5), ReLU, / max (3.5)
        ('mean', 0, [0, 0, 0, 0, 1 / 7, 3 / 7, 5 / 7, 1]),
        ('mean', 1, [1, 5 / 7, 3 / 7, 1 / 7, 0, 0, 0, 0]),
        # grad-cam package: ReLU, then min-max
        ('minmax', 0, [j / 7 for j in range(8)]),
        ('minmax', 1, [0] * 8),  # the whole map is negative
    ])
def test_gradcam_values_on_a_known_case(normalize, target, expected):
    from mmfg.visualization.cam import ClassifierCAM
    net = _RampNet().eval()
    x = torch.arange(8.).repeat(8, 1)[None, None]  # column index j
    cam = ClassifierCAM(net, target_layer=net.feat, normalize=normalize)
    out = cam(x, targets=[target])
    want = torch.tensor(expected, dtype=torch.float32).repeat(8, 1)[None]
    torch.testing.assert_close(out, want, atol=1e-5, rtol=0)


def test_mean_normalisation_resizes_before_the_relu():
    """Raw 1x2 map [-1, 1] (mean 0) to 1x4: half-pixel bilinear samples at
    input x = -0.25, 0.25, 0.75, 1.25 -> -1, -0.5, 0.5, 1 (clamped at the
    borders); ReLU and / max give 0, 0, 0.5, 1."""
    from mmfg.visualization.cam import mean_normalise_cams
    out = mean_normalise_cams(np.array([[[-1., 1.]]]), (1, 4))
    np.testing.assert_allclose(out, [[[0, 0, 0.5, 1]]], atol=1e-6)
    # a constant map has nothing above its mean: all zero, not NaN
    out = mean_normalise_cams(np.full((1, 3, 3), 2.), (3, 3))
    assert np.array_equal(out, np.zeros((1, 3, 3), np.float32))
