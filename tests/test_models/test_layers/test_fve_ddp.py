"""FVELayer under 2-process gloo DDP, wrapped as mmfg wraps models on CPU
(``MMDistributedDataParallel``, ``broadcast_buffers=False``,
``device_ids=None``; mmfg/engine/dist.py): with ``sync_stats=True`` both
processes end with the same GMM, equal to a single process trained on the
concatenated batches (the paper's one GMM over the whole mini-batch,
Sec. 3.2); with ``sync_stats=False`` (the control) each process fits its
own."""
import os

import torch
import torch.nn as nn
from mmengine.model import MMDistributedDataParallel

from mmfg.models.layers import FVELayer
from ...conftest import free_port

D_IN, D, K, CLASSES, B, N, STEPS = 6, 5, 3, 4, 3, 8, 4
STATS = ('mu', 'var', 'alpha', 't')


class _FVENet(nn.Module):
    """Linear + ReLU local features -> FVELayer -> linear classifier."""

    def __init__(self, fve_seed, sync_stats):
        super().__init__()
        torch.manual_seed(0)  # the same weights everywhere
        self.proj = nn.Linear(D_IN, D)
        self.fve = FVELayer(D, K, seed=fve_seed, sync_stats=sync_stats)
        self.head = nn.Linear(2 * K * D, CLASSES)

    def forward(self, x, mask):
        return self.head(self.fve(self.proj(x).relu(), mask))


def _batch(step, rank):
    """Each process's part of the batch of a step: features ``(B, N,
    D_IN)``, mask ``(B, N)`` (one sample fully masked; in step 2 rank 1 has
    no unmasked feature at all), labels ``(B,)``."""
    g = torch.Generator().manual_seed(100 * step + rank)
    x = torch.randn(B, N, D_IN, generator=g) * (1 + rank)
    mask = torch.rand(B, N, generator=g) > 0.3
    mask[rank] = False
    if step == 2 and rank == 1:
        mask[:] = False
    return x, mask, torch.randint(CLASSES, (B, ), generator=g)


def _train(net, params, batches):
    opt = torch.optim.SGD(params, lr=0.5)
    for x, mask, y in batches:
        loss = nn.functional.cross_entropy(net(x, mask), y)
        opt.zero_grad()
        loss.backward()
        opt.step()


def _state(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def _worker(rank, port, out):
    os.environ.update(MASTER_ADDR='127.0.0.1', MASTER_PORT=str(port))
    torch.set_num_threads(1)
    torch.distributed.init_process_group('gloo', rank=rank, world_size=2)
    try:
        res = {}
        for sync in (True, False):
            # different GMM inits per process: the synchronised layer
            # starts from rank 0's
            model = _FVENet(fve_seed=10 + rank, sync_stats=sync).train()
            net = MMDistributedDataParallel(
                module=model,
                device_ids=None,
                broadcast_buffers=False,
                find_unused_parameters=False)
            _train(net, model.parameters(),
                   [_batch(s, rank) for s in range(STEPS)])
            res[sync] = _state(model)
        torch.save(res, f'{out}/rank{rank}.pth')
    finally:
        torch.distributed.destroy_process_group()


def test_two_processes_hold_the_gmm_of_the_whole_batch(tmp_path):
    torch.multiprocessing.spawn(
        _worker, args=(free_port(), str(tmp_path)), nprocs=2, join=True)
    r0, r1 = (torch.load(tmp_path / f'rank{r}.pth') for r in (0, 1))

    # the reference: one process, the concatenated batch of each step (the
    # mean loss over it = DDP's average of the processes' mean losses)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        single = _FVENet(fve_seed=10, sync_stats=True).train()
        batches = []
        for s in range(STEPS):
            parts = [_batch(s, r) for r in (0, 1)]
            batches.append([torch.cat(p) for p in zip(*parts)])
        _train(single, single.parameters(), batches)
        ref = _state(single)
    finally:
        torch.set_num_threads(threads)

    assert int(ref['fve.t']) == STEPS
    for name in STATS:
        key = f'fve.{name}'
        # every process holds the same mixture ...
        assert torch.equal(r0[True][key], r1[True][key]), key
        # ... that of a single process on the whole batch
        torch.testing.assert_close(
            r0[True][key], ref[key], rtol=1e-6, atol=1e-6, msg=key)
    for key in ('proj.weight', 'head.weight'):
        torch.testing.assert_close(
            r0[True][key], ref[key], rtol=1e-5, atol=1e-6, msg=key)
    # the control: without synchronisation each process fits its own GMM
    # (its own data, its own init) while the weights are identical
    assert torch.equal(r0[False]['head.weight'], r1[False]['head.weight'])
    assert not torch.allclose(r0[False]['fve.mu'], r1[False]['fve.mu'])
