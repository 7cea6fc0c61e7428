"""Classification-specific parts (CS-parts; Korsch, Bodesheim & Denzler,
"Classification-Specific Parts for Improving Fine-Grained Visual
Categorization", GCPR 2019), from the public description of the method
and the authors' public code (github.com/DiKorsch/cs_parts at commit
df0c4375f3e556c4cdb88eba2a0180d3e1c38340, whose part extraction is the
submodule github.com/cvjena/cluster_parts at commit
8d92eb66a6cae9d01f8c15bed0411fa89e7c09d3; facts only, no code taken).

1. Pooled features ``f (D,)`` of a fine-tuned classifier.
2. A sparse linear SVM on them (L1 penalty, ``C = 0.1``; scikit-learn
   ``LinearSVC``), fitted on labelled training images: the features with a
   non-zero weight for class ``c`` are the features *selected* for ``c``.
3. Saliency for the PREDICTED class ``c`` (the SVM's prediction;
   never the label): ``|d sum_{d in sel(c)} f_d / d image|`` averaged over
   the colour channels, min-max normalised, Gaussian blur (sigma 5 px at
   the paper's 427 px input), power 0.7 ("power correction").
4. Otsu's threshold separates salient pixels; k-means (K = 4) clusters
   them on ``(y, x, saliency, colour)`` (each min-max normalised over the
   salient pixels), initialised at the K strongest local maxima of the
   saliency.
5. A box per cluster (``box_mode``):

   * ``'refine'`` (default; ``BoundingBoxPartExtractor.fit_bbox`` with
     ``optimal=True``, the setting of ``cs_parts/src/main.py``, and
     ``measures.Recall`` of ``cluster_parts/core``): the cluster's tight
     box grown to ``min_size`` is the *search area* ``A``; its weights are
     ``a = saliency * [pixel in the cluster]`` (``(h, w)``, the saliency
     min-max normalised). Over boxes ``b`` inside ``A`` it maximises

         ``J(b) = recall(b) * ratio(b)``,
         ``recall(b) = sum_{p in b} a_p / sum_{p in A} a_p``,
         ``ratio(b) = min(h_b, w_b) / max(h_b, w_b)``

     (saliency recall times an aspect term that is 1 for a square), then
     grows the result to ``min_size`` again. ``refine_solver='lbfgs'``
     searches as the public code: ``scipy.optimize.minimize(-J)``
     (L-BFGS-B, bounds [0, 1]) over the box ``(y0, x0, y1, x1)`` in
     coordinates normalised to ``A``, started at the centre half
     ``(.25, .25, .75, .75)``, options ``eps=1e-2, gtol=1e-1``; ``J`` at a
     candidate uses the integer pixels ``int(v * side)``; the result is the
     optimiser's (continuous) box. ``J`` is piecewise constant, so where a
     step of ``0.01 * side`` crosses no pixel edge (sides under ~50 px,
     i.e. most parts of 56 px inputs) its finite-difference gradient is
     zero and the search returns its start, the centre half of ``A``.
     ``refine_solver='exhaustive'`` maximises the same ``J`` globally over
     integer boxes (every pixel edge for sides up to 32 px, else a grid of
     33 edges per axis; ties: the smallest box). Differences from the
     public code, all at the pixel level: its integral-image lookup
     leaves out the first row and column of ``A`` and its search area the
     last ones (here every pixel counts), and its minimum-size growth may
     leave the image (here it is kept inside).
   * ``'tight'``: the tight box of the cluster's pixels, enlarged around
     its centre to ``min_size`` (the rule of earlier mmfg versions).

   An empty cluster gets the box of all salient pixels (the "whole
   object"), refined in the same way.

Shapes: inputs ``(B, C, H, W)``; features ``(B, D)``; saliency
``(B, H, W)``; boxes ``(K, 5)`` per image in input pixels, score = the
cluster's share of the salient mass (parts ordered by it, best first).
"""
from typing import List, Optional, Tuple, Union

import numpy as np
import torch
from numpy.typing import ArrayLike
from scipy.ndimage import gaussian_filter
from threadpoolctl import threadpool_limits
from torch import nn

from mmfg.utils import ConfigError
from mmfg.visualization.cam import as_logits_module, get_target_layer
from .boxes import mask_box, whole_image_box
from .builder import PROPOSAL_GENERATORS


