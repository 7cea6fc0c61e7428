"""Batched crop transport and the host-sync-free training paths give the
same numbers as the per-sample / per-box / compacting code they replace.

References are the replaced code, kept here: mmpretrain's per-image branch
of ``ClsDataPreprocessor`` and a per-sample crop normalisation, the Python
loop over images and boxes of the former ``RoIAlignCrops``, and the former
``CropStream.loss`` that dropped the images without a valid crop
(``nonzero`` / ``tolist``) before the local stream.
"""
import copy
import os.path as osp

import pytest
import torch
import torch.nn as nn
from mmengine.hooks import RuntimeInfoHook
from mmengine.logging import MessageHub
from mmpretrain.models import ClsDataPreprocessor
from mmpretrain.structures import DataSample

from mmfg.engine.hooks import CheckInvalidLossHook
from mmfg.models.classifiers.local_streams import CropStream, LocalModules
from mmfg.models.utils import FGDataPreprocessor
from mmfg.registry import MODELS
from mmfg.utils import register_all_modules
from mmfg.utils.errors import TrainingError

MEAN, STD = [123.675, 116.28, 103.53], [58.395, 57.12, 57.375]


def _batch(n=3, k=4, c=3, size=(16, 20), seed=0):
    g = torch.Generator().manual_seed(seed)
    imgs = [
        torch.randint(0, 256, (c, *size), generator=g, dtype=torch.uint8)
        for _ in range(n)
    ]
    samples = []
    for i in range(n):
        s = DataSample().set_gt_label(i % 5)
        s.set_field(
            torch.randint(
                0, 256, (k, c, 8, 6), generator=g, dtype=torch.uint8),
            'part_imgs')
        s.set_field(torch.rand(k, generator=g) > 0.3, 'part_valid')
        s.set_field(torch.rand(k, 4, generator=g) * 10, 'part_boxes')
        samples.append(s)
    return dict(inputs=imgs, data_samples=samples)


@pytest.mark.parametrize('to_rgb,c,pad', [(True, 3, 1), (False, 3, 8),
                                          (False, 1, 1)])
def test_batched_preprocessing_bit_identical_to_per_sample(to_rgb, c, pad):
    mean, std = (MEAN, STD) if c == 3 else ([72.94], [90.02])
    kw = dict(mean=mean, std=std, to_rgb=to_rgb, pad_size_divisor=pad)
    data = _batch(c=c)
    ref_data = copy.deepcopy(data)
    out = FGDataPreprocessor(**kw)(data, training=True)
    # the replaced path: mmpretrain's per-image branch for the images, each
    # sample's crops normalised on their own
    ref = ClsDataPreprocessor(**kw)(copy.deepcopy(ref_data), True)
    assert out['inputs'].shape == ref['inputs'].shape
    assert torch.equal(out['inputs'], ref['inputs'])
    m = torch.tensor(mean).view(-1, 1, 1)
    s = torch.tensor(std).view(-1, 1, 1)
    for i, sample in enumerate(ref_data['data_samples']):
        crops = sample.part_imgs
        crops = crops.flip(1) if to_rgb and c == 3 else crops
        want = (crops.float() - m) / s
        assert torch.equal(out['parts'][i], want)
        assert torch.equal(out['part_valid'][i], sample.part_valid)
        got = out['data_samples'][i]
        assert torch.equal(got.gt_label, sample.gt_label)
        assert torch.equal(got.part_boxes, sample.part_boxes)
        assert 'part_imgs' not in got and 'part_valid' not in got


class _CountingPre(FGDataPreprocessor):
    """Pretends to sit on another device; counts the host->device copies
    (``to_device``), which return the tensor unchanged."""

    def __init__(self, **kw):
        super().__init__(**kw)
        self.copies, self.moved = [], []

    def to_device(self, tensor):
        if any(tensor is t for t in self.moved):
            return tensor  # already there
        self.copies.append(tuple(tensor.shape))
        self.moved.append(tensor.clone())
        return self.moved[-1]


