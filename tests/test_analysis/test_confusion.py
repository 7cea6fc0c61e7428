"""mmfg.analysis.confusion: the matrix against sklearn, and the
predictions pickle read as data only."""
import pickle

import numpy as np
import pytest
import torch
from sklearn.metrics import confusion_matrix as sk_confusion_matrix

from mmfg.analysis.confusion import (confusion_matrix, labels_of,
                                     load_predictions, save_matrix)
from mmfg.utils import DataError


def test_matrix_equals_sklearn():
    rng = np.random.default_rng(0)
    gt = rng.integers(0, 7, 500)
    pred = np.where(rng.random(500) < 0.6, gt, rng.integers(0, 7, 500))
    np.testing.assert_array_equal(
        confusion_matrix(gt, pred, 7),
        sk_confusion_matrix(gt, pred, labels=range(7)))


def test_reads_what_dump_results_writes(tmp_path):
    """The pickle of MMEngine's DumpResults (tools/test.py --out): dicts of
    torch tensors; tensors come back as numpy arrays."""
    from mmengine.evaluator import DumpResults

    scores = torch.softmax(
        torch.randn(6, 4, generator=torch.Generator().manual_seed(0)), 1)
    gt = [0, 1, 2, 3, 3, 1]
    dump = DumpResults(out_file_path=str(tmp_path / 'p.pkl'))
    dump.process(None, [
        dict(
            gt_label=torch.tensor([g]),
            pred_score=s,
            pred_label=s.argmax().reshape(1),
            sample_idx=i,
            num_classes=4) for i, (g, s) in enumerate(zip(gt, scores))
    ])
    dump.compute_metrics(dump.results)
    preds = load_predictions(str(tmp_path / 'p.pkl'))
    assert isinstance(preds[0]['pred_score'], np.ndarray)
    np.testing.assert_allclose(
        np.stack([p['pred_score'] for p in preds]), scores.numpy())
    g, p, k = labels_of(preds)
    assert k == 4 and g.tolist() == gt
    assert p.tolist() == scores.argmax(1).tolist()
    csv = save_matrix(
        confusion_matrix(g, p, k), str(tmp_path / 'm.csv'),
        ['a', 'b', 'c', 'd'])
    rows = open(csv).read().splitlines()
    assert rows[0] == 'true\\predicted,a,b,c,d' and len(rows) == 5


class _Evil:

    def __reduce__(self):
        import os
        return (os.system, ('echo pwned > /dev/null', ))


def test_code_in_the_pickle_is_refused(tmp_path):
    path = tmp_path / 'evil.pkl'
    path.write_bytes(pickle.dumps([{'gt_label': _Evil()}]))
    with pytest.raises(DataError, match='system'):
        load_predictions(str(path))
    path.write_bytes(b'not a pickle')
    with pytest.raises(DataError, match='tools/test.py --out'):
        load_predictions(str(path))


def test_predictions_without_labels(tmp_path):
    with pytest.raises(DataError, match='gt_label'):
        labels_of([dict(pred_label=np.array([1]))])