def pooled_features(model: nn.Module,
                    inputs: torch.Tensor,
                    feature_layer: Optional[str] = None) -> torch.Tensor:
    """``(B, D)`` features of ``inputs`` (grad kept): the global average of
    the output ``(B, D, h, w)`` of ``feature_layer`` (a dotted module name),
    or, without one, ``model.extract_feat`` (mmpretrain classifiers: the
    neck's pooled features), flattened."""
    if feature_layer is None:
        feats = model.extract_feat(inputs)
        if isinstance(feats, (tuple, list)):
            feats = feats[-1]
        return feats.flatten(1)
    layer = get_target_layer(model, feature_layer)
    store = {}

    def hook(module, args, output):
        store['out'] = output

    handle = layer.register_forward_hook(hook)
    try:
        as_logits_module(model)(inputs)
    finally:
        handle.remove()
    out = store['out']
    return out.flatten(2).mean(-1) if out.dim() > 2 else out


def saliency_to_parts(saliency: ArrayLike,
                      image: ArrayLike,
                      num_parts: int = 4,
                      sigma: float = 5.,
                      power: float = 0.7,
                      min_size: float = 0.15,
                      seed: int = 0,
                      box_mode: str = 'refine',
                      refine_solver: str = 'lbfgs') -> np.ndarray:
    """CS-parts boxes of one image from its raw gradient saliency (steps 3-5
    of the module docstring).

    Args:
        saliency (array): ``(H, W)`` non-negative raw saliency.
        image (array): ``(H, W, C)`` or ``(H, W)`` the image (colour
            feature of the clustering).
        num_parts (int): K.
        sigma (float): Gaussian blur in pixels.
        power (float): exponent of the power correction.
        min_size (float): smallest box side, fraction of ``min(H, W)``.
        seed (int): k-means random state (the init is deterministic).
        box_mode (str): ``'refine'`` (the public code's box refinement) or
            ``'tight'`` (the cluster's tight box); module docstring, step 5.
        refine_solver (str): ``'lbfgs'`` (the public code's search) or
            ``'exhaustive'`` (the global maximum of the same objective).

    Returns:
        ndarray: float32 ``(K, 5)`` boxes inside the image, every side
        >= 1 px, score descending.
    """
    from skimage.feature import peak_local_max
    from skimage.filters import threshold_otsu
    from sklearn.cluster import KMeans

    check_box_mode(box_mode, refine_solver)
    sal = np.asarray(saliency, np.float64)
    h, w = sal.shape
    img = np.asarray(image, np.float64).reshape(h, w, -1)
    sal = _minmax(sal)
    sal = _minmax(gaussian_filter(sal, sigma))**power
    if np.ptp(sal) == 0:
        return np.repeat(whole_image_box(h, w), num_parts, axis=0)
    mask = sal > threshold_otsu(sal)
    if not mask.any():
        mask = sal >= sal.max()
    whole = mask_box(mask)
    ys, xs = np.nonzero(mask)
    feats = np.concatenate([np.stack([ys, xs, sal[ys, xs]], 1), img[ys, xs]],
                           1)
    lo, span = feats.min(0), np.ptp(feats, 0)
    feats = (feats - lo) / np.where(span > 0, span, 1)
    k = min(num_parts, len(ys))
    peaks = peak_local_max(
        np.where(mask, sal, 0), num_peaks=k, exclude_border=False)
    init_idx = [
        int(np.flatnonzero((ys == y) & (xs == x))[0]) for y, x in peaks
    ]
    for i in np.argsort(-sal[ys, xs], kind='stable'):  # fill up to k
        if len(init_idx) >= k:
            break
        if i not in init_idx:
            init_idx.append(int(i))
    labels = KMeans(
        n_clusters=k, init=feats[init_idx], n_init=1,
        random_state=seed).fit_predict(feats)
    total = sal[ys, xs].sum()
    side = min_size * min(h, w)

    def part_box(cm):
        box = _enlarge(mask_box(cm), side, h, w)
        if box_mode == 'tight':
            return box
        return _enlarge(
            refine_box(np.where(cm, sal, 0.), box, refine_solver),
            max(side, 1.), h, w)

    boxes, whole_box = [], None
    for c in range(num_parts):
        sel = labels == c
        if not sel.any():
            if whole_box is None:
                whole_box = whole if box_mode == 'tight' else part_box(mask)
            boxes.append(np.append(whole_box, 0.))
            continue
        cm = np.zeros_like(mask)
        cm[ys[sel], xs[sel]] = True
        boxes.append(
            np.append(part_box(cm), sal[ys[sel], xs[sel]].sum() / total))
    boxes = np.asarray(boxes, np.float32)
    return boxes[np.argsort(-boxes[:, 4], kind='stable')]


