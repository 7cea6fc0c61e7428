"""Focus-Longer's two-stream classifier (TwoStreamClassifier with the
recurrent-attention local stream), against independent references
(hand-written cross-entropies, per-crop forward passes)."""
import copy

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F
from mmpretrain.structures import DataSample

from mmfg.models.classifiers.local_streams import (CropStream, PartSetStream,
                                                   stream_for)
from mmfg.registry import MODELS
from mmfg.utils import ConfigError, register_all_modules

register_all_modules()


# ------------------------------------------------------------------ helpers
def two_stream(**kwargs):
    """A small Focus-Longer model: LeNetFC global stream (grey 28x28),
    own LeNetFC local stream, LSTM hidden 8, T = 4, one fc."""
    cfg = dict(
        type='TwoStreamClassifier',
        backbone=dict(
            type='TopDownNet',
            arch='lenetfc',
            mode='bu',
            in_channels=1,
            num_classes=5),
        neck=dict(type='GlobalAveragePooling'),
        head=dict(type='ClsHead'),
        local_backbone=dict(
            type='TopDownNet', arch='lenetfc', mode='bu', in_channels=1),
        local_neck=dict(
            type='RecurrentAttentionNeck',
            in_channels=32,
            hidden_channels=8,
            num_steps=4),
        local_head=dict(type='LinearClsHead', num_classes=5, in_channels=8),
        data_preprocessor=dict(mean=[128.], std=[64.]))
    for key, value in kwargs.items():
        if (isinstance(value, dict) and isinstance(cfg.get(key), dict)
                and 'type' not in value):
            cfg[key] = {**cfg[key], **value}
        else:
            cfg[key] = value
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def batch(n=3, k=3, valid=None, seed=0):
    """What the data preprocessor gives the model: normalised inputs
    (B, 1, 28, 28), samples, and the keyword arguments ``parts``
    (B, K, 1, 28, 28) float and ``part_valid`` (B, K) bool."""
    g = torch.Generator().manual_seed(seed)
    inputs = torch.randn(n, 1, 28, 28, generator=g)
    samples, parts = [], []
    for i in range(n):
        s = DataSample(metainfo=dict(sample_idx=100 + i))
        s.set_gt_label(i % 5)
        parts.append(torch.randn(k, 1, 28, 28, generator=g))
        samples.append(s)
    if valid is None:
        valid = torch.ones(n, k, dtype=torch.bool)
    crops = dict(
        parts=torch.stack(parts),
        part_valid=torch.as_tensor(valid, dtype=torch.bool))
    return inputs, samples, crops


def raw_batch(n=4, k=3, valid=None, seed=0):
    """The same as the dataloader gives: uint8 images and crops."""
    g = torch.Generator().manual_seed(seed)
    inputs = [
        torch.randint(0, 256, (1, 28, 28), generator=g, dtype=torch.uint8)
        for _ in range(n)
    ]
    samples = []
    for i in range(n):
        s = DataSample(metainfo=dict(sample_idx=i))
        s.set_gt_label(i % 5)
        s.set_field(
            torch.randint(
                0, 256, (k, 1, 28, 28), generator=g, dtype=torch.uint8),
            'part_imgs')
        v = torch.ones(k, dtype=torch.bool) if valid is None else valid[i]
        s.set_field(torch.as_tensor(v, dtype=torch.bool), 'part_valid')
        samples.append(s)
    return dict(inputs=inputs, data_samples=samples)


def crop_logits(model, crop):
    """Local logits of one crop (1, 28, 28), by the stream's modules."""
    x = model.local_backbone(crop[None])
    return model.local_head(model.local_neck(x))[0]


# ------------------------------------------------- two-stream classifier
def test_loss_equals_weighted_cross_entropies_by_hand():
    model = two_stream(global_weight=0.7, local_weight=1.3)
    # one valid crop per image: the training draw is forced
    valid = [[False, True, False], [True, False, False], [False, False, True]]
    inputs, samples, crops = batch(valid=valid)
    losses = model(inputs, samples, mode='loss', **crops)
    labels = torch.tensor([s.gt_label.item() for s in samples])
    g = model.backbone(inputs)[-1].mean((2, 3))  # class map, GAP
    ce_g = -g.log_softmax(-1)[torch.arange(3), labels].mean()
    parts = crops['parts']
    chosen = torch.stack(
        [parts[i][torch.as_tensor(valid[i])][0] for i in range(3)])
    feat = model.local_backbone(chosen)[-1].mean((2, 3))
    l_logits = model.local_head.fc(model.local_neck(feat)[0])
    ce_l = -l_logits.log_softmax(-1)[torch.arange(3), labels].mean()
    torch.testing.assert_close(losses['global_loss'], 0.7 * ce_g)
    torch.testing.assert_close(losses['local_loss'], 1.3 * ce_l)
    total = sum(v for k, v in losses.items() if 'loss' in k)
    total.backward()
    for module in (model.backbone, model.local_backbone, model.local_neck,
                   model.local_head):
        assert any(p.grad is not None and p.grad.abs().sum() > 0
                   for p in module.parameters())


