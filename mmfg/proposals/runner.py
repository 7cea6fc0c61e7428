"""Run a proposal generator over a split of a config's dataset.

The dataset is the config's ``test_dataloader`` dataset with ``split``
replaced (the test pipeline, so the model sees what it was evaluated on),
optionally subset by ``indices`` (mmengine's: an int = the first N, or a
list). Boxes are made in the network-input frame and mapped back to the
ORIGINAL image with the pipeline's ``scale_factor``: they are what a
proposal file stores under the dataset's image keys.
"""
from typing import (TYPE_CHECKING, Callable, List, Optional, Sequence, Tuple,
                    Union)

import numpy as np
import torch

from mmfg.utils import ConfigError
from .boxes import rescale_boxes

if TYPE_CHECKING:
    from mmengine.config import Config
    from mmengine.model import BaseModel
    from mmpretrain.structures import DataSample

    from mmfg.datasets.base_dataset import FGVCDataset
    from .cs_parts import CSParts


def build_split(cfg: 'Config',
                split: Optional[str],
                indices: Optional[Union[int, Sequence[int]]] = None,
                loader: str = 'test_dataloader') -> 'FGVCDataset':
    """The dataset of ``cfg[loader]`` on ``split`` (``indices`` applied)."""
    from mmfg.registry import DATASETS
    ds_cfg = cfg[loader].dataset.copy()
    if split is not None:
        ds_cfg['split'] = split
    if indices is not None:
        ds_cfg['indices'] = indices
    ds_cfg.pop('proposal_file', None)
    return DATASETS.build(ds_cfg)


def iter_batches(dataset: 'FGVCDataset',
                 batch_size: int = 64,
                 num_workers: int = 0) -> torch.utils.data.DataLoader:
    """Batches of a pipelined mmfg dataset: dicts with ``inputs`` (list of
    uint8 ``(C, H, W)``), ``data_samples`` and the image ``keys``."""
    from mmengine.dataset import pseudo_collate

    class Keyed(torch.utils.data.Dataset):

        def __len__(self):
            return len(dataset)

        def __getitem__(self, i):
            item = dataset[i]
            item['key'] = dataset.proposal_key(dataset.get_data_info(i))
            return item

    return torch.utils.data.DataLoader(
        Keyed(),
        batch_size=batch_size,
        num_workers=num_workers,
        collate_fn=pseudo_collate)


def original_geometry(
        sample: 'DataSample') -> Tuple[Tuple[float, float], Tuple[int, int]]:
    """``scale_factor`` (w, h) of the pipeline and the original ``(h, w)``
    of one packed data sample."""
    h, w = sample.img_shape[:2]
    sx, sy = sample.get('scale_factor', (1., 1.))
    return (sx, sy), (int(round(h / sy)), int(round(w / sx)))


def run_generator(generator: Callable,
                  model: 'BaseModel',
                  dataset: 'FGVCDataset',
                  batch_size: int = 64,
                  progress: bool = True) -> List[dict]:
    """Boxes of every image of ``dataset``.

    Args:
        generator (callable): a proposal generator (see :mod:`.builder`).
        model (BaseModel): the classifier (its data preprocessor normalises
            the batch).
        dataset: a pipelined mmfg dataset (uint8 ``inputs``).
        batch_size (int): images per forward / backward pass.
        progress (bool): show a progress bar (mmengine's).

    Returns:
        list[dict]: per image ``key``, ``size`` original ``(h, w)``,
        ``boxes`` float32 ``(n, 5)`` in original pixels, ``pred`` (the
        generator's predicted class or -1), ``label`` and ``gt_bboxes``
        (original pixels, ``(m, 4)``; empty without boxes).
    """
    from mmengine.utils import ProgressBar
    bar = ProgressBar(len(dataset)) if progress else None
    records = []
    for batch in iter_batches(dataset, batch_size):
        images = torch.stack(batch['inputs'])
        if images.dtype != torch.uint8:
            raise ConfigError('the proposal tools expect uint8 images from '
                              f'the test pipeline, got {images.dtype}')
        data = model.data_preprocessor(
            dict(inputs=list(images), data_samples=batch['data_samples']),
            False)
        boxes = generator(data['inputs'], images)
        preds = getattr(generator, 'last_pred', None)
        for i, (sample,
                key) in enumerate(zip(batch['data_samples'], batch['key'])):
            scale, size = original_geometry(sample)
            gt = sample.get('gt_bboxes', None)
            gt = np.zeros((0, 4), np.float32) if gt is None else \
                rescale_boxes(np.asarray(gt).reshape(-1, 4), scale)
            label = sample.get('gt_label', None)
            records.append(
                dict(
                    key=key,
                    size=size,
                    boxes=rescale_boxes(boxes[i], scale, size),
                    pred=-1 if preds is None else int(preds[i]),
                    label=-1 if label is None else int(label[0]),
                    gt_bboxes=gt))
        if bar is not None:
            bar.update(len(batch['key']))
    return records


def fit_cs_parts(generator: 'CSParts',
                 model: 'BaseModel',
                 dataset: 'FGVCDataset',
                 batch_size: int = 64,
                 progress: bool = True) -> 'CSParts':
    """Fit a :class:`~.cs_parts.CSParts` generator's SVM on the features
    and labels of ``dataset`` (training images)."""
    from mmengine.utils import ProgressBar
    bar = ProgressBar(len(dataset)) if progress else None
    feats, labels = [], []
    for batch in iter_batches(dataset, batch_size):
        data = model.data_preprocessor(
            dict(inputs=batch['inputs'], data_samples=batch['data_samples']),
            False)
        feats.append(generator.features(data['inputs']))
        labels += [int(s.gt_label[0]) for s in batch['data_samples']]
        if bar is not None:
            bar.update(len(batch['inputs']))
    return generator.fit(np.concatenate(feats), np.asarray(labels))
