"""Images of a config's dataset after its pipeline, as one tensor."""
from typing import TYPE_CHECKING, Optional, Tuple

import torch

from mmfg.utils.errors import ConfigError

if TYPE_CHECKING:
    from mmengine.config import Config


def load_samples(
        cfg: 'Config',
        num_samples: Optional[int] = None,
        loader: str = 'test_dataloader') -> Tuple[torch.Tensor, torch.Tensor]:
    """The first ``num_samples`` items of ``cfg[loader].dataset`` after its
    pipeline, as ``[0, 1]`` images (what the network sees before the data
    preprocessor's normalisation) and labels.

    Args:
        cfg (Config): a config with ``cfg[loader].dataset``.
        num_samples (int, optional): how many items (the dataset's
            ``indices``); None = all.
        loader (str): the dataloader whose dataset is read.

    Returns:
        tuple: ``images`` float ``(N, C, H, W)`` in ``[0, 1]`` (the
        pipeline's uint8 values / 255, channel order as the pipeline leaves
        it) and ``labels`` long ``(N,)``.

    Raises:
        ConfigError: ``num_samples < 1``, a pipeline that does not give
            uint8 images, or images of different sizes.
    """
    from mmfg.registry import DATASETS
    from mmfg.utils import register_all_modules

    register_all_modules()
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