def test_training_draws_one_valid_crop_per_image():
    model = two_stream()
    valid = [[True, False, True], [False, True, True], [True, True, True]]
    inputs, samples, crops = batch(valid=valid)
    seen = []
    model.local_backbone.register_forward_hook(
        lambda m, a, o: seen.append(a[0].detach().clone()))
    drawn = set()
    for seed in range(12):
        torch.manual_seed(seed)
        seen.clear()
        model(inputs, samples, mode='loss', **crops)
        drawn_crops = seen[0]
        assert drawn_crops.shape == (3, 1, 28, 28)  # ONE crop per image
        for i in range(3):
            matches = [
                j for j in range(3)
                if torch.equal(drawn_crops[i], crops['parts'][i, j])
            ]
            assert len(matches) == 1 and valid[i][matches[0]]
            drawn.add((i, matches[0]))
    # every valid crop gets drawn at some point
    assert drawn == {(i, j) for i in range(3) for j in range(3) if valid[i][j]}


def test_image_without_valid_crop_is_left_out_of_local_loss():
    model = two_stream()
    valid = [[False, False], [True, False], [False, True]]
    inputs, samples, crops = batch(k=2, valid=valid)
    torch.manual_seed(0)
    losses = model(inputs, samples, mode='loss', **crops)
    labels = torch.tensor([1, 2])
    chosen = torch.stack([crops['parts'][1, 0], crops['parts'][2, 1]])
    # the two drawn crops as one batch (BatchNorm in training mode)
    logits = model.local_head(model.local_neck(model.local_backbone(chosen)))
    torch.testing.assert_close(losses['local_loss'],
                               F.cross_entropy(logits, labels))
    none = [[False, False]] * 3
    inputs, samples, crops = batch(k=2, valid=none)
    losses = model(inputs, samples, mode='loss', **crops)
    assert float(losses['local_loss']) == 0.
    losses['local_loss'].backward()  # still in the graph


