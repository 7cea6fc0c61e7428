"""Class activation maps (Grad-CAM and friends) of any classifier.

The CAM methods are those of the PyPI ``grad-cam`` package
(``pytorch_grad_cam``; ``pip install grad-cam``). This module adds what an
mmpretrain / mmfg classifier needs around them: a logits view of the model,
a default target layer, per-batch evaluation and maps returned as one
``(B, H, W)`` tensor in ``[0, 1]`` at the input resolution.

The class a map explains is the model's PREDICTED class unless ``targets``
are given: a saliency method must not be told the ground truth (it would
leak the label into e.g. weakly supervised boxes).

Used by the Top-Down localisation (``tools/topdown/localization.py``), and
meant for CAM-based part proposals and per-step attention maps.
"""
import numpy as np
import torch
import torch.nn as nn

from mmfg.utils.errors import ConfigError

#: how a raw map becomes a map in [0, 1]: ``'minmax'`` (the grad-cam
#: package: ReLU, min-max, resize) or ``'mean'`` (the Top-Down reference's
#: Grad-CAM: subtract the map's mean, resize, ReLU, divide by the maximum)
CAM_NORMALIZATIONS = ('minmax', 'mean')

#: method name -> class name in ``pytorch_grad_cam``
CAM_METHODS = {
    'gradcam': 'GradCAM',
    'gradcam++': 'GradCAMPlusPlus',
    'hirescam': 'HiResCAM',
    'xgradcam': 'XGradCAM',
    'layercam': 'LayerCAM',
    'eigencam': 'EigenCAM',
    'eigengradcam': 'EigenGradCAM',
    'gradcamelementwise': 'GradCAMElementWise',
    'scorecam': 'ScoreCAM',
    'ablationcam': 'AblationCAM',
}


class ClassifierLogits(nn.Module):
    """An MMEngine classifier seen as ``inputs -> logits``.

    ``forward(x)`` is ``model(x, mode='tensor')``: for mmpretrain's
    ``ImageClassifier`` the head's output (``LinearClsHead``: the linear
    layer; parameter-free ``ClsHead``: the backbone's pooled class map).

    Args:
        model (BaseModel): the classifier; ``x`` must already be normalised
            by its data preprocessor, ``(B, C, H, W)``.
    """

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, x):
        return self.model(x, mode='tensor')


def as_logits_module(model):
    """``model`` itself when it maps inputs to logits, or a
    :class:`ClassifierLogits` view of an MMEngine ``BaseModel``."""
    from mmengine.model import BaseModel

    if isinstance(model, BaseModel):
        return ClassifierLogits(model)
    return model


def default_target_layer(model):
    """Dotted name (inside ``model``) of the last convolutional feature map
    of a classifier: ``backbone.class_conv`` (Top-Down LeNetFC / NIN),
    ``backbone.final_norm`` (pre-activation ResNets), the last unit of the
    last ``backbone.stages`` entry (mmfg ResNets), the last residual layer
    of an mmpretrain ResNet (``res_layers``), LeNet-5's C3 convolution
    (``backbone.features.3``: its C5 is the fully connected layer written as
    a 5x5 convolution, whose output is 1x1, LeCun et al. 1998, Sec. II-B),
    else the backbone's last ``Conv2d`` lifted to the block whose output is
    the feature map (a whole Inception block such as InceptionV3's
    ``Mixed_7c`` or GoogLeNet's ``inception5b``, not one of its branch
    convolutions; VGG's last ``ConvModule``, i.e. after its activation).

    Raises:
        ConfigError: no backbone or no convolution found.
    """
    backbone = getattr(model, 'backbone', None)
    if backbone is None:
        raise ConfigError(f'{type(model).__name__} has no backbone; give '
                          'the CAM target layer')
    for name in ('class_conv', 'final_norm'):
        if getattr(backbone, name, None) is not None:
            return f'backbone.{name}'
    stages = getattr(backbone, 'stages', None)
    if stages is not None and len(stages):
        # the module that computes the last level's output: its last unit
        i = len(stages) - 1
        units = getattr(stages[i], 'units', None)
        if isinstance(units, nn.ModuleList) and len(units):
            return f'backbone.stages.{i}.units.{len(units) - 1}'
        if units is not None and len(units):
            return f'backbone.stages.{i}.units'
    res_layers = getattr(backbone, 'res_layers', None)
    if res_layers:
        return f'backbone.{res_layers[-1]}'
    features = getattr(backbone, 'features', None)
    if (type(backbone).__name__ == 'LeNet5'
            and isinstance(features, nn.Sequential) and len(features) > 3
            and isinstance(features[3], nn.Conv2d)):
        return 'backbone.features.3'
    name = _last_conv_block(backbone)
    if name is not None:
        return f'backbone.{name}'
    raise ConfigError('cannot guess the last convolutional layer of '
                      f'{type(backbone).__name__}; give --target-layer')


