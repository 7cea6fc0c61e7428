"""Confusion matrices of a classifier's test predictions
(``tools/analysis_tools/confusion_matrix.py``).

The predictions come from

* the pickle ``tools/test.py --out preds.pkl`` writes (MMEngine's
  ``DumpResults``: one dict per test image with ``gt_label``,
  ``pred_label``, ``pred_score``, torch tensors), read as data only by
  :func:`load_predictions`; or
* a config and any checkpoint (a training checkpoint with its optimizer and
  message hub, a published or EMA one, plain weights): the config's test
  set is run by mmfg's runner, as ``tools/test.py`` does
  (:func:`predictions_from_checkpoint`).

The matrix has the true classes as rows and the predicted classes as
columns: ``M[i, j]`` = images of class ``i`` predicted as ``j`` (the layout
of ``sklearn.metrics.confusion_matrix`` and mmpretrain's
``ConfusionMatrix``).
"""
import io
import os.path as osp
import pickle

import numpy as np
import torch

from mmfg.utils.errors import ConfigError, DataError


def _storage_from_bytes(data):
    """``torch.storage._load_from_bytes`` read as data only: the bytes are
    a ``torch.save`` file, loaded with ``weights_only=True``."""
    if not isinstance(data, (bytes, bytearray)):
        raise pickle.UnpicklingError('tensor storage: not bytes')
    storage = torch.load(
        io.BytesIO(bytes(data)), map_location='cpu', weights_only=True)
    if not isinstance(storage, (torch.UntypedStorage, torch.TypedStorage)):
        raise pickle.UnpicklingError('tensor storage: not a storage')
    return storage


def _rebuild_tensor(storage,
                    offset,
                    size,
                    stride,
                    requires_grad=False,
                    hooks=None,
                    metadata=None):
    """``torch._utils._rebuild_tensor_v2`` without hooks or metadata,
    returning a numpy array."""
    from mmfg.utils.safe_pickle import UnsafePickleError

    if hooks or metadata:
        raise UnsafePickleError('torch._utils._rebuild_tensor_v2',
                                'tensor hooks or metadata are not data')
    if not isinstance(storage, (torch.UntypedStorage, torch.TypedStorage)):
        raise UnsafePickleError('torch._utils._rebuild_tensor_v2',
                                'not built from a storage')
    tensor = torch._utils._rebuild_tensor(storage, int(offset), tuple(size),
                                          tuple(stride))
    return tensor.detach().numpy().copy()


#: the two globals with which a plain pickle stores a torch tensor, mapped
#: to data-only readers (tensors come back as numpy arrays)
TENSOR_GLOBALS = {
    ('torch._utils', '_rebuild_tensor_v2'): _rebuild_tensor,
    ('torch.storage', '_load_from_bytes'): _storage_from_bytes,
}


class _PredictionUnpickler(pickle.Unpickler):
    """mmfg's data-only unpickler
    (:data:`mmfg.utils.safe_pickle.ALLOWED_GLOBALS`) plus the tensors of
    MMEngine's ``DumpResults`` (:data:`TENSOR_GLOBALS`)."""

    def find_class(self, module, name):
        from mmfg.utils.safe_pickle import ALLOWED_GLOBALS, UnsafePickleError

        found = ALLOWED_GLOBALS.get((module, name)) or TENSOR_GLOBALS.get(
            (module, name))
        if found is None:
            raise UnsafePickleError(f'{module}.{name}')
        return found

    def persistent_load(self, pid):
        from mmfg.utils.safe_pickle import UnsafePickleError
        raise UnsafePickleError('a persistent id',
                                'the file is not a plain pickle')


def load_predictions(path):
    """The list of per-image prediction dicts in a ``tools/test.py --out``
    pickle, tensors as numpy arrays.

    The file is read as data only: mmfg's data unpickler
    (:func:`mmfg.utils.safe_pickle.load_data_pickle`'s allow-list: builtin
    containers, scalars, numpy arrays) plus torch tensors, whose storage
    is a ``torch.save`` file loaded with ``weights_only=True``. Any other
    global (a class, a function) is refused before it is called.

    Raises:
        FileNotFoundError: no such file.
        DataError: not a pickle, a pickle holding code, or not a list of
            prediction dicts.
    """
    from mmfg.utils.safe_pickle import UnsafePickleError

    if not osp.isfile(path):
        raise FileNotFoundError(f'predictions {path} do not exist')
    with open(path, 'rb') as f:
        raw = f.read()
    try:
        preds = _PredictionUnpickler(io.BytesIO(raw)).load()
    except UnsafePickleError as exc:
        raise DataError(
            f'predictions {path}: {exc}; mmfg reads pickle files as data '
            'only (containers, numbers, numpy arrays and tensors), since '
            'unpickling anything else can run code. Write the predictions '
            'with tools/test.py --out') from None
    except Exception as exc:  # noqa: BLE001 - pickle raises any type
        why = f'{type(exc).__name__}: {str(exc)[:120]}'
        raise DataError(
            f'predictions {path} are not a readable pickle ({why}); give '
            'the .pkl written by tools/test.py --out') from None
    if not isinstance(preds, list) or not preds or not all(
            isinstance(p, dict) for p in preds):
        raise DataError(f'predictions {path} are not a list of per-image '
                        'dicts as tools/test.py --out writes')
    return preds