BOX_MODES = ('refine', 'tight')
REFINE_SOLVERS = ('lbfgs', 'exhaustive')


def check_box_mode(box_mode: str, refine_solver: str = 'lbfgs') -> None:
    """One clear line for an unknown ``box_mode`` / ``refine_solver``."""
    if box_mode not in BOX_MODES:
        raise ConfigError(f'CS-parts box_mode={box_mode!r}: choose one of '
                          f'{", ".join(BOX_MODES)}')
    if refine_solver not in REFINE_SOLVERS:
        raise ConfigError(
            f'CS-parts refine_solver={refine_solver!r}: choose one of '
            f'{", ".join(REFINE_SOLVERS)}')


def refine_box(weights: np.ndarray,
               box: ArrayLike,
               solver: str = 'lbfgs') -> np.ndarray:
    """The public code's box refinement (module docstring, step 5).

    Args:
        weights (ndarray): ``(H, W)`` saliency of the cluster's pixels (0
            elsewhere), values in [0, 1].
        box (array): ``(4,)`` the search area ``x1, y1, x2, y2`` (the
            cluster's box grown to the minimum size), in pixels.
        solver (str): ``'lbfgs'`` or ``'exhaustive'``.

    Returns:
        ndarray: float32 ``(4,)`` the refined box inside the search area
        (the search area itself when it holds no weight).
    """
    from scipy.optimize import Bounds, minimize
    H, W = weights.shape
    bx0, by0 = max(int(np.floor(box[0])), 0), max(int(np.floor(box[1])), 0)
    bx1, by1 = min(int(np.ceil(box[2])), W), min(int(np.ceil(box[3])), H)
    area = np.asarray(weights[by0:by1, bx0:bx1], np.float64)
    h, w = area.shape
    total = area.sum()
    if h == 0 or w == 0 or total <= 0:
        return np.asarray(box, np.float32)[:4]
    # zero-padded integral image: S[y, x] = area[:y, :x].sum()
    S = np.zeros((h + 1, w + 1))
    S[1:, 1:] = area.cumsum(0).cumsum(1)
    if solver == 'exhaustive':
        # every (top, bottom) and (left, right) edge pair with top < bottom
        ey, ex = _edges(h), _edges(w)
        ay, by = (ey[i] for i in np.triu_indices(len(ey), 1))
        ax, bx = (ex[i] for i in np.triu_indices(len(ex), 1))
        # mass (P_y, P_x) of rows ay:by, columns ax:bx
        mass = (
            S[np.ix_(by, bx)] - S[np.ix_(ay, bx)] - S[np.ix_(by, ax)] +
            S[np.ix_(ay, ax)])
        bh = (by - ay).astype(np.float64)[:, None]
        bw = (bx - ax).astype(np.float64)[None, :]
        score = mass / total * (np.minimum(bh, bw) / np.maximum(bh, bw))
        best = score.max()
        size = np.where(score >= best - 1e-9 * max(best, 1.), bh * bw, np.inf)
        i, j = np.unravel_index(int(np.argmin(size)), size.shape)
        y0, y1, x0, x1 = ay[i], by[i], ax[j], bx[j]
    else:
        scaler = np.array([h, w, h, w], np.float64)

        def neg_objective(v):
            y0, x0, y1, x1 = (int(t) for t in v * scaler)
            y1, x1 = min(y1, h), min(x1, w)
            y0, x0 = min(y0, y1), min(x0, x1)
            bh, bw = y1 - y0, x1 - x0
            if max(bh, bw) == 0:
                return 0.
            ratio = min(bh, bw) / max(bh, bw)
            mass = S[y1, x1] - S[y0, x1] - S[y1, x0] + S[y0, x0]
            return -mass / total * ratio

        res = minimize(
            neg_objective,
            x0=np.array([.25, .25, .75, .75]),
            bounds=Bounds(0, 1),
            options=dict(eps=1e-2, gtol=1e-1))
        y0, x0, y1, x1 = res.x * scaler
        y0, y1 = sorted((y0, y1))
        x0, x1 = sorted((x0, x1))
    return np.array([bx0 + x0, by0 + y0, bx0 + x1, by0 + y1], np.float32)


