"""The conventional Fisher-vector pipeline the FVE paper compares with
(Korsch et al., Sec. 4.4 / Fig. 3, after Perronnin et al. 2007 / 2010):
(1) a CNN trained on the target data, (2) its local part features, (3) PCA
and a diagonal GMM fitted offline (scikit-learn), (4) the Fisher vector of
every image's features with power and L2 normalisation, (5) a linear SVM.

:func:`fisher_vectors` is numpy (eqs. 13-14 with the ``1 / (N sqrt(alpha))``
normaliser, the same layout as :class:`~mmfg.models.layers.FVELayer`), then
``sign(f) |f|^power`` and L2 normalisation; :func:`extract_local_features`
runs a model's part CNN over a dataloader; :func:`run_conventional` fits
PCA / GMM / LinearSVC for several K and returns the accuracies.
"""
import time
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import numpy as np
import torch
from scipy.special import logsumexp

from mmfg.models.layers import fve_feature_mask
from mmfg.models.utils import check_parts
from mmfg.structures import PART_VALID, PARTS


def gmm_assignments(x: np.ndarray, means: np.ndarray, variances: np.ndarray,
                    weights: np.ndarray) -> np.ndarray:
    """Posterior ``w (N, K)`` of every feature ``x (N, D)`` (eqs. 1-2)."""
    prec = 1.0 / variances
    quad = (x * x) @ prec.T - 2.0 * x @ (means * prec).T + (means * means *
                                                            prec).sum(1)
    log_p = -0.5 * (quad + np.log(2 * np.pi * variances).sum(1))
    joint = np.log(np.maximum(weights, 1e-300)) + log_p
    return np.exp(joint - logsumexp(joint, axis=1, keepdims=True))


def fisher_vectors(feats: Sequence[np.ndarray],
                   means: np.ndarray,
                   variances: np.ndarray,
                   weights: np.ndarray,
                   power: Optional[float] = 0.5,
                   l2: bool = True) -> np.ndarray:
    """Fisher vectors of sets of local features.

    Args:
        feats: per image an ``(N_i, D)`` array (``N_i`` may be 0: zeros).
        means, variances: ``(K, D)`` of the diagonal GMM; weights ``(K,)``.
        power: exponent of the power normalisation ``sign(f) |f|^power``
            (None = none).
        l2: L2-normalise each vector (after the power normalisation).

    Returns:
        ``(num_images, 2 K D)``: all ``K D`` mean scores (k-major), then
        all ``K D`` variance scores, each divided by ``N_i sqrt(alpha_k)``
        / ``N_i sqrt(2 alpha_k)``.
    """
    K, D = means.shape
    out = np.zeros((len(feats), 2 * K * D))
    sigma = np.sqrt(variances)
    for i, x in enumerate(feats):
        x = np.asarray(x, np.float64)
        if len(x) == 0:
            continue
        w = gmm_assignments(x, means, variances, weights)  # (N, K)
        s0 = w.sum(0)  # (K,)
        s1 = w.T @ x  # (K, D)
        s2 = w.T @ (x * x)
        f_mu = (s1 - s0[:, None] * means) / sigma
        f_var = (s2 - 2 * means * s1 + s0[:, None] * means**2) / variances \
            - s0[:, None]
        n = len(x)
        f_mu /= n * np.sqrt(weights)[:, None]
        f_var /= n * np.sqrt(2 * weights)[:, None]
        out[i] = np.concatenate([f_mu.ravel(), f_var.ravel()])
    if power is not None:
        out = np.sign(out) * np.abs(out)**power
    if l2:
        out /= np.maximum(np.linalg.norm(out, axis=1, keepdims=True), 1e-12)
    return out


@torch.no_grad()
def extract_local_features(
        model,
        dataloader: Iterable,
        max_images: Optional[int] = None,
        feature_mask: bool = True) -> Tuple[List[np.ndarray], np.ndarray]:
    """Local part features of a two-stream model's part CNN (Sec. 3.4).

    Every valid part crop's ConvMap ``(C, h, w)`` gives ``h w`` local
    features; with ``feature_mask`` only those with L2 norm >= the image's
    mean norm are kept (the FVE's rule, so both pipelines encode the same
    kind of set). Returns the per-image ``(N_i, C)`` arrays and the labels.
    """
    model.eval()
    feats, labels, seen = [], [], 0
    for data in dataloader:
        data = model.data_preprocessor(data, False)
        crops, valid = check_parts(
            data.get(PARTS), data.get(PART_VALID), len(data['inputs']))
        b, k = crops.shape[:2]
        maps = model.local_backbone(crops.flatten(0, 1))
        maps = maps[-1] if isinstance(maps, (tuple, list)) else maps
        c, h, w = maps.shape[1:]
        x = maps.reshape(b, k, c, h * w).permute(0, 1, 3, 2).reshape(b, -1, c)
        exists = valid[:, :, None].expand(b, k, h * w).reshape(b, -1)
        keep = fve_feature_mask(x, exists) if feature_mask else exists
        for i in range(b):
            feats.append(x[i][keep[i]].cpu().numpy())
            labels.append(int(data['data_samples'][i].gt_label))
        seen += b
        if max_images is not None and seen >= max_images:
            break
    if max_images is not None:
        feats, labels = feats[:max_images], labels[:max_images]
    return feats, np.asarray(labels)


