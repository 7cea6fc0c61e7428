"""A classifier seen as ``[0, 1]`` images -> logits, for attack and CAM
libraries; single-input-scale perturbation of Top-Down networks (Lelekas et
al., "Top-Down Networks", Sec. 4.2, Fig. 5)."""
import os.path as osp

import torch
import torch.nn as nn

from mmfg.utils.errors import ConfigError


def topdown_backbone(model):
    """The model's :class:`~mmfg.models.TopDownNet` backbone when it is a TD
    network (``mode != 'bu'``), else None."""
    from mmfg.models import TopDownNet
    backbone = getattr(model, 'backbone', None)
    if isinstance(backbone, TopDownNet) and backbone.mode != 'bu':
        return backbone
    return None


def input_scales(model):
    """Downsampling factors of the TD input scales, finest first (scale 0 is
    the highest resolution), or None for a non-TD model."""
    backbone = topdown_backbone(model)
    if backbone is None:
        return None
    return sorted({lv.factor for lv in backbone.level_specs})


class UnitImageClassifier(nn.Module):
    """``[0, 1]`` images ``(N, C, H, W)`` -> logits ``(N, K)``.

    Applies the classifier's data preprocessor (``x * 255``, channel flip,
    mean/std normalisation; differentiable) and runs the model in
    ``mode='tensor'``. With ``ClsHead`` (parameter-free, LeNetFC/NIN) the
    output is the pooled class-convolution map, with ``LinearClsHead`` the
    linear layer's output: logits in both cases.

    Single-scale perturbation (Top-Down networks only; Lelekas et al. Sec.
    4.2, Fig. 5): after :meth:`perturb_one_scale` ``(scale, reference)``,
    the input ``x`` of :meth:`forward` feeds only input scale ``scale``
    (0 = finest) of the backbone, and every other scale is computed from
    ``reference`` (the clean images, same shape as ``x``). The wrapper
    passes the mixed inputs through the documented ``pyramid`` argument of
    :meth:`TopDownNet.forward`, with a forward pre-hook on the backbone
    (the classifier calls ``backbone(x)``; the hook turns the call into
    ``backbone(x, pyramid)``). :meth:`perturb_all_scales` removes the hook.

    Args:
        model (BaseModel): an mmpretrain / mmfg classifier with a data
            preprocessor.
    """

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model
        self.scale = None
        self._clean_pyramid = None
        self._hook = None
        self.backbone = topdown_backbone(model)
        self.scales = input_scales(model)

    def perturb_one_scale(self, scale: int, reference: torch.Tensor) -> None:
        """Route the next inputs to TD input scale ``scale`` only; the other
        scales see ``reference`` ``(N, C, H, W)`` in ``[0, 1]``."""
        if self.backbone is None:
            raise ConfigError('a single input scale can only be attacked in '
                              'a Top-Down network (mode td/td_uni/td_rev); '
                              'this model has one input')
        if not 0 <= scale < len(self.scales):
            raise ConfigError(
                f'scale {scale} does not exist: this network has '
                f'{len(self.scales)} input scales (0 = finest, factors '
                f'{self.scales})')
        self.perturb_all_scales()
        self.scale = scale
        self.reference = reference
        with torch.no_grad():
            self._clean_pyramid = self.backbone.input_pyramid(
                self._preprocess(reference))
        self._hook = self.backbone.register_forward_pre_hook(
            self._mixed_pyramid)

    def perturb_all_scales(self) -> None:
        """Back to the plain network (every scale from the input)."""
        if self._hook is not None:
            self._hook.remove()
            self._hook = None
        self.scale = None
        self._clean_pyramid = None

    def _mixed_pyramid(self, backbone, args):
        """Forward pre-hook: ``(x, )`` -> ``(x, pyramid)`` with the
        perturbed scale's input from ``x`` and the others clean."""
        if len(args) != 1:
            raise RuntimeError('single-scale mode expects backbone(x); got '
                               f'{len(args)} positional arguments')
        x = args[0]
        clean = self._clean_pyramid
        ref = next(iter(clean.values()))
        if ref.shape[0] != x.shape[0]:
            raise RuntimeError(
                f'single-scale mode got a batch of {x.shape[0]} images for a '
                f'reference batch of {ref.shape[0]}')
        inputs = backbone.input_pyramid(x)
        factor = self.scales[self.scale]
        return x, {f: (inputs[f] if f == factor else clean[f]) for f in clean}

    def _preprocess(self, x):
        data = self.model.data_preprocessor({'inputs': x * 255.}, False)
        return data['inputs']

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits ``(N, K)`` of ``[0, 1]`` images ``(N, C, H, W)``."""
        return self.model(self._preprocess(x), mode='tensor')


@torch.no_grad()
def predict_labels(net, images, batch_size=256, device='cpu'):
    """Predicted classes ``(N,)`` (on the CPU) of ``net`` (e.g. a
    :class:`UnitImageClassifier` on ``device``) for ``images``
    ``(N, C, H, W)``."""
    preds = [
        net(images[i:i + batch_size].to(device)).argmax(1).cpu()
        for i in range(0, len(images), batch_size)
    ]
    return torch.cat(preds)


def model_name(config, taken=()):
    """A short label for plots / JSON: the config's file name, made unique
    against ``taken`` with a ``-2``, ``-3``... suffix."""
    name = osp.splitext(osp.basename(config))[0]
    base, i = name, 2
    while name in taken:
        name = f'{base}-{i}'
        i += 1
    return name
