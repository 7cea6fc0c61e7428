"""Shared helpers of the Top-Down analysis tools (attack.py, localization.py).

* :func:`load_classifier`: an mmpretrain classifier from a config and a
  checkpoint (the run's own MMEngine checkpoint, loaded under torch >= 2.6
  with mmfg's allow-list), in eval mode.
* :func:`load_samples`: the first ``N`` images of the config's test set after
  its test pipeline, as float ``[0, 1]`` tensors (what the network sees,
  before the data preprocessor's normalisation) and their labels.
* :class:`UnitImageClassifier`: a plain ``nn.Module`` mapping ``[0, 1]``
  images to logits (data preprocessor + backbone + neck + head), which attack
  and CAM libraries can use directly. For Top-Down backbones it can route a
  perturbation to ONE input scale only (paper Sec. 4.2, Fig. 5).
"""
import os.path as osp

import torch
import torch.nn as nn

from mmfg.utils.errors import ConfigError


def check_file(path, what):
    if not osp.isfile(path):
        raise FileNotFoundError(f'{what} {path} does not exist')


def load_classifier(config, checkpoint, cfg_options=None):
    """Build the model of ``config`` and load ``checkpoint`` (strictly).

    Returns:
        tuple: ``(cfg, model)``; the model is in eval mode on the CPU.
    """
    from mmengine.config import Config
    from mmengine.runner import load_checkpoint

    from mmfg.engine import checkpoint_safe_globals
    from mmfg.registry import MODELS
    from mmfg.utils import register_all_modules

    check_file(config, 'config file')
    check_file(checkpoint, 'checkpoint')
    register_all_modules()
    cfg = Config.fromfile(config)
    if cfg_options:
        cfg.merge_from_dict(cfg_options)
    model_cfg = cfg.model.copy()
    if cfg.get('data_preprocessor') is not None:
        model_cfg.setdefault('data_preprocessor', cfg.data_preprocessor)
    model = MODELS.build(model_cfg)
    try:
        with checkpoint_safe_globals():
            load_checkpoint(model, checkpoint, map_location='cpu',
                            strict=True, logger='silent')
    except RuntimeError as exc:
        first = str(exc).strip().splitlines()
        detail = ' '.join(first[:3])[:400]
        raise ConfigError(f'checkpoint {checkpoint} does not fit the model '
                          f'of {config}: {detail}') from None
    return cfg, model.eval()


def load_samples(cfg, num_samples=None, loader='test_dataloader'):
    """The first ``num_samples`` items of ``cfg[loader].dataset`` after its
    pipeline.

    Returns:
        tuple: ``images`` float ``(N, C, H, W)`` in ``[0, 1]`` (the pipeline's
        uint8 values / 255, channel order as the pipeline leaves it) and
        ``labels`` long ``(N,)``.
    """
    from mmfg.registry import DATASETS

    ds_cfg = cfg[loader].dataset.copy()
    if num_samples is not None:
        if num_samples < 1:
            raise ConfigError(f'--num-samples must be >= 1, got '
                              f'{num_samples}')
        ds_cfg['indices'] = num_samples
    dataset = DATASETS.build(ds_cfg)
    images, labels = [], []
    for i in range(len(dataset)):
        item = dataset[i]
        img = item['inputs']
        if img.dtype != torch.uint8:
            raise ConfigError('expected uint8 images from the test pipeline '
                              f'(got {img.dtype}); the tools assume 0-255 '
                              'pixels before the data preprocessor')
        images.append(img)
        labels.append(int(item['data_samples'].gt_label[0]))
    shapes = {tuple(im.shape) for im in images}
    if len(shapes) != 1:
        raise ConfigError(f'the test pipeline yields images of different '
                          f'sizes {sorted(shapes)[:3]}...; add a fixed-size '
                          'resize/crop to it')
    images = torch.stack(images).float() / 255.
    return images, torch.tensor(labels, dtype=torch.long)


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

    Single-scale perturbation (Top-Down networks only): after
    :meth:`perturb_one_scale` ``(scale, reference)``, the input ``x`` of
    :meth:`forward` feeds only input scale ``scale`` (0 = finest) of the
    backbone, and every other scale is computed from ``reference`` (the clean
    images, same shape as ``x``). It works through
    :meth:`TopDownNet.input_pyramid`, which the backbone's ``forward`` calls to
    build its blurred inputs: this wrapper overrides it on the backbone
    instance it owns. :meth:`perturb_all_scales` restores the plain network.
    """

    def __init__(self, model):
        super().__init__()
        self.model = model
        self.scale = None
        self._clean_pyramid = None
        self.backbone = topdown_backbone(model)
        self.scales = input_scales(model)
        if self.backbone is not None:
            self._pyramid = self.backbone.input_pyramid  # the bound method
            self.backbone.input_pyramid = self._injected_pyramid

    def perturb_one_scale(self, scale, reference):
        if self.backbone is None:
            raise ConfigError('a single input scale can only be attacked in '
                              'a Top-Down network (mode td/td_uni/td_rev); '
                              'this model has one input')
        if not 0 <= scale < len(self.scales):
            raise ConfigError(
                f'scale {scale} does not exist: this network has '
                f'{len(self.scales)} input scales (0 = finest, factors '
                f'{self.scales})')
        self.scale = scale
        self.reference = reference
        with torch.no_grad():
            self._clean_pyramid = self._pyramid(
                self._preprocess(reference))

    def perturb_all_scales(self):
        self.scale = None
        self._clean_pyramid = None

    def _injected_pyramid(self, x):
        inputs = self._pyramid(x)
        if self.scale is None:
            return inputs
        clean = self._clean_pyramid
        ref = next(iter(clean.values()))
        if ref.shape[0] != x.shape[0]:
            raise RuntimeError(
                f'single-scale mode got a batch of {x.shape[0]} images for a '
                f'reference batch of {ref.shape[0]}')
        factor = self.scales[self.scale]
        return {f: (inputs[f] if f == factor else clean[f]) for f in clean}

    def _preprocess(self, x):
        data = self.model.data_preprocessor({'inputs': x * 255.}, False)
        return data['inputs']

    def forward(self, x):
        return self.model(self._preprocess(x), mode='tensor')


@torch.no_grad()
def predict(net, images, batch_size=256, device='cpu'):
    """Predicted classes (on the CPU) of ``net`` (a
    :class:`UnitImageClassifier` on ``device``)."""
    preds = [
        net(images[i:i + batch_size].to(device)).argmax(1).cpu()
        for i in range(0, len(images), batch_size)
    ]
    return torch.cat(preds)


def model_name(config, taken=()):
    """A short unique label for plots/JSON: the config's file name."""
    name = osp.splitext(osp.basename(config))[0]
    base, i = name, 2
    while name in taken:
        name = f'{base}-{i}'
        i += 1
    return name


def to_display(images, cfg):
    """``(N, C, H, W)`` pipeline images -> ``(N, H, W[, 3])`` numpy arrays
    for matplotlib (grey images 2-D; BGR pipelines flipped to RGB)."""
    x = images.detach().cpu()
    pre = cfg.get('data_preprocessor') or {}
    if x.shape[1] == 3 and pre.get('to_rgb', False):
        x = x.flip(1)
    x = x.permute(0, 2, 3, 1).numpy()
    return x[..., 0] if x.shape[-1] == 1 else x
