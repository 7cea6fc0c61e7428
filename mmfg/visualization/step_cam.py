"""Per-time-step Grad-CAM of Focus-Longer's local stream (the paper's
Fig. 3): for each LSTM step ``t``, the CAM of the local head applied to the
hidden state ``h_t`` alone, at the local backbone's last feature map,
computed by the package's CAM module (:mod:`mmfg.visualization.cam`)."""
import torch
import torch.nn as nn

from mmfg.utils import ConfigError
from .cam import ClassifierCAM, default_target_layer, get_target_layer


class LocalStepLogits(nn.Module):
    """The local stream of a
    :class:`~mmfg.models.classifiers.TwoStreamClassifier` read at one LSTM
    step (its ``local_step_logits``): ``crops (N, C, h, w) ->
    local_head(h_t) (N, num_classes)``.

    Args:
        model (TwoStreamClassifier): with a ``RecurrentAttentionNeck``
            local neck (one crop at a time).
        step (int): 1-based ``t`` (``-1`` = ``T``).
    """

    def __init__(self, model, step):
        super().__init__()
        from mmfg.models.classifiers import TwoStreamClassifier
        if not isinstance(model, TwoStreamClassifier):
            raise ConfigError(
                'per-step CAMs need a TwoStreamClassifier with a '
                'RecurrentAttentionNeck local neck, got '
                f'{type(model).__name__}')
        model.check_step_model()
        self.model = model
        self.step = step

    def forward(self, crops):
        return self.model.local_step_logits(crops, self.step)


class _LocalView(nn.Module):
    """The local backbone seen as ``backbone`` (for
    :func:`default_target_layer`)."""

    def __init__(self, model):
        super().__init__()
        self.backbone = model.local_backbone


def local_target_layer(model, name=None):
    """The module of the local backbone whose map the CAM weighs:
    ``name`` (dotted, inside ``local_backbone``) or the default last
    convolutional map of :func:`default_target_layer`."""
    view = _LocalView(model)
    if name is None:
        name = default_target_layer(view)
    elif not name.startswith('backbone.'):
        name = f'backbone.{name}'
    return get_target_layer(view, name)


def step_cams(model,
              crops,
              steps=None,
              targets=None,
              target_layer=None,
              method='gradcam'):
    """CAMs of every step for a batch of crops.

    Args:
        model (TwoStreamClassifier): see :class:`LocalStepLogits`.
        crops (Tensor): ``(N, C, h, w)`` normalised crops (as the data
            preprocessor makes them).
        steps (Sequence[int], optional): 1-based steps; default all ``T``.
        targets (Sequence[int], optional): the class each crop's maps
            explain; default each step's own predicted class (never the
            ground truth).
        target_layer (str, optional): inside ``local_backbone``.
        method (str): a method of :data:`mmfg.visualization.cam.CAM_METHODS`.

    Returns:
        tuple: maps ``(N, S, h, w)`` in ``[0, 1]`` and the explained class
        per crop and step ``(N, S)``.
    """
    steps = list(steps or range(1, model.local_neck.num_steps + 1))
    layer = local_target_layer(model, target_layer)
    maps, classes = [], []
    was_training = model.training
    model.eval()
    try:
        for t in steps:
            net = LocalStepLogits(model, t)
            with torch.no_grad():
                pred = net(crops).argmax(-1)
            tgt = pred if targets is None else torch.as_tensor(targets)
            cam = ClassifierCAM(net, target_layer=layer, method=method)
            maps.append(cam(crops, targets=tgt.tolist()))
            classes.append(tgt.cpu())
    finally:
        model.train(was_training)
    if not maps:
        raise ConfigError('no step to draw')
    return torch.stack(maps, 1), torch.stack(classes, 1)


def draw_step_cam_grid(path, patches, cams, row_titles=None, steps=None):
    """Save a grid: one row per crop, the crop then its CAM at each step.

    Args:
        path (str): output image file.
        patches (ndarray): ``(N, h, w)`` grey or ``(N, h, w, 3)`` RGB in
            ``[0, 1]``.
        cams (Tensor | ndarray): ``(N, S, h, w)`` in ``[0, 1]``.
        row_titles (list[str], optional): one per row.
        steps (list[int], optional): column titles ``t = ...``.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt
    import numpy as np

    cams = np.asarray(cams)
    n, s = cams.shape[:2]
    steps = steps or list(range(1, s + 1))
    fig, axes = plt.subplots(
        n, s + 1, figsize=(1.3 * (s + 1), 1.4 * n), squeeze=False)
    for i in range(n):
        img = patches[i]
        cmap = 'gray' if img.ndim == 2 else None
        axes[i, 0].imshow(img, cmap=cmap, vmin=0, vmax=1)
        if row_titles:
            axes[i, 0].set_title(row_titles[i], fontsize=6)
        for j in range(s):
            ax = axes[i, j + 1]
            ax.imshow(img, cmap=cmap, vmin=0, vmax=1)
            ax.imshow(cams[i, j], cmap='jet', alpha=0.5, vmin=0, vmax=1)
            if i == 0:
                ax.set_title(f't = {steps[j]}', fontsize=7)
    for ax in axes.flat:
        ax.axis('off')
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