def _edges(n, max_edges=33):
    """Candidate box edges ``0..n`` of an ``n``-pixel side: every pixel
    edge up to ``max_edges``, else ``max_edges`` evenly spaced ones."""
    if n + 1 <= max_edges:
        return np.arange(n + 1)
    return np.unique(np.round(np.linspace(0, n, max_edges)).astype(int))


def _minmax(x):
    span = np.ptp(x)
    return (x - x.min()) / span if span > 0 else np.zeros_like(x)


def _enlarge(box, side, h, w):
    """Grow ``box`` around its centre to sides >= ``side`` (kept inside the
    ``h x w`` image)."""
    x1, y1, x2, y2 = (float(v) for v in box)
    for lo, hi, limit, i in ((x1, x2, w, 0), (y1, y2, h, 1)):
        need = min(side, limit) - (hi - lo)
        if need > 0:
            lo, hi = lo - need / 2, hi + need / 2
            shift = max(0., -lo) - max(0., hi - limit)
            lo, hi = lo + shift, hi + shift
        if i == 0:
            x1, x2 = lo, hi
        else:
            y1, y2 = lo, hi
    return np.array([x1, y1, x2, y2], np.float32)


@PROPOSAL_GENERATORS.register_module()
class CSParts:
    """CS-parts of a classifier (see the module docstring).

    Args:
        model (BaseModel): the fine-tuned classifier (eval mode).
        feature_layer (str, optional): module whose output is pooled into
            the features (default: ``model.extract_feat``).
        num_parts (int): K (4 in the paper).
        svm_c (float): the L1 ``LinearSVC`` C (0.1 in the paper).
        sigma (float): blur in pixels of the model input (paper: 5 at 427).
        power (float): power correction (0.7).
        min_size (float): smallest box side, fraction of the input side
            (paper: 64 / 427 = 0.15).
        seed (int): random state of the SVM solver (liblinear shuffles
            its coordinates) and of k-means.
        box_mode (str): ``'refine'`` (default: the public code's box
            refinement, saliency recall x aspect ratio inside each
            cluster's box) or ``'tight'`` (the cluster's tight box grown to
            ``min_size``, the earlier rule); module docstring, step 5.
        refine_solver (str): ``'lbfgs'`` (default: the public code's
            search from the centre half) or ``'exhaustive'`` (the global
            maximum of the same objective).

    Call :meth:`fit` (features + labels of training images) before use;
    after a call ``last_pred`` holds the SVM's predicted classes ``(B,)``
    and ``last_saliency`` the raw saliency ``(B, H, W)``.
    """

    def __init__(self,
                 model: nn.Module,
                 feature_layer: Optional[str] = None,
                 num_parts: int = 4,
                 svm_c: float = 0.1,
                 sigma: float = 5.,
                 power: float = 0.7,
                 min_size: float = 64 / 427,
                 seed: int = 0,
                 box_mode: str = 'refine',
                 refine_solver: str = 'lbfgs') -> None:
        check_box_mode(box_mode, refine_solver)
        self.model = model
        self.feature_layer = feature_layer
        self.num_parts = num_parts
        self.svm_c = svm_c
        self.sigma = sigma
        self.power = power
        self.min_size = min_size
        self.seed = seed
        self.box_mode = box_mode
        self.refine_solver = refine_solver
        self.svm = None
        self.last_pred = self.last_saliency = None

    def features(self, inputs: torch.Tensor) -> np.ndarray:
        """``(B, D)`` pooled features (no grad), numpy."""
        with torch.no_grad():
            return pooled_features(self.model, inputs,
                                   self.feature_layer).cpu().numpy()

    def fit(self, features: ArrayLike, labels: ArrayLike) -> 'CSParts':
        """Fit the L1 linear SVM on ``(N, D)`` features and ``(N,)``
        labels of training images; returns self."""
        from sklearn.svm import LinearSVC
        labels = np.asarray(labels)
        if len(np.unique(labels)) < 2:
            raise ConfigError('CSParts.fit needs images of at least 2 '
                              'classes')
        self.svm = LinearSVC(
            penalty='l1',
            dual=False,
            C=self.svm_c,
            max_iter=5000,
            random_state=self.seed)
        self.svm.fit(np.asarray(features, np.float64), labels)
        return self

    def save_svm(self, path: str) -> None:
        """Write the fitted SVM (``coef_ (C', D)``, ``intercept_ (C',)``,
        ``classes_ (C,)``) to ``path`` as a numpy ``.npz`` (numbers only:
        loaded with ``allow_pickle=False``)."""
        if self.svm is None:
            raise ConfigError('CSParts.save_svm: fit the SVM first')
        with open(path, 'wb') as f:
            np.savez(
                f,
                coef=self.svm.coef_,
                intercept=self.svm.intercept_,
                classes=self.svm.classes_)

    def load_svm(self, path: str) -> 'CSParts':
        """Load an SVM written by :meth:`save_svm` (numeric arrays only,
        ``allow_pickle=False``); returns self."""
        from sklearn.svm import LinearSVC
        try:
            with np.load(path, allow_pickle=False) as data:
                coef, intercept, classes = (data['coef'], data['intercept'],
                                            data['classes'])
        except (OSError, ValueError, KeyError) as exc:
            raise ConfigError(
                f'CS-parts SVM file {path} is not an .npz written by '
                f'CSParts.save_svm (coef, intercept, classes): {exc}; '
                'write it with tools/proposals/pseudo_boxes.py --method '
                'cs-parts --save-svm') from None
        if coef.ndim != 2 or intercept.shape != coef.shape[:1] or \
                len(classes) < 2:
            raise ConfigError(
                f'CS-parts SVM file {path}: coef {coef.shape}, intercept '
                f'{intercept.shape}, classes {classes.shape} do not make a '
                'linear SVM (coef (C, D), intercept (C,), >= 2 classes)')
        svm = LinearSVC(penalty='l1', dual=False, C=self.svm_c)
        svm.coef_, svm.intercept_, svm.classes_ = coef, intercept, classes
        svm.n_features_in_ = coef.shape[1]
        self.svm = svm
        return self

    @property
    def class_weights(self) -> np.ndarray:
        """``(num_classes, D)`` SVM weights (one row per class, also for
        two classes)."""
        coef = self.svm.coef_
        if coef.shape[0] == 1:  # binary: one row for classes_[1]
            coef = np.concatenate([-coef, coef])
        return coef

    def selected(self, cls: int) -> np.ndarray:
        """Indices of the features selected for class index ``cls``
        (non-zero weight; the largest-|weight| one if none)."""
        wts = self.class_weights[cls]
        idx = np.flatnonzero(wts != 0)
        return idx if len(idx) else np.array([int(np.argmax(np.abs(wts)))])

    def saliency(self, inputs: torch.Tensor) -> Tuple[np.ndarray, np.ndarray]:
        """Raw saliency ``(B, H, W)`` for the SVM's predicted classes and
        the predictions ``(B,)`` (class indices of ``svm.classes_``)."""
        if self.svm is None:
            raise ConfigError('CSParts: call fit(features, labels) on '
                              'training images first')
        x = inputs.detach().clone().requires_grad_(True)
        feats = pooled_features(self.model, x, self.feature_layer)
        pred = self.svm.decision_function(feats.detach().cpu().numpy().astype(
            np.float64))
        pred = (pred > 0).astype(int) if pred.ndim == 1 else pred.argmax(1)
        mask = torch.zeros_like(feats)
        for i, c in enumerate(pred):
            mask[i, torch.as_tensor(self.selected(c))] = 1
        (feats * mask).sum().backward()
        sal = x.grad.abs().mean(dim=1)
        return sal.cpu().numpy(), pred

    def __call__(self, inputs: torch.Tensor,
                 images: Union[torch.Tensor, np.ndarray]) -> List[np.ndarray]:
        """K boxes per image of ``inputs`` (normalised, ``(B, C, H, W)``);
        ``images`` the same before normalisation (colour features)."""
        sal, pred = self.saliency(inputs)
        self.last_pred, self.last_saliency = pred, sal
        imgs = torch.as_tensor(images).float().permute(0, 2, 3, 1).numpy()
        # one thread: k-means of a few hundred pixels is ~10x slower with
        # OpenMP threads fighting over shared cores
        with threadpool_limits(limits=1):
            return [
                saliency_to_parts(s, im, self.num_parts, self.sigma,
                                  self.power, self.min_size, self.seed,
                                  self.box_mode, self.refine_solver)
                for s, im in zip(sal, imgs)
            ]
