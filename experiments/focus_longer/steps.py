"""Focus-Longer per-step accuracies (the paper's Table 3), the
evaluation-time swap of attention for summation over steps 1..k (Table 5)
and the three evaluation protocols, all from ONE trained model and one pass
over the test set.

    python -m experiments.focus_longer.steps CONFIG CHECKPOINT \
        [--protocols mean first random] [--max-samples N] \
        [--json work_dirs/.../steps.json] [--device cpu] [--cfg-options ...]

The test set goes through the model once: the global logits, the LSTM's
hidden states ``(K, T, D)`` of every crop
(:meth:`~mmfg.models.classifiers.TwoStreamClassifier.local_step_states`)
and the crops' validity are kept; every variant is then a different
aggregation of the same hidden states followed by the trained local head:

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
import argparse
import json
from types import SimpleNamespace

import numpy as np
import torch
from mmengine.config import DictAction

from mmfg.structures import PART_VALID, PARTS
from mmfg.utils import register_all_modules, run_with_clear_errors

PROTOCOLS = ('mean', 'first', 'random')


@torch.no_grad()
def collect_step_states(model, dataloader, max_samples=None):
    """Run the test set once.

    Returns:
        dict: ``global_logits`` (N, C) or None, ``states`` (N, K, T, D),
        ``valid`` (N, K) bool, ``labels`` (N,), ``sample_idx`` (N,) and
        ``model_scores`` (N, C), the model's own fused prediction scores
        (``pred_score``) for a consistency check.
    """
    model.check_step_model()
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
        parts, valid = data[PARTS], data[PART_VALID]
        states_valid = model.local_step_states(parts[valid])
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
        preds = model.predict(inputs, samples, parts, valid)
        out['model_scores'].append(
            torch.stack([p.pred_score for p in preds]).cpu())
        seen += len(samples)
        if max_samples and seen >= max_samples:
            break
    return {
        k: (torch.cat(v)[:max_samples] if v else None)
        for k, v in out.items()
    }


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
    logits = model.local_head_logits(feats.reshape(n * kk, d))
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
            model.fusion_scores(logits), valid, samples)
        if collected['global_logits'] is not None:
            fused = fused + wg * model.fusion_scores(
                collected['global_logits'])
        local = model.combine_crop_scores(logits, valid, samples)
    finally:
        model.eval_protocol = saved
    return fused, local


def evaluate_variant(model, collected, how, k=None, protocols=PROTOCOLS):
    """Top-1 accuracies (%) of one variant under each protocol.

    Returns:
        dict: ``{protocol: {'fused': acc, 'local': acc}}``.
    """
    labels = collected['labels']
    res = {}
    for protocol in protocols:
        fused, local = variant_scores(model, collected, how, k, protocol)
        res[protocol] = dict(
            fused=100. * float((fused.argmax(1) == labels).float().mean()),
            local=100. * float((local.argmax(1) == labels).float().mean()))
    return res


def step_report(model, collected, protocols=PROTOCOLS):
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


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config')
    p.add_argument('checkpoint')
    p.add_argument(
        '--protocols', nargs='+', default=list(PROTOCOLS), choices=PROTOCOLS)
    p.add_argument(
        '--max-samples', type=int, help='only the first N test samples')
    p.add_argument('--batch-size', type=int, help='test batch size')
    p.add_argument('--json', help='write the numbers to this file')
    p.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    from mmengine.runner import Runner

    from mmfg.apis.model import init_model
    model = init_model(
        args.config,
        args.checkpoint,
        device=args.device,
        cfg_options=args.cfg_options)
    model.check_step_model()
    loader_cfg = model.cfg.test_dataloader.copy()
    if args.batch_size:
        loader_cfg.batch_size = args.batch_size
    loader_cfg.num_workers = 0
    loader_cfg.persistent_workers = False
    loader = Runner.build_dataloader(loader_cfg)
    collected = collect_step_states(model, loader, args.max_samples)
    rows = step_report(model, collected, tuple(args.protocols))
    own = model_accuracy(collected)
    profile = attention_profile(model, collected)
    print(f'{len(collected["labels"])} test samples, '
          f'{model.local_neck.num_steps} steps')
    print(format_report(rows, args.protocols, own, profile))
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(
                dict(
                    config=args.config,
                    checkpoint=args.checkpoint,
                    num_samples=len(collected['labels']),
                    model_accuracy=own,
                    attention_profile=[float(w) for w in profile],
                    variants=[dict(name=n, **r) for n, r in rows]),
                f,
                indent=1)


if __name__ == '__main__':
    run_with_clear_errors(main)
