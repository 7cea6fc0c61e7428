"""mmfg.analysis.image_cam on an mmpretrain config (mmpretrain's own
LeNet-5 MNIST config, random weights): the map is Grad-CAM of the
preprocessed image computed directly."""
import os.path as osp

import cv2
import mmpretrain
import numpy as np
import pytest
import torch

from mmfg.analysis.image_cam import image_cam
from mmfg.utils import ConfigError

MMPRETRAIN_LENET = osp.join(
    osp.dirname(mmpretrain.__file__), '.mim', 'configs', 'lenet',
    'lenet5_mnist.py')


@pytest.fixture(scope='module')
def inferencer(tmp_path_factory):
    from mmfg.apis import FGInferencer, init_model

    if not osp.isfile(MMPRETRAIN_LENET):
        pytest.skip('mmpretrain without its .mim configs')
    tmp = tmp_path_factory.mktemp('cam')
    torch.manual_seed(0)
    model = init_model(MMPRETRAIN_LENET)
    ckpt = str(tmp / 'lenet.pth')
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, ckpt)
    img = np.zeros((28, 28), np.uint8)
    cv2.circle(img, (10, 12), 6, 255, -1)
    cv2.rectangle(img, (16, 4), (24, 24), 128, -1)
    path = str(tmp / 'digit.png')
    cv2.imwrite(path, img)
    return FGInferencer(MMPRETRAIN_LENET, pretrained=ckpt), path, img


def test_map_is_gradcam_of_the_preprocessed_image(inferencer):
    from pytorch_grad_cam import GradCAM
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    from mmfg.visualization.cam import ClassifierLogits

    inf, path, img = inferencer
    result, cam = image_cam(
        inf, path, ['backbone.features.3'], target_category=4)
    assert cam['target'] == 4 and cam['layers'] == ['backbone.features.3']
    assert cam['cam'].shape == (32, 32)
    # the reference: mmcv's bilinear resize to 32, the config's mean/std
    x = cv2.resize(img, (32, 32), interpolation=cv2.INTER_LINEAR)
    x = (torch.from_numpy(x).float() - 33.46) / 78.87
    model = inf.model
    with torch.no_grad():
        logits = model(x[None, None], mode='tensor')
    assert int(logits.argmax()) == result['pred_label']
    layer = model.get_submodule('backbone.features.3')
    with GradCAM(ClassifierLogits(model), [layer]) as ref:
        expected = ref(
            input_tensor=x[None, None], targets=[ClassifierOutputTarget(4)])[0]
    np.testing.assert_allclose(cam['cam'], expected, atol=1e-4)
    assert cam['cam'].max() == pytest.approx(1.)


def test_several_layers_and_bad_target(inferencer):
    inf, path, _ = inferencer
    _, one = image_cam(inf, path, ['backbone.features.0'])
    _, two = image_cam(inf, path,
                       ['backbone.features.0', 'backbone.features.3'])
    assert two['layers'] == ['backbone.features.0', 'backbone.features.3']
    assert not np.allclose(one['cam'], two['cam'])
    assert two['cam'].min() == 0 and two['cam'].max() == pytest.approx(1.)
    with pytest.raises(ConfigError, match='10 classes'):
        image_cam(inf, path, target_category=10)
    with pytest.raises(ConfigError, match='--target-layers'):
        image_cam(inf, path, ['backbone.nothing'])