def _label(value, key, index, path):
    arr = np.asarray(value).reshape(-1)
    if arr.size != 1:
        raise DataError(f'predictions {path}: image {index} has {arr.size} '
                        f'values in {key}; a single-label classification '
                        'is needed for a confusion matrix')
    return int(arr[0])


def labels_of(preds, path='the predictions'):
    """``(gt (N,), pred (N,), num_classes)`` from prediction dicts:
    ``gt_label`` and ``pred_label`` (else the argmax of ``pred_score``);
    the class count is the length of ``pred_score`` (else ``num_classes``,
    else the largest label + 1).

    Raises:
        DataError: an image without ``gt_label`` or without a prediction.
    """
    gt, pred, num = [], [], None
    for i, p in enumerate(preds):
        if p.get('gt_label') is None:
            raise DataError(f'{path}: image {i} has no gt_label (a test '
                            'set without labels); a confusion matrix needs '
                            'the true classes')
        gt.append(_label(p['gt_label'], 'gt_label', i, path))
        score = p.get('pred_score')
        if p.get('pred_label') is not None:
            pred.append(_label(p['pred_label'], 'pred_label', i, path))
        elif score is not None:
            pred.append(int(np.argmax(np.asarray(score))))
        else:
            raise DataError(f'{path}: image {i} has neither pred_label nor '
                            'pred_score')
        if score is not None:
            num = max(num or 0, int(np.asarray(score).size))
        elif p.get('num_classes') is not None:
            num = max(num or 0, int(p['num_classes']))
    gt, pred = np.array(gt, np.int64), np.array(pred, np.int64)
    num = max(num or 0, int(max(gt.max(), pred.max())) + 1)
    return gt, pred, num


def confusion_matrix(gt, pred, num_classes):
    """``(K, K)`` int64 counts, ``M[i, j]`` = images of true class ``i``
    predicted as ``j``.

    Args:
        gt, pred (array-like): ``(N,)`` integer labels in ``[0, K)``.
        num_classes (int): ``K``.
    """
    gt = np.asarray(gt, np.int64).reshape(-1)
    pred = np.asarray(pred, np.int64).reshape(-1)
    if gt.shape != pred.shape:
        raise ValueError(f'{gt.size} true labels for {pred.size} predictions')
    for name, arr in (('true', gt), ('predicted', pred)):
        if arr.size and (arr.min() < 0 or arr.max() >= num_classes):
            raise DataError(f'a {name} label is outside 0..{num_classes - 1}')
    counts = np.bincount(
        gt * num_classes + pred, minlength=num_classes * num_classes)
    return counts.reshape(num_classes, num_classes)


class _Collector:
    """Factory of a metric keeping every image's labels and scores (an
    ``mmengine.evaluator.BaseMetric`` built on demand)."""

    @staticmethod
    def build():
        from mmengine.evaluator import BaseMetric

        class PredictionCollector(BaseMetric):
            default_prefix = 'collect'

            def __init__(self):
                super().__init__(collect_device='cpu')

            def process(self, data_batch, data_samples):
                for s in data_samples:
                    keep = {}
                    for key in ('gt_label', 'pred_label', 'pred_score',
                                'sample_idx', 'num_classes'):
                        v = s.get(key)
                        if torch.is_tensor(v):
                            v = v.detach().cpu().numpy()
                        if v is not None:
                            keep[key] = v
                    self.results.append(keep)

            def compute_metrics(self, results):
                self.collected = list(results)
                return {}

        return PredictionCollector()