@pytest.mark.parametrize('protocol', ['mean', 'first', 'random'])
def test_eval_protocols_against_per_crop_reference(protocol):
    model = two_stream(eval_protocol=protocol).eval()
    valid = [[True, True, True], [False, True, True], [False, False, False]]
    inputs, samples, crops = batch(valid=valid)
    with torch.no_grad():
        fused = model(inputs, samples, mode='tensor', **crops)
        g = model.backbone(inputs)[-1].mean((2, 3))
        for i in range(3):
            idx = [j for j in range(3) if valid[i][j]]
            per = [crop_logits(model, crops['parts'][i, j]) for j in idx]
            if not idx:
                local = torch.zeros(5)
            elif protocol == 'mean':
                local = torch.stack(per).mean(0)
            elif protocol == 'first':
                local = per[0]
            else:
                rng = np.random.default_rng([0, 100 + i])
                local = per[int(rng.integers(len(idx)))]
            torch.testing.assert_close(
                fused[i], g[i] + local, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize('protocol', ['mean', 'first', 'random'])
def test_two_evaluations_give_identical_scores(protocol):
    model = two_stream(eval_protocol=protocol)
    valid = [[True, False, True], [True, True, True], [False, True, True],
             [True, True, False]]
    data = raw_batch(valid=valid)
    model.eval()

    def scores(preds):
        return [torch.cat([s.pred_score, s.local_score]) for s in preds]

    first = scores(model.val_step(copy.deepcopy(data)))
    torch.manual_seed(123)  # other global RNG state
    second = scores(model.val_step(copy.deepcopy(data)))
    for a, b in zip(first, second):
        assert torch.equal(a, b)
    # also whatever the batch: the reversed batch gives the same per image
    rev = dict(
        inputs=data['inputs'][::-1],
        data_samples=copy.deepcopy(data['data_samples'][::-1]))
    third = scores(model.val_step(rev))[::-1]
    for a, b in zip(first, third):
        torch.testing.assert_close(a, b)
    # the scores are not saturated: different crops give different scores
    assert len({round(float(s[0]), 6) for s in first}) > 1


def test_log_softmax_fusion_and_weights():
    model = two_stream(
        fusion='log_softmax', global_weight=0.5, local_weight=0.5).eval()
    inputs, samples, crops = batch(k=1)
    with torch.no_grad():
        fused = model(inputs, samples, mode='tensor', **crops)
        g = model.backbone(inputs)[-1].mean((2, 3))
        loc = torch.stack([crop_logits(model, c[0]) for c in crops['parts']])
        preds = model(inputs, copy.deepcopy(samples), mode='predict', **crops)
    ref = 0.5 * (g.log_softmax(-1) + loc.log_softmax(-1))
    torch.testing.assert_close(fused, ref, rtol=1e-5, atol=1e-5)
    for i, p in enumerate(preds):
        torch.testing.assert_close(p.pred_score, ref[i].softmax(-1))
        assert int(p.pred_label) == int(ref[i].argmax())
        torch.testing.assert_close(p.global_score, g[i])
        torch.testing.assert_close(p.local_score, loc[i])


def test_one_hot_last_step_attention_equals_cnn_lstm_last_step():
    """Attention forced to one-hot on step T == the "CNN + LSTM" variant
    (MultiStepClsHead, last step at test) with the same weights."""
    attn = two_stream().eval()
    lstm = two_stream(
        local_neck=dict(aggregation='all'),
        local_head=dict(
            type='MultiStepClsHead',
            head=dict(type='LinearClsHead', num_classes=5,
                      in_channels=8))).eval()
    state = {
        k.replace('local_head.fc.', 'local_head.head.fc.'): v
        for k, v in attn.state_dict().items()
    }
    lstm.load_state_dict(state)

    def one_hot(states):
        w = torch.zeros(states.shape[:2])
        w[:, -1] = 1.
        return w

    inputs, samples, crops = batch(valid=[[True, True, False]] * 3)
    with torch.no_grad():
        before = attn(inputs, samples, mode='tensor', **crops)
        attn.local_neck.attention_weights = one_hot
        forced = attn(inputs, samples, mode='tensor', **crops)
        ref = lstm(inputs, samples, mode='tensor', **crops)
    torch.testing.assert_close(forced, ref)
    assert not torch.allclose(before, ref)  # the learnt attention differs


class MeanValid(nn.Module):
    """A set neck: the mean of the valid crops' pooled features."""
    part_input = 'set'

    def __init__(self):
        super().__init__()
        self.calls = {}

    def forward(self, feats, valid):
        x = feats[-1].mean((3, 4))  # (B, K, C)
        self.calls['shape'], self.calls['valid'] = feats[-1].shape, valid
        w = valid.float().unsqueeze(-1)
        return ((x * w).sum(1) / w.sum(1).clamp(min=1), )


def test_set_neck_gets_all_crops_and_mask():
    model = two_stream(
        local_neck=MeanValid(),
        local_head=dict(type='LinearClsHead', num_classes=5, in_channels=32),
        fusion='log_softmax')
    assert isinstance(model.local_stream, PartSetStream)
    calls = model.local_neck.calls
    valid = [[True, False, True], [True, True, True], [False, True, False]]
    inputs, samples, crops = batch(valid=valid)
    losses = model(inputs, samples, mode='loss', **crops)
    assert calls['shape'][:2] == (3, 3)
    assert calls['valid'].tolist() == valid
    assert torch.isfinite(losses['local_loss'])
    model.eval()
    with torch.no_grad():
        out = model(inputs, samples, mode='tensor', **crops)
        ref_local = []
        for i in range(3):
            f = model.local_backbone(crops['parts'][i])[-1].mean((2, 3))
            keep = torch.as_tensor(valid[i])
            ref_local.append(model.local_head.fc(f[keep].mean(0)))
        g = model.backbone(inputs)[-1].mean((2, 3))
        preds = model(inputs, samples, mode='predict', **crops)
    ref = g.log_softmax(-1) + torch.stack(ref_local).log_softmax(-1)
    torch.testing.assert_close(out, ref, rtol=1e-5, atol=1e-5)
    for i, p in enumerate(preds):  # the raw local logits are reported
        torch.testing.assert_close(p.local_score, ref_local[i])
    for protocol in ('first', 'random'):  # one score per image: no choice
        model.eval_protocol = protocol
        with torch.no_grad():
            assert torch.equal(
                model(inputs, samples, mode='tensor', **crops), out)


def test_the_local_neck_chooses_the_stream():
    assert isinstance(two_stream().local_stream, CropStream)
    assert isinstance(two_stream(local_neck=None).local_stream, CropStream)
    for neck in (dict(type='FVEPartNeck', in_channels=32,
                      num_components=2), dict(type='GAPPartNeck')):
        assert isinstance(stream_for(MODELS.build(neck)), PartSetStream)
    bad = MeanValid()
    bad.part_input = 'pairs'
    with pytest.raises(ConfigError, match="part_input must be one of"):
        stream_for(bad)
    # no parameters of its own: the state-dict keys are the classifier's
    keys = {k.split('.')[0] for k in two_stream().state_dict()}
    assert keys == {'backbone', 'local_backbone', 'local_neck', 'local_head'}


def test_bad_inputs_give_clear_errors():
    model = two_stream()
    inputs, samples, crops = batch()
    with pytest.raises(ConfigError, match='PartCrops'):
        model(inputs, samples, mode='loss')
    with pytest.raises(ConfigError, match='PartCrops'):
        model(inputs, None, mode='tensor')
    with pytest.raises(ConfigError, match=r'\(B, K, C, h, w\)'):
        model(inputs, samples, mode='loss', parts=crops['parts'][:, 0])
    with pytest.raises(ConfigError, match='3 sets of crops'):
        model(inputs[:2], samples, mode='loss', **crops)
    with pytest.raises(ConfigError, match='eval_protocol'):
        two_stream(eval_protocol='best')
    with pytest.raises(ConfigError, match='fusion'):
        two_stream(fusion='probs')
    # the neck says how the crops are read: the old switch is refused
    with pytest.raises(ConfigError, match='delete local_mode'):
        two_stream(local_mode='per_crop')
    with pytest.raises(TypeError, match='local_mod'):
        two_stream(local_mod='set')
    # uint8 crops that bypassed the data preprocessor
    with pytest.raises(ConfigError, match='uint8'):
        model(
            inputs, samples, mode='loss', parts=crops['parts'].to(torch.uint8))
    # the data preprocessor path: crops in the samples -> keyword tensors
    data = model.data_preprocessor(raw_batch(), False)
    assert data['parts'].shape == (4, 3, 1, 28, 28)
    assert len(model(**data, mode='predict')) == 4


def test_part_crops_from_gt_bboxes():
    from mmfg.datasets.transforms import PartCrops
    img = np.zeros((40, 60), np.uint8)
    img[10:20, 30:50] = 200
    res = PartCrops(
        num_parts=2, crop_size=8, source='gt_bboxes')(
            dict(img=img, gt_bboxes=np.array([[30, 10, 50, 20]], np.float32)))
    assert res['part_imgs'].shape == (2, 8, 8)
    assert (res['part_imgs'][0] == 200).all()
    assert res['part_valid'].tolist() == [True, False]
    np.testing.assert_array_equal(res['part_boxes'][0], [30, 10, 50, 20])
    with pytest.raises(ConfigError, match='with_bbox'):
        PartCrops(num_parts=1, crop_size=8, source='gt_bboxes')(dict(img=img))


# ------------------------------------- per-step read-outs (Table 3, Fig. 3)
def test_step_logits_are_the_head_on_each_hidden_state():
    model = two_stream().eval()
    _, _, crops = batch(n=2, k=1)
    x = crops['parts'][:, 0]
    with torch.no_grad():
        h = model.local_neck.step_states(model.local_backbone(x)[-1])
        torch.testing.assert_close(model.local_step_states(x), h)
        for t, ref in ((1, h[:, 0]), (3, h[:, 2]), (-1, h[:, -1])):
            torch.testing.assert_close(
                model.local_step_logits(x, t), model.local_head.fc(ref))
    # a multi-step head is read through its per-step head
    lstm = two_stream(
        local_neck=dict(aggregation='all'),
        local_head=dict(
            type='MultiStepClsHead',
            head=dict(type='LinearClsHead', num_classes=5,
                      in_channels=8))).eval()
    with torch.no_grad():
        h = lstm.local_step_states(x)
        torch.testing.assert_close(
            lstm.local_step_logits(x, 2), lstm.local_head.head.fc(h[:, 1]))
    for other in (two_stream(local_neck=None),
                  two_stream(
                      local_neck=MeanValid(),
                      local_head=dict(
                          type='LinearClsHead', num_classes=5,
                          in_channels=32))):
        with pytest.raises(ConfigError, match='RecurrentAttentionNeck'):
            other.local_step_logits(x, 1)