def _last_conv_block(backbone):
    """Dotted name of the module whose output is the backbone's last
    convolutional feature map: the last ``Conv2d``, lifted to the whole
    multi-branch block when it sits in a branch (a dotted segment starting
    with ``branch``: InceptionV3 ``Mixed_7c.branch_pool.conv`` ->
    ``Mixed_7c``, GoogLeNet ``inception5b.branch4.1.conv`` ->
    ``inception5b``), else to its mmcv ``ConvModule`` (conv + norm +
    activation); None without any convolution."""
    from mmcv.cnn import ConvModule

    convs = [
        n for n, m in backbone.named_modules() if isinstance(m, nn.Conv2d)
    ]
    if not convs:
        return None
    parts = convs[-1].split('.')
    for i, part in enumerate(parts):
        if part.startswith('branch') and i > 0:
            return '.'.join(parts[:i])
    parent = '.'.join(parts[:-1])
    if parent and isinstance(backbone.get_submodule(parent), ConvModule):
        return parent
    return convs[-1]


def get_target_layer(model, name):
    """The sub-module ``name`` (dotted) of ``model``.

    Raises:
        ConfigError: naming some of the existing modules.
    """
    try:
        return model.get_submodule(name)
    except AttributeError:
        names = [n for n, _ in model.named_modules() if n][:40]
        raise ConfigError(f'--target-layer {name!r} is not a module of the '
                          f'classifier; some names: {names}') from None


def _cam_class(method):
    try:
        import pytorch_grad_cam
    except ImportError:
        raise ConfigError('CAMs need pytorch-grad-cam: pip install grad-cam '
                          '(see requirements/optional.txt)') from None
    key = method.lower().replace('-', '').replace('_', '')
    if key not in CAM_METHODS:
        raise ConfigError(f'unknown CAM method {method!r}; choose from '
                          f'{sorted(CAM_METHODS)}')
    return getattr(pytorch_grad_cam, CAM_METHODS[key])


def _targets(targets, num):
    """None, an int or ``num`` ints -> the package's target objects."""
    from pytorch_grad_cam.utils.model_targets import ClassifierOutputTarget

    if targets is None:
        return None
    if isinstance(targets, int) or (torch.is_tensor(targets)
                                    and targets.ndim == 0):
        targets = [int(targets)] * num
    targets = [int(t) for t in targets]
    if len(targets) != num:
        raise ValueError(f'{len(targets)} targets for {num} images')
    return [ClassifierOutputTarget(t) for t in targets]


def mean_normalise_cams(cams, size):
    """The Top-Down reference's CAM normalisation (giannislelekas/topdown,
    ``run_gradcam.py``): each raw map (weighted sum of the layer's
    activations, no ReLU) minus its mean, bilinear resize (half-pixel
    centres, as OpenCV's ``INTER_LINEAR``) to ``size``, ReLU, divided by its
    maximum (an all-zero map stays zero).

    Args:
        cams (ndarray): ``(B, h, w)`` raw maps.
        size (tuple[int, int]): output ``(H, W)``.

    Returns:
        ndarray: float32 ``(B, H, W)`` in ``[0, 1]``.
    """
    cams = np.asarray(cams, dtype=np.float64)
    cams = cams - cams.mean(axis=(1, 2), keepdims=True)
    t = torch.from_numpy(cams)[:, None]
    if tuple(t.shape[-2:]) != tuple(size):
        t = torch.nn.functional.interpolate(
            t, size=tuple(size), mode='bilinear', align_corners=False)
    out = t[:, 0].clamp(min=0).numpy()
    peak = out.max(axis=(1, 2), keepdims=True)
    out = np.divide(out, peak, out=np.zeros_like(out), where=peak > 0)
    return out.astype(np.float32)


def _mean_normalised(cam_cls):
    """``cam_cls`` (a ``pytorch_grad_cam`` method) with
    :func:`mean_normalise_cams` in place of its ReLU + min-max scaling."""

    class MeanNormalisedCAM(cam_cls):

        def compute_cam_per_layer(self, input_tensor, targets, eigen_smooth):
            acts = [
                a.detach().cpu().numpy()
                for a in self.activations_and_grads.activations
            ]
            grads = [
                g.detach().cpu().numpy()
                for g in self.activations_and_grads.gradients
            ]
            width, height = self.get_target_width_height(input_tensor)
            out = []
            for i, layer in enumerate(self.target_layers):
                cam = self.get_cam_image(input_tensor, layer, targets,
                                         acts[i] if i < len(acts) else None,
                                         grads[i] if i < len(grads) else None,
                                         eigen_smooth)
                out.append(mean_normalise_cams(cam, (height, width))[:, None])
            return out

        def aggregate_multi_layers(self, cam_per_target_layer):
            return np.concatenate(cam_per_target_layer, axis=1).mean(axis=1)

    MeanNormalisedCAM.__name__ = f'MeanNormalised{cam_cls.__name__}'
    return MeanNormalisedCAM