def test_one_copy_per_batch_tensor_and_per_dtype_of_the_samples():
    pre = _CountingPre(mean=MEAN, std=STD, to_rgb=True)
    pre._device = torch.device('meta')  # not the CPU: the batched path
    data = _batch(n=5, k=4)
    for s in data['data_samples']:
        del s.part_imgs, s.part_valid  # the batch tensors' part
    ref = copy.deepcopy(data['data_samples'])
    samples = pre.cast_samples(data['data_samples'])
    # labels (int64) and boxes (float32): two copies for the whole batch
    assert sorted(pre.copies) == sorted([(5 * 4 * 4, ), (5, )])
    for got, want in zip(samples, ref):
        assert torch.equal(got.gt_label, want.gt_label)
        assert torch.equal(got.part_boxes, want.part_boxes)
    # the caller's samples are left on the host (shallow copies moved)
    assert all(a is not b for a, b in zip(samples, data['data_samples']))
    # the whole forward (on the CPU): one copy each for the images, the
    # crops and their validity
    pre = _CountingPre(mean=MEAN, std=STD, to_rgb=True)
    out = pre(_batch(n=5, k=4), training=True)
    assert sorted(pre.copies) == sorted([(5, 3, 16, 20), (5, 4, 3, 8, 6),
                                         (5, 4)])
    assert out['parts'].shape == (5, 4, 3, 8, 6)


# --------------------------------------------------------------- RoIAlign
def _roi_loop(cropper, images, boxes):
    """The former RoIAlignCrops.forward: a Python loop over images and
    boxes building one roi at a time."""
    if torch.is_tensor(boxes):
        boxes = list(boxes)
    B, C = images.shape[:2]
    K = max([len(b) for b in boxes] + [0])
    h, w = cropper.crop_size
    crops = images.new_zeros((B, K, C, h, w))
    valid = torch.zeros((B, K), dtype=torch.bool)
    rois, slots = [], []
    for b, bx in enumerate(boxes):
        bx = torch.as_tensor(bx, dtype=images.dtype).reshape(-1, 4)
        ok = (bx[:, 2] > bx[:, 0]) & (bx[:, 3] > bx[:, 1])
        for k in torch.nonzero(ok).flatten().tolist():
            rois.append(torch.cat([bx.new_tensor([b]), bx[k]]))
            slots.append((b, k))
    if rois:
        out = cropper.roi_align(images.contiguous(), torch.stack(rois))
        idx_b = torch.tensor([s[0] for s in slots])
        idx_k = torch.tensor([s[1] for s in slots])
        crops[idx_b, idx_k] = out
        valid[idx_b, idx_k] = True
    return crops, valid


@pytest.mark.parametrize('every_slot', [False, True])
def test_vectorised_rois_equal_the_loop(every_slot, monkeypatch):
    if every_slot:  # the GPU path: every slot cut, the empty ones zeroed
        monkeypatch.setattr(torch.compiler, 'is_compiling', lambda: True)
    register_all_modules()
    cropper = MODELS.build(dict(type='RoIAlignCrops', crop_size=(5, 7)))
    g = torch.Generator().manual_seed(1)
    images = torch.randn(3, 2, 20, 24, generator=g)
    xy = torch.rand(3, 4, 2, generator=g) * 12
    wh = torch.rand(3, 4, 2, generator=g) * 8
    boxes = torch.cat([xy, xy + wh], -1)
    boxes[0, 1, 2] = boxes[0, 1, 0]  # empty (zero width)
    boxes[2, 3] = 0.  # padding
    # tensor input, with gradients to the images
    a = images.clone().requires_grad_()
    b = images.clone().requires_grad_()
    crops, valid = cropper(a, boxes)
    ref, ref_valid = _roi_loop(cropper, b, boxes)
    assert torch.equal(valid, ref_valid)
    assert valid.sum() == 10
    assert torch.equal(crops, ref)
    w = torch.randn(crops.shape, generator=g)
    (crops * w).sum().backward()
    (ref * w).sum().backward()
    assert torch.equal(a.grad, b.grad)
    # ragged list input (K = max K_b)
    ragged = [boxes[0, :2], boxes[1], boxes[2, :0]]
    crops, valid = cropper(images, ragged)
    ref, ref_valid = _roi_loop(cropper, images, ragged)
    assert crops.shape == (3, 4, 2, 5, 7)
    assert torch.equal(valid, ref_valid) and torch.equal(crops, ref)


# ------------------------------------------------ Focus-Longer local loss
def _old_crop_loss(local, parts, valid, data_samples):
    """The former CropStream.loss (drops the images without a valid crop
    with nonzero / tolist: host syncs)."""
    keep = torch.nonzero(valid.any(1)).flatten()
    if len(keep) == 0:
        return dict(loss=sum(p.sum() * 0 for p in local.parameters()))
    draw = torch.rand(valid.shape, device=parts.device)
    draw[~valid] = -1.
    pick = draw.argmax(1)[keep]
    chosen = parts[keep, pick]
    samples = [data_samples[i] for i in keep.tolist()]
    return local.head.loss(CropStream.features(local, chosen), samples)


