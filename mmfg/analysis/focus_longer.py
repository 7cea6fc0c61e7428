"""Focus-Longer analyses from ONE trained model (the paper's Tables 3 and 5
and the evaluation protocols), used by
``tools/analysis_tools/focus_longer_steps.py``.

The test set goes through the model once: the global logits, the LSTM's
hidden states ``(K, T, D)`` of every crop and the crops' validity are kept;
every variant is then a different aggregation of the same hidden states
followed by the trained local head:

* ``step t``: the head on ``h_t`` alone (Table 3, "feature at time step t");
* ``sum 1..k``: the head on ``h_1 + ... + h_k`` (Table 5: the attention
  layer swapped for a summation at evaluation time; its ``1`` row equals
  Table 3's ``t = 1`` row, as in the paper);
* ``attention`` / ``last`` / ``mean``: the neck's own aggregations.

For each variant and each evaluation protocol (``mean``, ``first``,
``random``; see :class:`~mmfg.models.classifiers.TwoStreamClassifier`) the
top-1 accuracy of the fused prediction (global + local) and of the local
stream alone.
"""
from types import SimpleNamespace

import numpy as np
import torch

from mmfg.utils import ConfigError


def _check(model):
    from mmfg.models.necks import RecurrentAttentionNeck
    if getattr(model, 'local_mode', None) != 'per_crop' or not isinstance(
            getattr(model, 'local_neck', None), RecurrentAttentionNeck):
        raise ConfigError(
            'the per-step analysis needs a TwoStreamClassifier with '
            "local_mode='per_crop' and a RecurrentAttentionNeck local_neck")


def head_logits(head, feats):
    """Logits of the local head for ``(N, D)`` features (a
    :class:`~mmfg.models.heads.MultiStepClsHead` is applied as its wrapped
    per-step head)."""
    from mmfg.models.heads import MultiStepClsHead
    if isinstance(head, MultiStepClsHead):
        head = head.head
    return head((feats, ))


@torch.no_grad()
def collect_step_states(model, dataloader, max_samples=None):
    """Run the test set once.

    Returns:
        dict: ``global_logits`` (N, C) or None, ``states`` (N, K, T, D),
        ``valid`` (N, K) bool, ``labels`` (N,), ``sample_idx`` (N,) and
        ``model_scores`` (N, C), the model's own fused prediction scores
        (``pred_score``) for a consistency check.
    """
    _check(model)
    model.eval()
    out = {
        k: []
        for k in ('global_logits', 'states', 'valid', 'labels', 'sample_idx',
                  'model_scores')
    }
    seen = 0
    for data in dataloader:
        data = model.data_preprocessor(data, False)
        inputs, samples = data['inputs'], data['data_samples']
        crops, valid = model.crops(samples)
        neck = model.local_neck
        feats = model.local_backbone(crops[valid])
        feats = feats[-1] if isinstance(feats, (tuple, list)) else feats
        states_valid = neck.step_states(feats)
        states = states_valid.new_zeros(*valid.shape, *states_valid.shape[1:])
        states[valid] = states_valid
        out['states'].append(states.cpu())
        out['valid'].append(valid.cpu())
        if model.with_global:
            out['global_logits'].append(model.global_logits(inputs).cpu())
        out['labels'].append(torch.cat([s.gt_label for s in samples]).cpu())
        out['sample_idx'].append(
            torch.tensor([
                int(s.metainfo.get('sample_idx', seen + i))
                for i, s in enumerate(samples)
            ]))
        preds = model.predict(inputs, samples)
        out['model_scores'].append(
            torch.stack([p.pred_score for p in preds]).cpu())
        seen += len(samples)
        if max_samples and seen >= max_samples:
            break
    res = {
        k: (torch.cat(v)[:max_samples] if v else None)
        for k, v in out.items()
    }
    return res


def variant_features(model, states, how, k=None):
    """``states`` (N, K, T, D) -> features (N, K, D) for a variant:
    ``('step', t)``, ``('sum', k)``, ``('mean', k)``, ``'attention'``,
    ``'last'``."""
    n, kk, t, d = states.shape
    neck = model.local_neck
    device = next(neck.parameters()).device
    flat = states.reshape(n * kk, t, d).to(device)
    if how == 'step':
        feats = neck.aggregate(flat, aggregation='step', step=k)
    elif how in ('sum', 'mean'):
        feats = neck.aggregate(flat, aggregation=how, steps=k)
    else:
        feats = neck.aggregate(flat, aggregation=how)
    return feats.reshape(n, kk, d)