def predictions_from_checkpoint(config,
                                checkpoint,
                                work_dir,
                                cfg_options=None):
    """Run ``config``'s test set with ``checkpoint`` through mmfg's runner
    (as ``tools/test.py``: ``load_from`` reads training, published, EMA and
    plain-weights checkpoints as data only) and return the prediction
    dicts (numpy arrays), in test-set order.

    Args:
        config (str): config file.
        checkpoint (str): checkpoint file.
        work_dir (str): where the runner writes its logs.
        cfg_options (dict, optional): ``--cfg-options``.
    """
    from mmfg.engine import build_runner
    from mmfg.engine.config_checks import (check_config, load_config,
                                           merge_cfg_options)
    from mmfg.utils import register_all_modules

    if not osp.isfile(checkpoint):
        raise FileNotFoundError(f'checkpoint {checkpoint} does not exist')
    register_all_modules()
    cfg = load_config(config)
    cfg.work_dir = work_dir
    cfg.load_from = checkpoint
    cfg.resume = False
    cfg.log_level = 'WARNING'  # the runner's set-up report, not the matrix
    merge_cfg_options(cfg, cfg_options)
    loader = cfg.get('test_dataloader')
    if not isinstance(loader, dict) or loader.get('dataset') is None:
        raise ConfigError(f'{config} has no test_dataloader to run')
    if loader.get('num_workers', 0) == 0:
        loader['persistent_workers'] = False
    check_config(cfg, 'test')
    runner = build_runner(cfg)
    collector = _Collector.build()
    runner.test_evaluator.metrics.append(collector)
    runner.test()
    return collector.collected


def class_names(cfg):
    """The test dataset's class names (no data read), or None."""
    from mmfg.apis.model import dataset_classes
    try:
        return dataset_classes(cfg)
    except Exception:  # noqa: BLE001 - names are only labels
        return None


def plot_confusion_matrix(matrix,
                          out,
                          classes=None,
                          include_values=False,
                          cmap='viridis',
                          normalize=False,
                          title='Confusion matrix'):
    """Draw ``matrix`` (rows true, columns predicted) and save it.

    Args:
        matrix (ndarray): ``(K, K)`` counts.
        out (str): image file (``.png``, ...).
        classes (Sequence[str], optional): K class names (default indices).
        include_values (bool): write each cell's value.
        cmap (str): matplotlib colour map.
        normalize (bool): show each row as percentages of its true class.
    """
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    matrix = np.asarray(matrix)
    k = len(matrix)
    if classes is None or len(classes) != k:
        classes = [str(i) for i in range(k)]
    shown = matrix.astype(np.float64)
    if normalize:
        rows = shown.sum(1, keepdims=True)
        shown = np.divide(
            100 * shown, rows, out=np.zeros_like(shown), where=rows > 0)
    size = max(5., 0.5 * k + 2)
    fig, ax = plt.subplots(figsize=(size + 1, size))
    im = ax.imshow(shown, cmap=cmap, interpolation='nearest')
    fig.colorbar(
        im,
        ax=ax,
        fraction=0.046,
        pad=0.04,
        label='% of true class' if normalize else 'images')
    ax.set_xticks(range(k), labels=classes, rotation=45, ha='right')
    ax.set_yticks(range(k), labels=classes)
    ax.set_xlabel('predicted class')
    ax.set_ylabel('true class')
    ax.set_title(f'{title} ({int(matrix.sum())} images, accuracy '
                 f'{100 * np.trace(matrix) / max(matrix.sum(), 1):.2f}%)')
    if include_values:
        peak = shown.max() if shown.size else 0
        for i in range(k):
            for j in range(k):
                text = f'{shown[i, j]:.1f}' if normalize else \
                    str(int(matrix[i, j]))
                ax.text(
                    j,
                    i,
                    text,
                    ha='center',
                    va='center',
                    fontsize=7,
                    color='white' if shown[i, j] < peak / 2 else 'black')
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)
    return out


def save_matrix(matrix, path, classes=None):
    """Write the counts as ``.npy`` (the array) or ``.csv`` (a header row
    ``true\\predicted, <classes>`` and one row per true class)."""
    matrix = np.asarray(matrix)
    if path.endswith('.npy'):
        np.save(path, matrix)
    elif path.endswith('.csv'):
        import csv
        names = [str(i) for i in range(len(matrix))]
        if classes is not None and len(classes) == len(matrix):
            names = list(classes)
        with open(path, 'w', newline='') as f:
            writer = csv.writer(f)
            writer.writerow(['true\\predicted'] + names)
            for name, row in zip(names, matrix):
                writer.writerow([name] + [int(v) for v in row])
    else:
        raise ConfigError(f'--out {path}: write the matrix as .npy or .csv')
    return path