def _local(kind, bn=False):
    register_all_modules()
    torch.manual_seed(0)
    layers = [nn.Conv2d(3, 4, 3)]
    if bn:
        layers.append(nn.BatchNorm2d(4))
    layers += [nn.ReLU(), nn.AdaptiveAvgPool2d(1), nn.Flatten()]
    backbone = nn.Sequential(*layers)
    linear = dict(
        type='LinearClsHead',
        num_classes=5,
        in_channels=4,
        loss=dict(type='CrossEntropyLoss'))
    if kind == 'linear':
        head, neck = MODELS.build(linear), None
    else:  # T steps of features, the LSTM ablation's MultiStepClsHead

        class Steps(nn.Module):

            def __init__(self):
                super().__init__()
                self.proj = nn.Linear(4, 3 * 4)

            def forward(self, x):
                x = x[-1] if isinstance(x, (tuple, list)) else x
                return (self.proj(x).view(len(x), 3, 4), )

        neck = Steps()
        head = MODELS.build(
            dict(type='MultiStepClsHead', head=linear, test_step=-1))
    backbone_out = backbone

    class Wrap(nn.Module):

        def __init__(self):
            super().__init__()
            self.body = backbone_out

        def forward(self, x):
            return (self.body(x), )

    return LocalModules(Wrap(), neck, head)


@pytest.mark.parametrize('kind', ['linear', 'multistep'])
@pytest.mark.parametrize('bn', [False, True])
@pytest.mark.parametrize('masked', ['some', 'none', 'all'])
def test_crop_loss_and_grads_equal_the_compacting_loss(kind, bn, masked):
    local = _local(kind, bn)
    ref_local = copy.deepcopy(local)
    g = torch.Generator().manual_seed(3)
    parts = torch.randn(6, 3, 3, 9, 9, generator=g)
    valid = torch.rand(6, 3, generator=g) > 0.4
    if masked == 'some':
        valid[1] = False
        valid[4] = False
        valid[0, 0] = True
    elif masked == 'none':
        valid[:, 0] = True
    else:
        valid[:] = False
    samples = [DataSample().set_gt_label(i % 5) for i in range(6)]
    torch.manual_seed(7)
    new = CropStream().loss(local, parts, valid, samples)
    torch.manual_seed(7)
    old = _old_crop_loss(ref_local, parts, valid, samples)
    torch.testing.assert_close(new['loss'], old['loss'], rtol=1e-6, atol=0)
    new['loss'].backward()
    old['loss'].backward()
    for p, q in zip(local.parameters(), ref_local.parameters()):
        assert (p.grad is None) == (q.grad is None) or masked == 'all'
        if q.grad is not None:
            gp = p.grad if p.grad is not None else torch.zeros_like(q.grad)
            torch.testing.assert_close(gp, q.grad, rtol=1e-5, atol=1e-7)
    if masked == 'all':
        assert float(new['loss'].detach()) == 0.


# ------------------------------------------------------ invalid-loss hook
class _Runner:

    def __init__(self, hooks, hub):
        self.hooks, self.message_hub = hooks, hub
        self.iter, self.epoch = 0, 0
        self.optim_wrapper = None


def _run(hook, losses, with_info_hook, interval=1):
    hook.interval = interval
    info = RuntimeInfoHook()
    hooks = [info, hook] if with_info_hook else [hook]
    runner = _Runner(hooks, MessageHub.get_instance(f'perf-{id(hook)}'))
    for i, value in enumerate(losses):
        runner.iter = i
        outputs = dict(loss=torch.tensor(value))
        for h in hooks:
            h.after_train_iter(runner, i, None, outputs)


@pytest.mark.parametrize('with_info_hook', [True, False])
def test_invalid_loss_hook_reads_no_tensor_of_its_own(with_info_hook,
                                                      monkeypatch):
    hook = CheckInvalidLossHook()
    reads = []
    item, tolist = torch.Tensor.item, torch.Tensor.tolist
    monkeypatch.setattr(torch.Tensor, 'item',
                        lambda t: reads.append('item') or item(t))
    monkeypatch.setattr(torch.Tensor, 'tolist',
                        lambda t: reads.append('tolist') or tolist(t))
    # with the logger's reader: one read per step, the logger's (item);
    # without: the record is read every `interval` iterations only
    _run(hook, [1., 2., 3., 4.], with_info_hook, interval=2)
    if with_info_hook:
        assert reads == ['item'] * 4
        assert hook.last_finite == (4, 4.)
    else:
        assert reads == ['tolist'] * 2
        assert hook.last_finite == (4, 4.)