def check_conventional_inputs(train_feats, train_labels, test_feats,
                              test_labels, components, pca_dim):
    """Refuse inputs the conventional pipeline cannot use, with the reason
    and the fix (instead of a scikit-learn error deep in a fit)."""
    from mmfg.utils import ConfigError, DataError
    for name, feats, labels in (('train', train_feats, train_labels),
                                ('test', test_feats, test_labels)):
        if len(feats) != len(labels):
            raise DataError(f'conventional FV: {len(feats)} {name} feature '
                            f'sets but {len(labels)} {name} labels')
    n = sum(len(f) for f in train_feats)
    if n == 0:
        raise DataError('conventional FV: no local training features (every '
                        'image has an empty feature set): check the part '
                        'crops / feature mask of the config')
    dim = next(f for f in train_feats if len(f)).shape[1]
    if pca_dim is not None and not 0 < pca_dim <= min(dim, n):
        raise ConfigError(f'conventional FV: pca_dim={pca_dim} but the local '
                          f'features have {dim} dimensions ({n} training '
                          f'features); use 0 < pca_dim <= {min(dim, n)}')
    bad = [k for k in components if not 0 < int(k) <= n]
    if bad:
        raise ConfigError(f'conventional FV: GMM sizes {bad} are not in '
                          f'1..{n} (the number of local training features)')


def run_conventional(train_feats: Sequence[np.ndarray],
                     train_labels: np.ndarray,
                     test_feats: Sequence[np.ndarray],
                     test_labels: np.ndarray,
                     components: Sequence[int] = (1, 2, 5, 10, 20, 50),
                     pca_dim: Optional[int] = None,
                     gmm_samples: int = 100000,
                     svm_c: float = 1.0,
                     seed: int = 0,
                     log=print) -> Dict[int, dict]:
    """PCA + diagonal GMM (scikit-learn) + FV (power, L2) + LinearSVC for
    each K in ``components``; returns ``{K: dict(accuracy, seconds)}``
    (top-1 accuracy in percent on the test features)."""
    from sklearn.decomposition import PCA
    from sklearn.mixture import GaussianMixture
    from sklearn.svm import LinearSVC

    check_conventional_inputs(train_feats, train_labels, test_feats,
                              test_labels, components, pca_dim)
    rng = np.random.default_rng(seed)
    pool = np.concatenate([f for f in train_feats if len(f)])
    sample = pool[rng.choice(
        len(pool), min(gmm_samples, len(pool)), replace=False)]
    pca = PCA(n_components=pca_dim, random_state=seed).fit(sample)
    log(f'PCA {pool.shape[1]} -> {pca.n_components_} dims '
        f'({pca.explained_variance_ratio_.sum():.3f} of the variance), '
        f'fitted on {len(sample)} of {len(pool)} train features')

    def project(fs):
        return [
            pca.transform(f) if len(f) else f[:, :pca.n_components_]
            for f in fs
        ]

    tr, te, sample = project(train_feats), project(test_feats), \
        pca.transform(sample)
    results = {}
    for k in components:
        t0 = time.time()
        gmm = GaussianMixture(
            k, covariance_type='diag', random_state=seed,
            reg_covar=1e-4).fit(sample)
        args = (gmm.means_, gmm.covariances_, gmm.weights_)
        ftr, fte = fisher_vectors(tr, *args), fisher_vectors(te, *args)
        svm = LinearSVC(C=svm_c, random_state=seed).fit(ftr, train_labels)
        acc = 100.0 * float((svm.predict(fte) == test_labels).mean())
        results[k] = dict(
            accuracy=acc, seconds=time.time() - t0, dim=int(ftr.shape[1]))
        log(f'K={k:3d}: FV dim {ftr.shape[1]}, test accuracy {acc:.2f} '
            f'({results[k]["seconds"]:.0f} s)')
    return results