class ClassifierCAM:
    """Class activation maps of a classifier at one of its layers.

    Args:
        model (nn.Module): an MMEngine classifier (called as
            ``model(x, mode='tensor')``) or any module mapping inputs
            ``(B, C, H, W)`` to logits ``(B, K)``.
        target_layer (str | nn.Module, optional): the layer whose output
            (``(B, D, h, w)``) the CAM weighs; a dotted name inside
            ``model`` or the module itself. Default:
            :func:`default_target_layer` of ``model``.
        method (str): one of :data:`CAM_METHODS` (default ``'gradcam'``).
        reshape_transform (callable, optional): for layers whose output is
            not ``(B, D, h, w)`` (e.g. ViT tokens), see ``grad-cam``.
        normalize (str): ``'minmax'`` (default: the grad-cam package's ReLU
            then min-max scaling, then resize) or ``'mean'`` (the Top-Down
            reference's Grad-CAM: :func:`mean_normalise_cams`).

    After a call, ``layer_size`` is the target layer's ``(h, w)``.

    Example:
        >>> cam = ClassifierCAM(model)              # Grad-CAM, last conv
        >>> maps = cam(inputs)                      # predicted classes
        >>> maps.shape                              # (B, H, W), in [0, 1]
    """

    def __init__(self,
                 model,
                 target_layer=None,
                 method='gradcam',
                 reshape_transform=None,
                 normalize='minmax'):
        if normalize not in CAM_NORMALIZATIONS:
            raise ConfigError(f'unknown CAM normalisation {normalize!r}; '
                              f'choose from {CAM_NORMALIZATIONS}')
        self.normalize = normalize
        self.net = as_logits_module(model)
        inner = self.net.model if isinstance(self.net,
                                             ClassifierLogits) else model
        if target_layer is None:
            target_layer = default_target_layer(inner)
        if isinstance(target_layer, str):
            self.layer_name = target_layer
            target_layer = get_target_layer(inner, target_layer)
        else:
            self.layer_name = None
        self.layer = target_layer
        self.cam_cls = _cam_class(method)
        if normalize == 'mean':
            self.cam_cls = _mean_normalised(self.cam_cls)
        self.reshape_transform = reshape_transform
        self.layer_size = None

    def __call__(self, inputs, targets=None, batch_size=None, **kwargs):
        """Maps of ``inputs``.

        Args:
            inputs (Tensor): ``(B, C, H, W)``, what the model's forward takes
                (normalised images for an MMEngine classifier).
            targets (int | Sequence[int] | Tensor, optional): the class to
                explain, one for all or one per image ``(B,)``. Default: each
                image's predicted class (argmax of the logits).
            batch_size (int, optional): images per forward/backward pass;
                default all at once.
            **kwargs: passed to the CAM call (``aug_smooth``,
                ``eigen_smooth``).

        Returns:
            Tensor: float32 ``(B, H, W)`` on the CPU in ``[0, 1]`` at the
            input's ``(H, W)``: ``'minmax'``: each map ReLU'd, min-max
            normalised and resized (bilinear) from the layer's ``(h, w)``;
            ``'mean'``: see :func:`mean_normalise_cams`.
        """
        num = len(inputs)
        batch_size = batch_size or max(num, 1)
        targets = _targets(targets, num)
        size = {}

        def hook(module, args, output):
            if torch.is_tensor(output):
                size['hw'] = tuple(output.shape[-2:])

        handle = self.layer.register_forward_hook(hook)
        maps = []
        try:
            with self.cam_cls(
                    model=self.net,
                    target_layers=[self.layer],
                    reshape_transform=self.reshape_transform) as cam:
                for i in range(0, num, batch_size):
                    x = inputs[i:i + batch_size]
                    t = None if targets is None else targets[i:i + batch_size]
                    maps.append(cam(input_tensor=x, targets=t, **kwargs))
        finally:
            handle.remove()
        if 'hw' not in size:
            raise ConfigError('the target layer never ran in the forward '
                              'pass; give --target-layer a module that is '
                              'called')
        self.layer_size = size['hw']
        out = np.concatenate(maps) if maps else np.zeros(
            (0, ) + tuple(inputs.shape[-2:]), np.float32)
        return torch.from_numpy(np.ascontiguousarray(out, dtype=np.float32))


def class_activation_maps(model,
                          inputs,
                          targets=None,
                          target_layer=None,
                          method='gradcam',
                          batch_size=None,
                          **kwargs):
    """One-shot :class:`ClassifierCAM`: ``(B, H, W)`` maps in ``[0, 1]`` of
    ``inputs`` ``(B, C, H, W)`` for ``targets`` (default: the predicted
    classes). See :class:`ClassifierCAM` for the arguments."""
    cam = ClassifierCAM(model, target_layer=target_layer, method=method)
    return cam(inputs, targets=targets, batch_size=batch_size, **kwargs)
