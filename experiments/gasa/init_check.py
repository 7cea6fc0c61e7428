"""Check a pre-trained weights file against the GASA study's arms before
they train: every backbone parameter of an arm must come from the file,
with the file's shape, except the layers the pre-trained model does not
have (the gradient tokenizers, which start new, as on the paper's
iNat21-pretrained MetaFG weights, Sec. 4.2).

    python -m experiments.gasa.init_check WEIGHTS CONFIG [CONFIG ...]

MMEngine's ``init_cfg=dict(type='Pretrained', checkpoint=..., prefix=...)``
loads with ``strict=False``: a key the model lacks, a key the file lacks and
a shape mismatch are each one logged warning, and the training goes on with
those tensors as built. This check turns them into an error:

* the file's ``<prefix>*`` tensors (``prefix`` from the config's backbone
  ``init_cfg``, e.g. ``'backbone.'``) against the built model's backbone
  ``state_dict()``: a file key the backbone lacks (unexpected) or a tensor
  of another shape (mismatched) is an error;
* a backbone key the file lacks (missing) is allowed only when it belongs to
  a gradient tokenizer (the ``grad_tokens`` module of a transformer stage,
  found on the built model, not by name patterns); any other is an error.

Prints one line per config (loaded / new counts); a failure is one line
naming the config, the file and the first offending keys (exit status 1).
"""
import argparse
import os.path as osp

#: at most this many keys are named in an error line
SHOWN = 4


def new_layer_keys(backbone):
    """State-dict keys of ``backbone`` that belong to the layers a plain
    hybrid has not: the ``grad_tokens`` module of every transformer stage
    (``GASAHybrid.attn_stages[i].grad_tokens``; ``None`` without tokens).

    Returns:
        set[str]: keys relative to the backbone (``attn_stages.0....``).
    """
    names = {id(m): name for name, m in backbone.named_modules()}
    keys = set()
    for stage in getattr(backbone, 'attn_stages', ()):
        tokens = getattr(stage, 'grad_tokens', None)
        if tokens is None:
            continue
        prefix = names[id(tokens)] + '.'
        keys.update(prefix + k for k in tokens.state_dict())
    return keys


def compare(model_state, file_state):
    """Keys of two ``{name: tensor}`` dicts: ``missing`` (in the model,
    not in the file), ``unexpected`` (in the file, not in the model) and
    ``mismatched`` ``[(key, file shape, model shape)]``, each sorted."""
    missing = sorted(set(model_state) - set(file_state))
    unexpected = sorted(set(file_state) - set(model_state))
    mismatched = sorted(
        (k, tuple(file_state[k].shape), tuple(model_state[k].shape))
        for k in set(model_state) & set(file_state)
        if file_state[k].shape != model_state[k].shape)
    return dict(missing=missing, unexpected=unexpected, mismatched=mismatched)


def _shown(keys):
    more = f' (+{len(keys) - SHOWN} more)' if len(keys) > SHOWN else ''
    return ', '.join(str(k) for k in keys[:SHOWN]) + more


def check_model(model, file_state, prefix='backbone.', where='the model'):
    """Check ``model.backbone`` against the file's ``prefix`` entries.

    Args:
        model: a built classifier with a ``backbone``.
        file_state (dict): the weights file's ``{name: tensor}``.
        prefix (str): the part of the file's keys that the config's
            ``init_cfg`` loads into the backbone (``'backbone.'``).
        where (str): names the model in an error.

    Returns:
        dict: ``loaded`` (keys), ``new`` (keys of the gradient tokenizers,
        absent from the file).

    Raises:
        CheckpointError: unexpected, mismatched or missing keys other than
            the gradient tokenizers'.
    """
    from mmfg.utils.errors import CheckpointError
    sub = {
        k[len(prefix):]: v
        for k, v in file_state.items() if k.startswith(prefix)
    }
    if not sub:
        raise CheckpointError(f'{where}: the weights hold no "{prefix}*" '
                              'tensors')
    backbone = model.backbone
    diff = compare(backbone.state_dict(), sub)
    allowed = new_layer_keys(backbone)
    missing = [k for k in diff['missing'] if k not in allowed]
    if diff['mismatched']:
        shown = [
            f'{k} {f} in the file, {m} in the model'
            for k, f, m in diff['mismatched']
        ]
        raise CheckpointError(f'{where}: shape mismatch for {_shown(shown)}')
    if diff['unexpected']:
        raise CheckpointError(f'{where}: the weights hold {prefix}* keys the '
                              f'model lacks: {_shown(diff["unexpected"])}')
    if missing:
        raise CheckpointError(
            f'{where}: the weights lack {_shown(missing)} (only the '
            'gradient tokenizers may start new)')
    return dict(
        loaded=sorted(set(sub)), new=sorted(set(diff['missing']) & allowed))


def check_config(config, file_state):
    """Build ``config``'s model (no weights loaded) and :func:`check_model`
    it with the prefix of its backbone's Pretrained ``init_cfg``."""
    from mmengine.config import Config

    from mmfg.registry import MODELS
    from mmfg.utils.errors import ConfigError
    cfg = Config.fromfile(config)
    init = cfg.model.backbone.get('init_cfg') or {}
    if init.get('type') != 'Pretrained':
        raise ConfigError(f'{config}: model.backbone.init_cfg is not a '
                          'Pretrained init; nothing to check')
    model = MODELS.build(cfg.model)
    return check_model(
        model,
        file_state,
        prefix=init.get('prefix') or '',
        where=osp.basename(config))


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('weights', help='the published pre-trained weights')
    p.add_argument('configs', nargs='+', help='the arms that load them')
    args = p.parse_args(argv)
    from mmfg.engine.checkpoint import read_weights
    from mmfg.utils import register_all_modules
    register_all_modules()
    _, state = read_weights(args.weights)
    for config in args.configs:
        out = check_config(config, state)
        print(f'ok {osp.basename(config)}: {len(out["loaded"])} backbone '
              f'tensors loaded, {len(out["new"])} new (gradient tokenizers)')


if __name__ == '__main__':
    from mmfg.utils import run_with_clear_errors
    run_with_clear_errors(main)