@torch.no_grad()
def variant_scores(model, collected, how, k=None, protocol='mean'):
    """Fused and local scores of one variant under one protocol.

    Returns:
        tuple: ``fused`` (N, C) in the model's fusion space (what its
        ``mode='tensor'`` returns) and the local stream's logits (N, C)
        combined over crops by ``protocol``.
    """
    feats = variant_features(model, collected['states'], how, k)
    n, kk, d = feats.shape
    logits = head_logits(model.local_head, feats.reshape(n * kk, d))
    logits = logits.reshape(n, kk, -1).cpu()
    valid = collected['valid']
    samples = [
        SimpleNamespace(metainfo=dict(sample_idx=int(i)))
        for i in collected['sample_idx']
    ]
    wg, wl = model.fusion_weights
    saved = model.eval_protocol
    try:
        model.eval_protocol = protocol
        fused = wl * model.combine_crop_scores(
            model._score(logits), valid, samples)
        if collected['global_logits'] is not None:
            fused = fused + wg * model._score(collected['global_logits'])
        local = model.combine_crop_scores(logits, valid, samples)
    finally:
        model.eval_protocol = saved
    return fused, local


def evaluate_variant(model, collected, how, k=None, protocols=None):
    """Top-1 accuracies (%) of one variant under each protocol.

    Returns:
        dict: ``{protocol: {'fused': acc, 'local': acc}}``.
    """
    labels = collected['labels']
    res = {}
    for protocol in protocols or ('mean', 'first', 'random'):
        fused, local = variant_scores(model, collected, how, k, protocol)
        res[protocol] = dict(
            fused=100. * float((fused.argmax(1) == labels).float().mean()),
            local=100. * float((local.argmax(1) == labels).float().mean()))
    return res


def step_report(model, collected, protocols=('mean', 'first', 'random')):
    """All variants: the model's own aggregation, every step, every
    summation window. Returns a list of ``(name, {protocol: {...}})``."""
    neck = model.local_neck
    rows = []
    own = neck.aggregation
    if own in ('attention', 'last'):
        rows.append(
            (f'{own} (trained)',
             evaluate_variant(model, collected, own, protocols=protocols)))
    elif own in ('sum', 'mean'):
        rows.append((f'{own} 1..{neck.steps or neck.num_steps} (trained)',
                     evaluate_variant(
                         model,
                         collected,
                         own,
                         neck.steps,
                         protocols=protocols)))
    if own != 'attention':
        rows.append(('attention (swap)',
                     evaluate_variant(
                         model, collected, 'attention', protocols=protocols)))
    for t in range(1, neck.num_steps + 1):
        rows.append((f'step {t}',
                     evaluate_variant(
                         model, collected, 'step', t, protocols=protocols)))
    for k in range(1, neck.num_steps + 1):
        rows.append(
            (f'sum 1..{k}',
             evaluate_variant(model, collected, 'sum', k,
                              protocols=protocols)))
    return rows


def model_accuracy(collected):
    """Top-1 (%) of the model's own predictions (``pred_score``)."""
    pred = collected['model_scores'].argmax(1)
    return 100. * float((pred == collected['labels']).float().mean())


def attention_profile(model, collected):
    """Mean attention weight per step over the valid crops, ``(T,)``."""
    neck = model.local_neck
    device = next(neck.parameters()).device
    states = collected['states'][collected['valid']].to(device)
    with torch.no_grad():
        w = neck.attention_weights(states)
    return w.mean(0).cpu().numpy()


def format_report(rows, protocols, own_accuracy=None, profile=None):
    """Markdown table: one row per variant, fused / local top-1 per
    protocol."""
    head = '| variant | ' + ' | '.join(f'{p} fused | {p} local'
                                       for p in protocols) + ' |'
    lines = [head, '|' + ' --- |' * (1 + 2 * len(protocols))]
    for name, res in rows:
        cells = []
        for p in protocols:
            cells += [f'{res[p]["fused"]:.2f}', f'{res[p]["local"]:.2f}']
        lines.append(f'| {name} | ' + ' | '.join(cells) + ' |')
    if own_accuracy is not None:
        lines.append('')
        lines.append(f"model's own prediction (its configured protocol): "
                     f'{own_accuracy:.2f}')
    if profile is not None:
        lines.append('mean attention weight per step: ' +
                     ' '.join(f'{w:.3f}' for w in np.asarray(profile)))
    return '\n'.join(lines)