@pytest.mark.parametrize('with_info_hook', [True, False])
def test_invalid_loss_hook_still_stops_with_the_message(with_info_hook):
    hook = CheckInvalidLossHook()
    with pytest.raises(TrainingError) as info:
        _run(
            hook,
            [1.5, 0.5, float('nan'), float('nan')],
            with_info_hook,
            interval=2)
    msg = str(info.value)
    assert 'the training loss became nan at iteration' in msg
    assert 'the last finite loss was 0.5 at iteration 2' in msg
    # read at the log: iteration 4 (the first checked one); recorded on
    # the device: the first non-finite one
    assert ('iteration 4 ' if with_info_hook else 'iteration 3 ') in msg


# ------------------------------------------------- collate in the worker
def test_batch_collate_same_model_input_as_pseudo_collate():
    from mmengine.dataset import pseudo_collate

    from mmfg.analysis.benchmark import same_output
    from mmfg.datasets.transforms.formatting import batch_collate
    data = _batch(n=4, k=3)
    items = [
        dict(inputs=x, data_samples=s)
        for x, s in zip(data['inputs'], data['data_samples'])
    ]
    a = pseudo_collate(copy.deepcopy(items))
    b = batch_collate(copy.deepcopy(items))
    assert torch.is_tensor(b['inputs']) and b['inputs'].shape == (4, 3, 16, 20)
    # one storage per dtype: uint8 crops, bool validity, int64 labels,
    # float32 boxes
    ptrs = {
        s.get(k).untyped_storage().data_ptr()
        for s in b['data_samples']
        for k in s.keys()
    }
    assert len(ptrs) == 4
    pre = FGDataPreprocessor(mean=MEAN, std=STD, to_rgb=True)
    out_a, out_b = pre(a, True), pre(b, True)
    assert same_output(out_a, out_b)
    assert not same_output(out_a['parts'], out_b['parts'] + 1)
    # mixed image sizes stay a list
    items[0]['inputs'] = items[0]['inputs'][:, :8]
    assert isinstance(batch_collate(items)['inputs'], list)


@pytest.mark.parametrize('kind', ['linear', 'multistep'])
def test_crop_predict_every_crop_equals_valid_crops_only(kind, monkeypatch):
    local = _local(kind)
    for m in (local.backbone, local.neck, local.head):
        if m is not None:
            m.eval()
    g = torch.Generator().manual_seed(5)
    parts = torch.randn(4, 3, 3, 9, 9, generator=g)
    valid = torch.rand(4, 3, generator=g) > 0.4
    valid[2] = False
    with torch.no_grad():
        ref, ref_valid = CropStream().predict(local, parts, valid)
        # the GPU / compiled path: every crop scored, no host sync
        monkeypatch.setattr(torch.compiler, 'is_compiling', lambda: True)
        got, got_valid = CropStream().predict(local, parts, valid)
    assert torch.equal(got_valid, ref_valid)
    assert (got[~valid] == 0).all()
    torch.testing.assert_close(got, ref, rtol=1e-6, atol=1e-6)


def test_benchmark_runs_the_old_preprocessor_code(tmp_path):
    """The benchmark's old-against-new timing runs the code of a git
    revision (here the one before the batched transport) on the same
    state; it gives the same tensors."""
    import subprocess

    from mmfg.analysis.benchmark import legacy_preprocessor, same_output
    rev = 'd7ed823'
    try:
        subprocess.run(['git', 'cat-file', '-e', rev],
                       cwd=osp.dirname(__file__),
                       check=True,
                       capture_output=True)
    except (OSError, subprocess.CalledProcessError):
        pytest.skip(f'git revision {rev} not in this checkout')
    pre = FGDataPreprocessor(mean=MEAN, std=STD, to_rgb=True)
    old = legacy_preprocessor(pre, rev)
    assert type(old).__module__ == f'_legacy_dp_{rev}'
    data = _batch()
    assert same_output(
        old(copy.deepcopy(data), True), pre(copy.deepcopy(data), True))
