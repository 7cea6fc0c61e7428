"""FVE model pieces (Korsch et al., Sec. 3.4, 4.3-4.5): the set neck (part
features from ConvMaps, norm mask, visible-only vs zero-filled parts), the
GAP baseline neck, the FVE + auxiliary head, the auxiliary-weight hook, the
Table 1 part protocols of ``PartCrops`` and the full two-stream model,
against independent references (numpy Fisher vectors of eqs. 13-14 on the
hand-gathered local features, hand-written cross-entropies)."""
from types import SimpleNamespace

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from mmpretrain.structures import DataSample
from scipy.special import logsumexp

from mmfg.datasets.transforms import PartCrops
from mmfg.engine import AuxLossWeightHook
from mmfg.models.classifiers.local_streams import PartSetStream
from mmfg.models.layers import fve_feature_mask
from mmfg.registry import MODELS
from mmfg.utils import ConfigError, register_all_modules

register_all_modules()


# ---------------------------------------------------------------- references
def np_fisher_vector(x, mu, var, alpha):
    """Eqs. 13-14, 'count' normaliser, x (N, D) -> (2 K D,)."""
    diff = x[:, None, :] - mu[None]
    log_p = -0.5 * (np.log(2 * np.pi * var)[None] + diff**2 / var[None])
    joint = np.log(alpha)[None] + log_p.sum(-1)
    w = np.exp(joint - logsumexp(joint, axis=1, keepdims=True))  # (N, K)
    z = diff / np.sqrt(var)[None]
    n = len(x)
    f_mu = (w[..., None] * z).sum(0) / (n * np.sqrt(alpha)[:, None])
    f_var = (w[..., None] * (z**2 - 1)).sum(0) / (
        n * np.sqrt(2 * alpha)[:, None])
    return np.concatenate([f_mu.ravel(), f_var.ravel()])


def np_local_features(maps, valid, use_missing):
    """maps (K, C, h, w) of one image -> the kept local features (M, C) by
    Sec. 3.4: all positions of the (valid) parts, L2 norm >= their mean."""
    feats = [
        maps[p].reshape(maps.shape[1], -1).T for p in range(len(maps))
        if use_missing or valid[p]
    ]
    x = np.concatenate(feats)
    norms = np.linalg.norm(x, axis=1)
    return x[norms >= norms.mean()]


def fve_neck(**kw):
    cfg = dict(
        type='FVEPartNeck',
        in_channels=5,
        num_components=3,
        aux_pooling='mean',  # the concatenation: test_fve_aux_pooling.py
        fve_cfg=dict(seed=0))
    cfg.update(kw)
    neck = MODELS.build(cfg)
    rng = np.random.default_rng(1)
    neck.fve.mu.copy_(torch.as_tensor(rng.normal(0, 1, (3, 5))))
    neck.fve.var.copy_(torch.as_tensor(rng.uniform(0.5, 2, (3, 5))))
    neck.fve.alpha.copy_(torch.tensor([0.2, 0.5, 0.3]))
    return neck


# ---------------------------------------------------------------- the mask
def test_feature_mask_with_valid_features_against_numpy():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(3, 10, 4, generator=g)
    valid = torch.rand(3, 10, generator=g) > 0.4
    valid[2] = False  # an image without any valid feature
    got = fve_feature_mask(x, valid)
    for i in range(3):
        v = valid[i].numpy()
        n = np.linalg.norm(x[i].numpy(), axis=1)
        want = np.zeros(10, bool)
        if v.any():
            want[v] = n[v] >= n[v].mean()
        np.testing.assert_array_equal(got[i].numpy(), want)
    # all valid = the plain rule
    torch.testing.assert_close(
        fve_feature_mask(x, torch.ones(3, 10, dtype=torch.bool)),
        fve_feature_mask(x))
    with pytest.raises(ValueError, match='valid must be'):
        fve_feature_mask(x, valid[:, :5])


