"""What RACNN's SR layers contribute (Cai et al.'s question: does the
classifier gain from the SR residual itself?).

For a trained RACNN and a labelled set, :func:`sr_residual_study` measures
top-1 accuracy three ways with the same classifier:

* ``full``: the model as trained, classifier(x + SR(x));
* ``sr_mean``: the SR residual replaced by its mean over the set (one image
  ``r_bar``, per pixel and channel): classifier(x + r_bar). This keeps any
  constant offset/brightness change the SR layers learned and removes
  everything that depends on the input;
* ``sr_removed``: classifier(x), the SR layers taken out.

and the size of the residual: ``residual_rel_norm`` = sqrt(sum ||r||^2 /
sum ||x||^2) (in the classifier's normalised input units) and
``input_dependent_share`` = sum ||r - r_bar||^2 / sum ||r||^2, the part of
the residual's energy that varies with the input (0: a constant offset).
If ``full`` is not above ``sr_mean``, the SR layers did nothing
input-specific that the classifier uses.
"""
from typing import Dict, Optional

import torch
from mmpretrain.models import ImageClassifier


def _classify(model, x):
    """Logits of ``model``'s classifier on ``x`` without its SR layers."""
    feats = ImageClassifier.extract_feat(model, x)
    return model.head(feats)


@torch.no_grad()
def sr_residual_study(model,
                      dataloader,
                      max_images: Optional[int] = None,
                      batch_size: int = 256) -> Dict[str, float]:
    """Accuracy with the SR residual as trained / replaced by its mean /
    removed, and the residual's size and input-dependent share.

    Args:
        model: an mmpretrain classifier in eval mode; with an ``sr`` module
            (RACNN) all entries are computed, without one (the plain CNN)
            only ``full``.
        dataloader: yields mmpretrain batches (``inputs``, ``data_samples``).
        max_images (int, optional): stop after this many images.
        batch_size (int): batch size of the classification passes.

    Returns:
        dict: ``n``, ``full``, and for RACNN ``sr_mean``, ``sr_removed``,
        ``residual_rel_norm``, ``input_dependent_share`` (accuracies in %).
    """
    model.eval()
    xs, ys = [], []
    n = 0
    for data in dataloader:
        data = model.data_preprocessor(data, False)
        x = data['inputs']
        y = torch.as_tensor([int(s.gt_label) for s in data['data_samples']])
        xs.append(x)
        ys.append(y)
        n += len(y)
        if max_images is not None and n >= max_images:
            break
    x = torch.cat(xs)[:max_images]
    y = torch.cat(ys)[:max_images]
    sr = getattr(model, 'sr', None)

    def accuracy(make_input):
        correct = 0
        for i in range(0, len(x), batch_size):
            xb = x[i:i + batch_size]
            pred = _classify(model, make_input(xb, i)).argmax(1)
            correct += int((pred == y[i:i + batch_size]).sum())
        return 100.0 * correct / len(x)

    out = dict(n=int(len(x)))
    if sr is None:
        out['full'] = accuracy(lambda xb, i: xb)
        return out
    r = torch.cat(
        [sr(x[i:i + batch_size]) for i in range(0, len(x), batch_size)])
    r_bar = r.mean(0, keepdim=True)
    out['full'] = accuracy(lambda xb, i: xb + r[i:i + len(xb)])
    out['sr_mean'] = accuracy(lambda xb, i: xb + r_bar)
    out['sr_removed'] = accuracy(lambda xb, i: xb)
    energy = float(r.pow(2).sum())
    out['residual_rel_norm'] = (energy / float(x.pow(2).sum()))**0.5
    out['input_dependent_share'] = (
        float((r - r_bar).pow(2).sum()) / energy if energy > 0 else 0.0)
    return out
