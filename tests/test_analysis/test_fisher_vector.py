"""The conventional Fisher-vector pipeline (FVE paper Sec. 4.4) against
independent references: scikit-learn's GaussianMixture posteriors with the
Fisher-vector sums written out element by element, and the end-to-end
FVELayer (torch) on the same statistics."""
import numpy as np
import torch
from sklearn.mixture import GaussianMixture

from mmfg.analysis.fisher_vector import (fisher_vectors, gmm_assignments,
                                         run_conventional)
from mmfg.models.layers import FVELayer


def _gmm(K=3, D=4, seed=0):
    rng = np.random.default_rng(seed)
    X = np.concatenate(
        [rng.normal(3 * k, 1 + 0.3 * k, (200, D)) for k in range(K)])
    gm = GaussianMixture(K, covariance_type='diag', random_state=0).fit(X)
    return gm, rng


def _loop_fv(x, gm):
    """Eqs. 13-14, 'count' normaliser, element by element; posteriors from
    scikit-learn."""
    w = gm.predict_proba(x)
    K, D = gm.means_.shape
    n = len(x)
    f = np.zeros(2 * K * D)
    for k in range(K):
        a = gm.weights_[k]
        for d in range(D):
            mu, sd = gm.means_[k, d], np.sqrt(gm.covariances_[k, d])
            sm = sv = 0.0
            for i in range(n):
                z = (x[i, d] - mu) / sd
                sm += w[i, k] * z
                sv += w[i, k] * (z * z - 1)
            f[k * D + d] = sm / (n * np.sqrt(a))
            f[K * D + k * D + d] = sv / (n * np.sqrt(2 * a))
    return f


def test_fisher_vector_equals_elementwise_formula_and_sklearn_posteriors():
    gm, rng = _gmm()
    feats = [rng.normal(2, 3, (n, 4)) for n in (1, 7, 30)] + [np.zeros((0, 4))]
    args = (gm.means_, gm.covariances_, gm.weights_)
    np.testing.assert_allclose(
        gmm_assignments(feats[2], *args),
        gm.predict_proba(feats[2]),
        atol=1e-10)
    raw = fisher_vectors(feats, *args, power=None, l2=False)
    for i, x in enumerate(feats[:3]):
        np.testing.assert_allclose(raw[i], _loop_fv(x, gm), atol=1e-10)
    assert not raw[3].any()  # an image without features: zeros
    # power + L2 normalisation
    norm = fisher_vectors(feats, *args)
    want = np.sign(raw[:3]) * np.sqrt(np.abs(raw[:3]))
    want /= np.linalg.norm(want, axis=1, keepdims=True)
    np.testing.assert_allclose(norm[:3], want, atol=1e-12)
    np.testing.assert_allclose(np.linalg.norm(norm[:3], axis=1), 1.0)


def test_fisher_vector_equals_the_end_to_end_layer():
    gm, rng = _gmm(K=2, D=3, seed=1)
    x = rng.normal(1, 2, (2, 9, 3))
    layer = FVELayer(3, 2, var_floor=0).eval()
    layer.mu.copy_(torch.as_tensor(gm.means_))
    layer.var.copy_(torch.as_tensor(gm.covariances_))
    layer.alpha.copy_(torch.as_tensor(gm.weights_))
    got = layer(torch.as_tensor(x)).numpy()
    # the layer's buffers are float32: the reference uses the same values
    stats = [b.double().numpy() for b in (layer.mu, layer.var, layer.alpha)]
    want = fisher_vectors(list(x), *stats, power=None, l2=False)
    np.testing.assert_allclose(got, want, atol=1e-9)


def test_pipeline_separates_classes_that_differ_in_local_statistics():
    # two classes with the same mean feature but different spreads: a GAP
    # classifier cannot tell them apart, the variance scores can
    rng = np.random.default_rng(0)

    def images(n, label):
        scale = 0.5 if label == 0 else 2.0
        return [rng.normal(0, scale, (20, 6)) for _ in range(n)]

    tr = images(60, 0) + images(60, 1)
    te = images(40, 0) + images(40, 1)
    ytr = np.repeat([0, 1], 60)
    yte = np.repeat([0, 1], 40)
    res = run_conventional(
        tr, ytr, te, yte, components=(1, 2), log=lambda *a: None)
    assert set(res) == {1, 2}
    assert res[1]['accuracy'] > 95 and res[1]['dim'] == 12
    # the same sets, all with the spread of one class: nothing to learn
    te_same = images(40, 0) + images(40, 0)
    res = run_conventional(
        tr, ytr, te_same, yte, components=(1, ), log=lambda *a: None)
    assert 35 < res[1]['accuracy'] < 65


def test_bad_inputs_are_refused_clearly():
    import pytest

    from mmfg.analysis.fisher_vector import run_conventional
    from mmfg.utils import ConfigError, DataError
    rng = np.random.default_rng(0)
    feats = [rng.normal(size=(5, 4)) for _ in range(6)]
    labels = np.array([0, 1] * 3)

    def run(**kw):
        args = dict(
            train_feats=feats,
            train_labels=labels,
            test_feats=feats,
            test_labels=labels,
            components=(2, ),
            log=lambda *a: None)
        args.update(kw)
        return run_conventional(**args)

    with pytest.raises(ConfigError, match='pca_dim=8 .* 4 dimensions'):
        run(pca_dim=8)
    with pytest.raises(ConfigError, match=r'GMM sizes \[50\] .* 1\.\.30'):
        run(components=(2, 50))
    with pytest.raises(DataError, match='no local training features'):
        run(train_feats=[np.zeros((0, 4))] * 6)
    with pytest.raises(DataError, match='6 test feature sets but 5'):
        run(test_labels=labels[:5])
    assert set(run(pca_dim=3)) == {2}  # valid input still runs
