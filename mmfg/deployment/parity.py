"""onnxruntime (CPU) versus the PyTorch model on the same preprocessed
batch: the reference is ``model.test_step`` (the model's data
preprocessor and ``predict``: ``pred_score``), the graph gets the tensors
:func:`mmfg.deployment.inputs.graph_inputs` makes from the same batch."""
from typing import Dict, List, NamedTuple, Optional, Union

import numpy as np
import torch
from mmengine.model import BaseModel

from mmfg.utils import ConfigError

#: documented score tolerance of the parity tests (absolute, on softmax
#: scores in [0, 1])
SCORE_ATOL = 1e-5


def onnx_session(model: Union[str, bytes], threads: Optional[int] = None):
    """An ``onnxruntime.InferenceSession`` on the CPU provider (``threads``
    intra-op threads; None = onnxruntime's default)."""
    try:
        import onnxruntime as ort
    except ImportError:
        raise ConfigError('onnxruntime is not installed: pip install '
                          '-r requirements/deploy.txt') from None
    opts = ort.SessionOptions()
    if threads:
        opts.intra_op_num_threads = int(threads)
        opts.inter_op_num_threads = 1
    opts.log_severity_level = 3
    return ort.InferenceSession(
        model, sess_options=opts, providers=['CPUExecutionProvider'])


def run_onnx(session, inputs: Dict[str, Union[np.ndarray,
                                              torch.Tensor]]) -> np.ndarray:
    """The graph's ``scores`` ``(B, num_classes)`` for ``{name: array}``
    (only the names the graph has are passed)."""
    names = [i.name for i in session.get_inputs()]
    missing = [n for n in names if n not in inputs]
    if missing:
        raise ConfigError(f'the graph needs the inputs {missing}')
    feed = {}
    for name in names:
        value = inputs[name]
        if torch.is_tensor(value):
            value = value.detach().cpu().numpy()
        feed[name] = np.ascontiguousarray(value)
    return session.run(None, feed)[0]


def predict_scores(model: BaseModel, data: dict) -> np.ndarray:
    """``pred_score`` of ``model.test_step(data)`` stacked ``(B,
    num_classes)``: the PyTorch reference."""
    with torch.no_grad():
        samples = model.test_step(data)
    return torch.stack([s.pred_score for s in samples]).cpu().numpy()


class Parity(NamedTuple):
    """Scores of the graph versus PyTorch over ``n`` images."""
    n: int
    max_abs_diff: float
    top1_agree: int
    #: images whose two best PyTorch scores are closer than the tolerance
    #: (their top-1 may legitimately differ; counted, never excluded from
    #: ``max_abs_diff``)
    near_ties: int

    @property
    def top1_rate(self) -> float:
        return self.top1_agree / max(self.n, 1)

    def merge(self, other: 'Parity') -> 'Parity':
        return Parity(self.n + other.n,
                      max(self.max_abs_diff, other.max_abs_diff),
                      self.top1_agree + other.top1_agree,
                      self.near_ties + other.near_ties)


def compare_scores(ref: np.ndarray,
                   got: np.ndarray,
                   atol: float = SCORE_ATOL) -> Parity:
    """:class:`Parity` of ``got`` against ``ref`` (both ``(B, N)``)."""
    ref, got = np.asarray(ref), np.asarray(got)
    if ref.shape != got.shape:
        raise ValueError(f'scores of shape {got.shape} vs {ref.shape}')
    top2 = np.sort(ref, axis=1)[:, -2:] if ref.shape[1] > 1 else \
        np.concatenate([np.zeros_like(ref), ref], 1)
    return Parity(
        n=len(ref),
        max_abs_diff=float(np.abs(ref - got).max()) if ref.size else 0.,
        top1_agree=int((ref.argmax(1) == got.argmax(1)).sum()),
        near_ties=int((top2[:, 1] - top2[:, 0] < 2 * atol).sum()))


def batch_parity(model: BaseModel,
                 session,
                 data: dict,
                 atol: float = SCORE_ATOL) -> Parity:
    """:class:`Parity` of the graph against ``model.test_step`` on one
    collated batch."""
    from .inputs import graph_inputs
    ref = predict_scores(model, data)
    got = run_onnx(session, graph_inputs(model.data_preprocessor, data))
    return compare_scores(ref, got, atol)


def dataset_batches(cfg,
                    indices: List[int],
                    batch_size: int = 32,
                    loader: str = 'test_dataloader'):
    """Collated batches of the items ``indices`` of ``cfg[loader]``'s
    dataset (its own pipeline; ``pseudo_collate`` like the dataloaders)."""
    from mmengine.dataset import pseudo_collate

    from mmfg.registry import DATASETS
    from mmfg.utils import register_all_modules
    register_all_modules()
    dataset = DATASETS.build(cfg[loader].dataset)
    for lo in range(0, len(indices), batch_size):
        yield pseudo_collate([dataset[i] for i in indices[lo:lo + batch_size]])