# ---------------------------------------------------------------- the necks
@pytest.mark.parametrize('use_missing', [False, True])
def test_fve_neck_equals_numpy_fisher_vector_of_masked_local_features(
        use_missing):
    neck = fve_neck(use_missing_parts=use_missing).eval()
    g = torch.Generator().manual_seed(2)
    maps = torch.randn(2, 4, 5, 3, 2, generator=g, dtype=torch.float64)
    valid = torch.tensor([[True, False, True, True],
                          [False, True, True, False]])
    fv, pooled = neck((maps, ), valid)
    assert fv.shape == (2, 2 * 3 * 5) and pooled.shape == (2, 5)
    mu, var, alpha = (neck.fve.mu.double().numpy(),
                      neck.fve.var.double().numpy(),
                      neck.fve.alpha.double().numpy())
    for i in range(2):
        m, v = maps[i].numpy(), valid[i].numpy()
        x = np_local_features(m, v, use_missing)
        np.testing.assert_allclose(
            fv[i].numpy(), np_fisher_vector(x, mu, var, alpha), atol=1e-9)
        # pooled: GAP of each valid part, averaged over the valid parts
        np.testing.assert_allclose(pooled[i].numpy(),
                                   m[v].mean(axis=(2, 3)).mean(0))


def test_visible_only_ignores_missing_parts_and_their_gmm_update():
    neck = fve_neck(use_missing_parts=False)
    g = torch.Generator().manual_seed(3)
    maps = torch.randn(2, 3, 5, 2, 2, generator=g)
    valid = torch.tensor([[True, False, True], [True, True, False]])
    other = maps.clone()
    other[~valid] = 100 * torch.randn(int((~valid).sum()), 5, 2, 2)
    neck2 = fve_neck(use_missing_parts=False)
    out1 = neck.train()((maps, ), valid)
    out2 = neck2.train()((other, ), valid)
    for a, b in zip(out1, out2):
        torch.testing.assert_close(a, b)
    for name in ('mu', 'var', 'alpha', 't'):
        torch.testing.assert_close(
            getattr(neck.fve, name), getattr(neck2.fve, name))
    assert int(neck.fve.t) == 1
    # zero-filled protocol: the missing parts' features do count
    z1 = fve_neck(use_missing_parts=True).eval()((maps, ), valid)[0]
    z2 = fve_neck(use_missing_parts=True).eval()((other, ), valid)[0]
    assert not torch.allclose(z1, z2)


def test_fve_neck_gradient_reaches_the_part_maps_only_through_kept():
    neck = fve_neck(use_missing_parts=False).eval()
    maps = torch.randn(1, 2, 5, 2, 2, dtype=torch.float64, requires_grad=True)
    valid = torch.tensor([[True, False]])
    fv, pooled = neck((maps, ), valid)
    (fv.sum() + pooled.sum()).backward()
    assert maps.grad[0, 1].abs().sum() == 0
    assert maps.grad[0, 0].abs().sum() > 0


def test_gap_neck_concatenates_in_order_with_zeros():
    neck = MODELS.build(dict(type='GAPPartNeck'))
    maps = torch.randn(2, 3, 4, 2, 5)
    valid = torch.tensor([[True, False, True], [False, True, True]])
    (out, ) = neck((maps, ), valid)
    want = maps.mean(dim=(3, 4)).numpy() * valid.numpy()[..., None]
    np.testing.assert_allclose(out.numpy(), want.reshape(2, 12), rtol=1e-6)
    assert (out[0, 4:8] == 0).all()


def test_necks_reject_bad_inputs_clearly():
    with pytest.raises(ConfigError, match=r"part_input = 'set'"):
        fve_neck()((torch.randn(2, 5, 3, 3), ), None)
    with pytest.raises(ConfigError, match='in_channels=5'):
        fve_neck()((torch.randn(2, 2, 6, 3, 3), ), None)
    with pytest.raises(ConfigError, match='valid must be'):
        MODELS.build(dict(type='GAPPartNeck'))((torch.randn(2, 2, 6, 3, 3), ),
                                               torch.ones(2, 3, dtype=bool))


# ---------------------------------------------------------------- the head
def _samples(labels):
    out = []
    for y in labels:
        s = DataSample()
        s.set_gt_label(int(y))
        out.append(s)
    return out


