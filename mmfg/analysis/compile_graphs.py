"""How ``torch.compile`` sees a config's training step: the number of graphs
TorchDynamo captures (1 = no graph break) and why it breaks.

The training step compiled here is the model part of MMEngine's
``train_step``: ``model(**data, mode='loss')``, ``parse_losses`` and the
backward of the summed loss, on a batch that the data preprocessor has
prepared eagerly (it works on Python lists of samples). Graphs are counted
with ``torch._dynamo.explain`` on the forward + loss; AOTAutograd derives
one backward graph per forward graph.

    from mmfg.analysis.compile_graphs import compile_report
    compile_report('configs/fve/fve_lenetfc_1xb128_cluttered-fashion-mnist'
                   '-gtparts.py')
"""
import copy
from typing import Optional

import torch
from mmengine.config import Config
from mmengine.dataset import pseudo_collate

from mmfg.registry import DATASETS, MODELS


def _batch(cfg, batch_size: int):
    ds = DATASETS.build(copy.deepcopy(cfg.train_dataloader.dataset))
    return pseudo_collate([ds[i] for i in range(batch_size)])


def _loss(model, data):
    losses = model(**data, mode='loss')
    loss, _ = model.parse_losses(losses)
    return loss


def compile_report(config,
                   batch_size: int = 8,
                   backend: str = 'aot_eager',
                   seed: int = 0,
                   check: bool = True) -> dict:
    """Graphs and graph breaks of ``torch.compile`` of a config's training
    step.

    Args:
        config (str | Config): the config.
        batch_size (int): samples of the batch (from the training set).
        backend (str): the compile backend of the loss comparison
            (``'aot_eager'``: Dynamo + AOTAutograd, no code generation;
            ``'inductor'`` needs a C++ compiler on the CPU).
        seed (int): torch seed of the model and of each step.
        check (bool): also run the compiled step and compare its loss and
            gradients with the eager step.

    Returns:
        dict: ``graphs``, ``graph_breaks``, ``break_reasons`` (list of
        str), and with ``check`` ``loss_eager``, ``loss_compiled``,
        ``max_grad_diff`` (the largest absolute gradient difference).
    """
    cfg = Config.fromfile(config) if isinstance(config, str) else config
    torch.manual_seed(seed)
    model = MODELS.build(copy.deepcopy(cfg.model))
    model.train()
    data = model.data_preprocessor(_batch(cfg, batch_size), True)
    torch._dynamo.reset()
    torch.manual_seed(seed)
    explained = torch._dynamo.explain(_loss)(model, data)
    reasons = [
        str(getattr(r, 'reason', r)).split('\n')[0]
        for r in explained.break_reasons
    ]
    out = dict(
        graphs=explained.graph_count,
        graph_breaks=explained.graph_break_count,
        break_reasons=reasons)
    if not check:
        return out

    def step(fn):
        model.zero_grad(set_to_none=True)
        torch.manual_seed(seed)
        loss = fn(model, data)
        loss.backward()
        grads = {
            n: p.grad.detach().clone()
            for n, p in model.named_parameters() if p.grad is not None
        }
        return loss.detach(), grads

    # buffers a training step updates (BN statistics, FVE's mixture) are
    # restored so that both steps start from the same state
    state = copy.deepcopy(model.state_dict())
    loss_e, grads_e = step(_loss)
    model.load_state_dict(state)
    torch._dynamo.reset()
    loss_c, grads_c = step(torch.compile(_loss, backend=backend))
    model.load_state_dict(state)
    diff = max([(grads_e[n] - grads_c[n]).abs().max().item()
                for n in grads_e] + [0.])
    out.update(
        loss_eager=loss_e.item(),
        loss_compiled=loss_c.item(),
        same_grads=set(grads_e) == set(grads_c),
        max_grad_diff=diff)
    return out


def main(argv: Optional[list] = None):
    import argparse
    import json

    from mmfg.utils import register_all_modules
    p = argparse.ArgumentParser(description='torch.compile graph count of '
                                "configs' training steps")
    p.add_argument('configs', nargs='+')
    p.add_argument('--batch-size', type=int, default=8)
    p.add_argument('--backend', default='aot_eager')
    p.add_argument('--no-check', action='store_true')
    args = p.parse_args(argv)
    register_all_modules()
    for c in args.configs:
        r = compile_report(
            c, args.batch_size, args.backend, check=not args.no_check)
        print(json.dumps(dict(config=c, **r)), flush=True)


if __name__ == '__main__':
    main()
