"""Matplotlib figures of CAMs over images, with object and CAM-mask
outlines (``tools/topdown/localization.py``)."""


def to_display(images, cfg):
    """``(N, C, H, W)`` pipeline images in ``[0, 1]`` -> ``(N, H, W[, 3])``
    numpy arrays for matplotlib (grey images 2-D; BGR pipelines, i.e.
    ``data_preprocessor.to_rgb``, flipped to RGB)."""
    x = images.detach().cpu()
    pre = cfg.get('data_preprocessor') or {}
    if x.shape[1] == 3 and pre.get('to_rgb', False):
        x = x.flip(1)
    x = x.permute(0, 2, 3, 1).numpy()
    return x[..., 0] if x.shape[-1] == 1 else x


def _outline(ax, mask, color):
    if mask.any() and not mask.all():
        ax.contour(
            mask.astype(float), levels=[0.5], colors=[color], linewidths=0.8)


def draw_cam_column(path, image, obj, rows, title=None):
    """Save one row of panels: ``image`` ``(H, W[, 3])`` with the object
    mask ``obj`` ``(H, W)`` outlined, then per model a CAM heatmap overlay
    with its CAM-mask outline. ``rows``: ``[(label, cam (H, W),
    cam_mask (H, W))]``."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(
        1, 1 + len(rows), figsize=(2.4 * (1 + len(rows)), 2.6))
    cmap = 'gray' if image.ndim == 2 else None
    axes[0].imshow(image, cmap=cmap, vmin=0, vmax=1)
    _outline(axes[0], obj, 'lime')
    axes[0].set_title('image / object', fontsize=8)
    for ax, (label, cam, mask) in zip(axes[1:], rows):
        ax.imshow(image, cmap=cmap, vmin=0, vmax=1)
        ax.imshow(cam, cmap='jet', alpha=0.5, vmin=0, vmax=1)
        _outline(ax, mask, 'white')
        ax.set_title(label, fontsize=8)
    for ax in axes:
        ax.axis('off')
    if title:
        fig.suptitle(title, fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def draw_cam_grid(path, images, objs, models, cams, cam_masks, indices,
                  titles):
    """Save a grid: one column per image of ``indices``; first row the
    image with its object outline, then one row per model name of
    ``models`` with ``cams[name][i]`` and the outline of
    ``cam_masks[name][i]`` (all ``(H, W)``)."""
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    n = len(indices)
    fig, axes = plt.subplots(
        1 + len(models),
        n,
        figsize=(1.7 * n, 1.8 * (1 + len(models))),
        squeeze=False)
    for j, i in enumerate(indices):
        image = images[i]
        cmap = 'gray' if image.ndim == 2 else None
        axes[0, j].imshow(image, cmap=cmap, vmin=0, vmax=1)
        _outline(axes[0, j], objs[i], 'lime')
        axes[0, j].set_title(titles[j], fontsize=7)
        for r, name in enumerate(models, start=1):
            ax = axes[r, j]
            ax.imshow(image, cmap=cmap, vmin=0, vmax=1)
            ax.imshow(cams[name][i], cmap='jet', alpha=0.5, vmin=0, vmax=1)
            _outline(ax, cam_masks[name][i], 'white')
    for r, name in enumerate(models, start=1):
        axes[r, 0].set_ylabel(name, fontsize=6)
    for ax in axes.flat:
        ax.set_xticks([])
        ax.set_yticks([])
    axes[0, 0].set_ylabel('object', fontsize=6)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