def test_head_loss_is_weighted_sum_of_two_cross_entropies():
    head = MODELS.build(
        dict(
            type='FVEClsHead',
            num_classes=4,
            in_channels=6,
            aux_channels=3,
            aux_weight=0.5))
    head.init_weights()
    fv, pooled = torch.randn(5, 6), torch.randn(5, 3)
    labels = torch.tensor([0, 1, 2, 3, 1])
    for w in (0.5, 0.125):
        head.aux_weight = w
        losses = head.loss((fv, pooled), _samples(labels))
        lf = (fv @ head.fc.weight.T + head.fc.bias).log_softmax(-1)
        la = (pooled @ head.aux_fc.weight.T + head.aux_fc.bias).log_softmax(-1)
        ce_f = -lf[torch.arange(5), labels].mean()
        ce_a = -la[torch.arange(5), labels].mean()
        torch.testing.assert_close(losses['loss'], w * ce_a + (1 - w) * ce_f)
        torch.testing.assert_close(losses['ce_fve'], ce_f)
        assert not any('loss' in k for k in losses if k != 'loss')
    torch.testing.assert_close(head((fv, pooled)), head.fc(fv))


def test_head_without_aux_and_bad_settings():
    head = MODELS.build(
        dict(type='FVEClsHead', num_classes=3, in_channels=4, aux_weight=0))
    fv = torch.randn(2, 4)
    losses = head.loss((fv, ), _samples([0, 2]))
    torch.testing.assert_close(
        losses['loss'], F.cross_entropy(head.fc(fv), torch.tensor([0, 2])))
    with pytest.raises(ConfigError, match='aux_channels'):
        MODELS.build(dict(type='FVEClsHead', num_classes=3, in_channels=4))
    with pytest.raises(ConfigError, match=r'\[0, 1\]'):
        MODELS.build(
            dict(
                type='FVEClsHead',
                num_classes=3,
                in_channels=4,
                aux_channels=2,
                aux_weight=1.5))


def test_aux_weight_hook_halves_every_interval():
    head = MODELS.build(
        dict(
            type='FVEClsHead',
            num_classes=3,
            in_channels=4,
            aux_channels=2,
            aux_weight=0.5))
    model = torch.nn.Sequential(torch.nn.Identity(), head)
    hub = SimpleNamespace(update_scalar=lambda *a: None)
    hook = AuxLossWeightHook(interval=20, factor=0.5)
    want = {0: 0.5, 19: 0.5, 20: 0.25, 39: 0.25, 40: 0.125, 59: 0.125}
    for epoch, w in want.items():
        hook.before_train_epoch(
            SimpleNamespace(model=model, epoch=epoch, message_hub=hub))
        assert head.aux_weight == w
    with pytest.raises(ConfigError, match='no module with an aux_weight'):
        hook.before_train_epoch(
            SimpleNamespace(
                model=torch.nn.Linear(2, 2), epoch=0, message_hub=hub))
    with pytest.raises(ConfigError, match='interval'):
        AuxLossWeightHook(interval=0)


# ------------------------------------------------------- part protocols
def _part_results(idx, visible=(1, 0, 1, 1)):
    img = np.arange(112 * 112, dtype=np.uint8).reshape(112, 112)
    pts = [[20, 20, visible[0]], [80, 20, visible[1]], [20, 80, visible[2]],
           [80, 80, visible[3]]]
    return dict(
        img=img,
        sample_idx=idx,
        gt_keypoints=np.array([pts], np.float32),
        img_path=f'img{idx}')


def test_part_crops_shuffled_is_one_fixed_permutation_per_image():
    ordered = PartCrops(4, 28, part_order='ordered')
    shuffled = PartCrops(4, 28, part_order='shuffled', shuffle_seed=7)
    perms = set()
    for idx in range(6):
        ref = ordered.transform(_part_results(idx))
        a = shuffled.transform(_part_results(idx))
        b = shuffled.transform(_part_results(idx))
        perm = np.random.default_rng([7, idx]).permutation(4)
        perms.add(tuple(perm))
        np.testing.assert_array_equal(a['part_imgs'], b['part_imgs'])
        np.testing.assert_array_equal(a['part_imgs'], ref['part_imgs'][perm])
        np.testing.assert_array_equal(a['part_valid'], ref['part_valid'][perm])
        np.testing.assert_array_equal(a['part_boxes'], ref['part_boxes'][perm])
    assert len(perms) > 1
    res = _part_results(0)
    del res['sample_idx']
    with pytest.raises(ConfigError, match='sample_idx'):
        shuffled.transform(res)
    with pytest.raises(ValueError, match='part_order'):
        PartCrops(4, 28, part_order='random')


# ------------------------------------------------------- the full model
def fve_model(**kw):
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
            type='FVEPartNeck',
            in_channels=32,
            num_components=2,
            aux_pooling='mean',
            fve_cfg=dict(seed=0)),
        local_head=dict(
            type='FVEClsHead',
            num_classes=5,
            in_channels=2 * 2 * 32,
            aux_channels=32,
            aux_weight=0.5),
        global_weight=0.5,
        local_weight=0.5,
        fusion='log_softmax',
        fusion_weights=(1., 1.),
        data_preprocessor=dict(mean=[128.], std=[64.]))
    cfg.update(kw)
    torch.manual_seed(0)
    model = MODELS.build(cfg)
    model.init_weights()
    return model


def fve_batch(n=3, k=4):
    """Normalised inputs, samples and the crop keyword arguments, as the data
    preprocessor gives them."""
    g = torch.Generator().manual_seed(0)
    inputs = torch.randn(n, 1, 28, 28, generator=g)
    samples, parts = [], []
    for i in range(n):
        s = DataSample(metainfo=dict(sample_idx=i))
        s.set_gt_label(i % 5)
        parts.append(torch.randn(k, 1, 28, 28, generator=g))
        samples.append(s)
    valid = torch.tensor([[True, i != 1, True, i != 2] for i in range(n)])
    return inputs, samples, dict(parts=torch.stack(parts), part_valid=valid)


def test_full_model_loss_and_prediction_by_hand():
    model = fve_model()
    inputs, samples, crops = fve_batch()
    labels = torch.tensor([s.gt_label.item() for s in samples])
    model.train()
    # the reference first (eval = no GMM update; the loss call updates it)
    model.eval()
    glob = model.global_logits(inputs)
    assert isinstance(model.local_stream, PartSetStream)
    fv, pooled = model.local_stream.features(model.local_modules,
                                             crops['parts'],
                                             crops['part_valid'])
    fve_logits = model.local_head.fc(fv)
    aux_logits = model.local_head.aux_fc(pooled)
    ce_g = F.cross_entropy(glob, labels)
    ce_p = 0.5 * F.cross_entropy(aux_logits, labels) + 0.5 * F.cross_entropy(
        fve_logits, labels)
    preds = model.predict(inputs, samples, **crops)
    fused = glob.log_softmax(-1) + fve_logits.log_softmax(-1)
    for i, p in enumerate(preds):
        torch.testing.assert_close(p.pred_score, fused[i].softmax(-1))
    # training mode: BN uses batch statistics, so compare with BN in eval
    model.train()
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.eval()
    t0 = int(model.local_neck.fve.t)
    losses = model.loss(inputs, samples, **crops)
    torch.testing.assert_close(losses['global_loss'], 0.5 * ce_g)
    torch.testing.assert_close(losses['local_loss'], 0.5 * ce_p)
    assert int(model.local_neck.fve.t) == t0 + 1  # one GMM update per step
    total = sum(v for k, v in losses.items() if 'loss' in k)
    torch.testing.assert_close(total, 0.5 * (ce_g + ce_p))


def test_fve_only_model_and_gap_model_train_a_step():
    for kw in (dict(
            backbone=None,
            neck=None,
            head=None,
            local_neck=dict(
                type='FVEPartNeck',
                in_channels=32,
                num_components=2,
                with_pooled=False),
            local_head=dict(
                type='FVEClsHead',
                num_classes=5,
                in_channels=128,
                aux_weight=0.)),
               dict(
                   local_neck=dict(type='GAPPartNeck'),
                   local_head=dict(
                       type='LinearClsHead', num_classes=5,
                       in_channels=4 * 32))):
        model = fve_model(**kw).train()
        inputs, samples, crops = fve_batch()
        losses = model.loss(inputs, samples, **crops)
        total = sum(v for k, v in losses.items() if 'loss' in k)
        total.backward()
        assert torch.isfinite(total)
        assert model.local_backbone.stages[0].units[0].conv.weight.grad.abs(
        ).sum() > 0
