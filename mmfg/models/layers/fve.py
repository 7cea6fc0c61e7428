"""GMM and Fisher-vector encoding layers (Korsch et al., "End-to-end
Learning of a Fisher Vector Encoding for Part Features in Fine-grained
Recognition", Sec. 3 and supplement S1-S3).

A diagonal Gaussian mixture with ``K`` components is estimated on the fly from
the mini-batches of a training run (Sec. 3.2) and the (masked) set of local
features of every image is encoded with the Fisher vector of that mixture
(Sec. 3.3). The statistics are buffers (saved in checkpoints, never touched by
an optimizer); gradients reach the inputs through the encoding only.

Where each choice comes from:

From the paper

* one E-step (eq. 1, from the current estimate) and one M-step
  (eqs. 3-5, summed over the features of the mini-batch) per training forward,
  then an exponential moving average with weight ``decay`` = lambda on the old
  estimate (eqs. 6-8) and the Adam-style bias correction (eq. 9);
  lambda = 0.9 is the paper's value ("best and most stable");
* the encoding, eqs. 13-14: soft assignments ``w``, ``z = (x - mu) / sigma``,
  mean scores ``sum_n w z`` and variance scores ``sum_n w (z^2 - 1)``; the
  normaliser printed there is ``1 / sqrt(N_I alpha_k)`` (and
  ``1 / sqrt(2 N_I alpha_k)``): ``normalization='sqrt_count'``;
* the input gradients are eqs. 15-17 (here: autograd; the tests compare);
* the feature mask of Sec. 3.4 (:func:`fve_feature_mask`): local features
  whose L2 norm exceeds the mean norm of all local features of the image
  (we keep ties, ``>=``), used both for the estimation and for the encoding;
* the output is the concatenation of all scores, ``2 K D`` values; no power
  or L2 normalisation.

From the authors' public scripts (facts only; their code is AGPL and none of
it is used here)

* initialisation ``mu ~ U(-K, K)`` (``U(-1, 1)`` for ``K = 1``), ``var = 1``,
  ``alpha = 1 / K``; their scripts use lambda = 0.99 (the paper 0.9);
* the normaliser ``1 / (N_I sqrt(alpha_k))`` (and
  ``1 / (N_I sqrt(2 alpha_k))``), the usual Fisher-vector average over the
  ``N_I`` features of the image: ``normalization='count'``, the default.

Our choices (documented, tested)

* **Layout** (the project's interface): all ``K D`` mean scores first, then
  all ``K D`` variance scores, each block ``k``-major (index ``k D + d``).
* **Init scale.** ``init_range`` and ``seed`` make the authors' init
  adjustable and reproducible: on data much smaller than ``U(-K, K)`` and
  unit variances (supplement S3's circle of radius 1) EM, mini-batch or not,
  mostly ends in a local optimum from that init (see the S3 test).
* **Update order.** In a training forward the soft assignments of the E-step
  are computed from the estimate *before* this step's update (the "current
  estimate"); the same assignments feed the M-step and the returned
  assignments / encoding, so the output of a training step depends on the
  previous batches only, and eval mode returns what the layer would have
  used for the same input in training. The statistics are updated after
  the encoding, without autograd.
* **Statistics as buffers.** ``mu (K, D)``, ``var (K, D)`` (variances),
  ``alpha (K,)`` and the update count ``t`` (0-dim int64); the buffers hold the
  bias-corrected estimate ``S_t = (l S_{t-1} (1 - l^(t-1)) + (1 - l) new) /
  (1 - l^t)``, which equals eq. 9 applied to the plain EMA of eqs. 6-8 and is
  a convex combination of the batch estimates; the first update replaces the
  initial values. ``sigma`` is a read-only property.
* **Variance floor** (``var_floor``, default 1e-2 on the variance): applied
  to the M-step variance of every batch, so the stored estimate stays an exact
  EMA of floored batch variances and is itself >= the floor.
* **Near-empty components.** Eqs. 4-5 are evaluated with the responsibilities
  of each component normalised over the batch in log space
  (``w_nk / N_k = softmax_n(log w_nk)``), so a component whose assignments
  underflow still gets a finite weighted mean (a convex combination of the
  batch features) and variance, never ``0 / 0``; its ``alpha`` is ``N_k / N``
  (possibly 0). Where ``alpha`` is divided by (the normalisers) it is clamped
  at ``alpha_eps`` (1e-8), where its log is taken at the dtype's smallest
  normal number, so scores stay finite.
* **Masks.** Masked features take part in nothing: not in the E/M-steps,
  not in the counts ``N_I``, not in the scores (their values are replaced by
  zeros first, so even non-finite masked values are harmless); their
  returned assignments are 0. A fully masked sample gives a zero encoding. A
  batch without any unmasked feature leaves the estimate (and ``t``)
  unchanged.
* **Precision.** All GMM and encoding maths run with autocast disabled, in
  the input dtype promoted to at least float32 (float16 / bfloat16 features
  of an ``--amp`` run are cast to float32; the output is float32 then), so
  ``--amp`` neither overflows the squared distances (2048-d features with
  variances near the floor exceed float16's range) nor flips assignments
  (bfloat16). The per-feature products (the E-step, the encoding and the
  M-step sums over the ``M = B N`` features, ``(K, M) @ (M, D)``) stay in
  that dtype; the K-sized reductions (the log responsibility totals
  ``log N_k``, the feature count) and the K x D statistics after the sums
  (variance ``E[(x - c)^2] - E[x - c]^2``, the combination over processes,
  the EMA) use float64, except on Apple MPS (no float64: float32). Squared
  distances of the E-step are expanded (``x^2 / var - 2 x mu / var +
  mu^2 / var``) after subtracting a constant centre (the mean of the
  component means), which keeps the memory at ``O(B N (K + D))`` instead of
  ``O(B N K D)``; the M-step sums are centred at the batch's mean feature.
* **Non-finite updates are skipped.** An update whose new statistics are not
  all finite (non-finite input features, overflow) leaves ``mu``, ``var``,
  ``alpha`` and ``t`` unchanged, so one bad batch cannot poison the mixture
  for good; the output of that forward may still be non-finite. The skips
  are counted in the non-persistent buffer ``skipped_updates`` on the device
  (no host synchronisation in the step) and reported with a warning at the
  next ``train()`` / ``eval()`` call (e.g. when validation starts).
* **No host synchronisation.** Masked features get zero responsibility (no
  compaction of the valid rows), an empty batch and the bias correction
  (from the update count ``t``) are handled with tensor operations.
* **Processes** (``sync_stats=True``, the default; like SyncBN). The paper
  fits one GMM on the whole mini-batch (Sec. 3.2, eqs. 3-9). Under
  ``torch.distributed`` with more than one process, a training forward
  gathers every process's statistics of its part of the batch (feature
  count, ``log N_k``, weighted means and variances per component:
  ``K (2 D + 1) + 1`` numbers) with one ``all_gather`` and combines them
  (weights ``N_k`` per process, law of total variance), so every process
  applies the same update, equal (to rounding) to a single process on the
  concatenated batch. Before the first synchronised update the statistics
  are broadcast once from rank 0, so all processes start from the same
  estimate whatever their seeds. Every process must then run the same
  number of training forwards (as DDP requires). ``sync_stats=False``:
  each process fits its own mixture (the behaviour of BatchNorm without
  SyncBN).
"""
import contextlib
import math
import warnings
from typing import Optional

import torch
import torch.distributed as dist
import torch.nn.functional as F
from mmengine.model import BaseModule

from mmfg.registry import MODELS

_NORMALIZATIONS = ('count', 'sqrt_count')


def _assume_constant_result(fn):
    """``torch.compiler.assume_constant_result`` where it exists (torch >=
    2.1): the device check below is then no graph break."""
    compiler = getattr(torch, 'compiler', None)
    deco = getattr(compiler, 'assume_constant_result', None)
    return fn if deco is None else deco(fn)


@_assume_constant_result
def _autocast_available(device_type: str) -> bool:
    check = getattr(torch.amp, 'is_autocast_available', None)  # newer torch
    if check is None:
        return device_type in ('cpu', 'cuda', 'xpu', 'mps', 'hpu')
    return check(device_type)


def _autocast_off(device_type: str):
    """A context without autocast for ``device_type`` (a no-op for device
    types without autocast)."""
    if _autocast_available(device_type):
        return torch.autocast(device_type=device_type, enabled=False)
    return contextlib.nullcontext()


def _stats_dtype(dtype: torch.dtype, device: torch.device) -> torch.dtype:
    """float64 for the K-sized statistics, float32 on devices without
    float64 (Apple MPS)."""
    if device.type == 'mps':
        return torch.promote_types(dtype, torch.float32)
    return torch.float64


def fve_feature_mask(feats: torch.Tensor,
                     valid: Optional[torch.Tensor] = None) -> torch.Tensor:
    """The feature mask of Sec. 3.4.

    A local feature is kept when its L2 norm is at least the mean L2 norm of
    all local features of the same image (all parts, all positions); the norms
    are computed on detached features. The paper writes "greater than"; we
    keep ties (``>=``), which keeps at least one feature of every image.

    Args:
        feats (Tensor): ``(B, N, D)`` local part features of each image
            (``N = P * H * W`` for ``P`` parts with ``H x W`` ConvMaps).
        valid (Tensor, optional): ``(B, N)`` bool, the features that exist
            (e.g. those of visible parts only): the mean norm is taken over
            them and the others are never kept. An image without any valid
            feature gets an all-False row. None = all features exist.

    Returns:
        Tensor: ``(B, N)`` bool, True = use the feature.
    """
    if feats.dim() != 3:
        raise ValueError(f'feats must be (B, N, D), got {tuple(feats.shape)}')
    norms = feats.detach().norm(dim=-1)
    if valid is None:
        return norms >= norms.mean(dim=1, keepdim=True)
    if valid.shape != feats.shape[:2]:
        raise ValueError(f'valid must be {tuple(feats.shape[:2])}, got '
                         f'{tuple(valid.shape)}')
    valid = valid.to(device=norms.device, dtype=torch.bool)
    norms = torch.where(valid, norms, norms.new_zeros(()))
    count = valid.sum(dim=1, keepdim=True).clamp_min(1)
    mean = norms.sum(dim=1, keepdim=True) / count
    return valid & (norms >= mean)


@MODELS.register_module()
class GMMLayer(BaseModule):
    """Diagonal GMM estimated with mini-batch EM (Sec. 3.2, eqs. 1-9).

    Args:
        in_channels (int): feature dimension ``D``.
        num_components (int): number of components ``K``.
        decay (float): EMA weight lambda on the old estimate (eqs. 6-8),
            ``0 <= decay < 1``. Defaults to 0.9 (the paper).
        var_floor (float): lower bound of the M-step variances.
            Defaults to 1e-2.
        init_range (float, optional): ``mu`` is initialised from
            ``U(-init_range, init_range)``; None = ``K`` (``1`` for ``K = 1``)
            as in the authors' scripts.
        seed (int, optional): seed of a private generator for the
            initialisation; None = the global torch RNG.
        alpha_eps (float): clamp of ``alpha`` where it is divided by.
            Defaults to 1e-8.
        sync_stats (bool): under ``torch.distributed`` with more than one
            process, combine the statistics of all processes' batches before
            each update (one ``all_gather`` of ``K (2 D + 1) + 1`` numbers),
            so every process holds the mixture of the whole batch.
            Defaults to True (no effect in a single process).
        init_cfg (dict, optional): as in :class:`mmengine.model.BaseModule`
            (the layer has no learnable weights; the statistics are
            initialised at construction).

    Buffers:
        mu ``(K, D)``, var ``(K, D)``, alpha ``(K,)``, t ``()`` int64
        (saved in checkpoints); skipped_updates ``()`` int64 (not saved).

    Shapes:
        ``forward(x (B, N, D), mask (B, N) bool or None) -> (B, N, K)`` soft
        assignments (eq. 1), 0 at masked features.
    """

    def __init__(self,
                 in_channels: int,
                 num_components: int,
                 decay: float = 0.9,
                 var_floor: float = 1e-2,
                 init_range: Optional[float] = None,
                 seed: Optional[int] = None,
                 alpha_eps: float = 1e-8,
                 sync_stats: bool = True,
                 init_cfg: Optional[dict] = None):
        super().__init__(init_cfg=init_cfg)
        if in_channels < 1 or num_components < 1:
            raise ValueError('in_channels and num_components must be >= 1')
        if not 0.0 <= decay < 1.0:
            raise ValueError(f'decay must be in [0, 1), got {decay}')
        if var_floor < 0:
            raise ValueError(f'var_floor must be >= 0, got {var_floor}')
        self.in_channels = in_channels
        self.num_components = num_components
        self.decay = float(decay)
        self.var_floor = float(var_floor)
        self.alpha_eps = float(alpha_eps)
        self.sync_stats = bool(sync_stats)
        if init_range is None:
            init_range = float(num_components if num_components > 1 else 1)
        self.init_range = float(init_range)
        K, D = num_components, in_channels
        self.register_buffer('mu', torch.zeros(K, D))
        self.register_buffer('var', torch.ones(K, D))
        self.register_buffer('alpha', torch.full((K, ), 1.0 / K))
        self.register_buffer('t', torch.zeros((), dtype=torch.long))
        self.register_buffer(
            'skipped_updates',
            torch.zeros((), dtype=torch.long),
            persistent=False)
        self._skips_reported = 0
        self._stats_broadcast = False
        self.reset_statistics(seed)

    @torch.no_grad()
    def reset_statistics(self, seed: Optional[int] = None) -> None:
        """Initial estimate: ``mu ~ U(-r, r)``, ``var = 1``, ``alpha = 1/K``,
        ``t = 0`` (the authors' scripts)."""
        gen = None
        if seed is not None:
            gen = torch.Generator(device='cpu')
            gen.manual_seed(seed)
        mu = torch.rand(self.mu.shape, generator=gen, dtype=torch.float64)
        mu = (2 * mu - 1) * self.init_range
        self.mu.copy_(mu.to(self.mu))
        self.var.fill_(1.0)
        self.alpha.fill_(1.0 / self.num_components)
        self.t.zero_()
        self._stats_broadcast = False

    @property
    def sigma(self) -> torch.Tensor:
        """Standard deviations ``(K, D)`` (read-only, ``sqrt(var)``)."""
        return self.var.sqrt()

    def extra_repr(self) -> str:
        return (f'in_channels={self.in_channels}, '
                f'num_components={self.num_components}, decay={self.decay}, '
                f'var_floor={self.var_floor}, sync_stats={self.sync_stats}')

    def train(self, mode: bool = True):
        """Set the mode; warn first if updates were skipped since the last
        report (non-finite statistics, see the module docstring)."""
        self._report_skipped_updates()
        return super().train(mode)

    def _report_skipped_updates(self) -> None:
        skipped = getattr(self, 'skipped_updates', None)
        if skipped is None or skipped.device.type == 'meta':
            return
        n = int(skipped)  # once per train() / eval(), not per step
        if n > self._skips_reported:
            warnings.warn(
                f'{type(self).__name__}: {n - self._skips_reported} GMM '
                'update(s) skipped because the new statistics were not '
                f'finite ({n} in all); mu, var, alpha and t were left '
                'unchanged. Check the input features (inf / nan, e.g. an '
                'overflow under --amp).',
                RuntimeWarning,
                stacklevel=2)
        self._skips_reported = n

    def _sync_world_size(self) -> int:
        """Number of processes whose statistics are combined (1 = none)."""
        if not (self.training and self.sync_stats and dist.is_available()
                and dist.is_initialized()):
            return 1
        return dist.get_world_size()

    @torch.no_grad()
    def _broadcast_statistics(self) -> None:
        """Once, before the first synchronised update: rank 0's estimate
        to all processes (their initial estimates may differ when their
        seeds do)."""
        for buf in (self.mu, self.var, self.alpha, self.t):
            dist.broadcast(buf, src=0)
        self._stats_broadcast = True

    # ------------------------------------------------------------------
    # helpers
    def _prepare(self, x: torch.Tensor, mask: Optional[torch.Tensor]):
        """Check shapes; return (x with masked rows zeroed, float mask, the
        statistics snapshot in the compute dtype, centre)."""
        if x.dim() != 3 or x.shape[-1] != self.in_channels:
            raise ValueError(f'x must be (B, N, {self.in_channels}), '
                             f'got {tuple(x.shape)}')
        dtype = torch.promote_types(x.dtype, torch.float32)
        x = x.to(dtype)
        if mask is None:
            m = x.new_ones(x.shape[:2])
        else:
            if mask.shape != x.shape[:2]:
                raise ValueError(f'mask must be {tuple(x.shape[:2])}, '
                                 f'got {tuple(mask.shape)}')
            mask = mask.to(device=x.device, dtype=torch.bool)
            x = torch.where(mask[..., None], x, x.new_zeros(()))
            m = mask.to(dtype)
        # A snapshot: the update after the encoding must not modify tensors
        # that autograd saved for the backward pass.
        mu = self.mu.detach().to(dtype).clone()
        var = self.var.detach().to(dtype).clone()
        alpha = self.alpha.detach().to(dtype).clone()
        centre = mu.mean(dim=0)
        return x, m, (mu, var, alpha), centre

    @staticmethod
    def _log_joint(xc: torch.Tensor, xc2: torch.Tensor, muc: torch.Tensor,
                   var: torch.Tensor, alpha: torch.Tensor) -> torch.Tensor:
        """``log(alpha_k p_k(x_n))``, ``(B, N, K)``, eq. 2 (``xc``, ``muc``
        are centred by the same constant, ``xc2 = xc * xc``)."""
        prec = 1.0 / var
        quad = xc2 @ prec.t() - 2.0 * (xc @ (muc * prec).t())
        quad = (quad + (muc * muc * prec).sum(dim=1)).clamp_min(0)
        D = var.shape[1]
        log_norm = 0.5 * (D * math.log(2 * math.pi) + var.log().sum(dim=1))
        log_alpha = alpha.clamp_min(torch.finfo(alpha.dtype).tiny).log()
        return log_alpha - log_norm - 0.5 * quad

    def _e_step(self, x: torch.Tensor, mask: Optional[torch.Tensor]):
        """E-step (eq. 1) from the current estimate; also returns the
        centred features ``xc`` and ``xc * xc`` for the encoding."""
        x, m, (mu, var, alpha), centre = self._prepare(x, mask)
        xc = x - centre
        xc2 = xc * xc
        log_w = F.log_softmax(
            self._log_joint(xc, xc2, mu - centre, var, alpha), dim=-1)
        return x, m, xc, xc2, (mu, var, alpha), centre, log_w

    @torch.no_grad()
    def _batch_statistics(self, x: torch.Tensor, m: torch.Tensor,
                          log_w: torch.Tensor, sdtype: torch.dtype):
        """This process's sufficient statistics for eqs. 3-5.

        Args:
            x (Tensor): ``(B, N, D)`` features (masked rows zero).
            m (Tensor): ``(B, N)`` float mask.
            log_w (Tensor): ``(B, N, K)`` log assignments (eq. 1).
            sdtype (torch.dtype): dtype of the returned statistics.

        Returns:
            tuple: ``count ()`` (unmasked features), ``log_nk (K,)``
            (``log sum_n w_nk`` over the unmasked features, ``-inf`` when
            there are none), ``mean (K, D)`` and ``var (K, D)`` (the
            component's weighted mean and variance of the features, zeros
            when there are no features).
        """
        D, K = x.shape[-1], log_w.shape[-1]
        xf = x.detach().reshape(-1, D)
        valid = m.reshape(-1, 1) > 0
        lw = log_w.detach().reshape(-1, K)
        # masked rows get zero responsibility (no compaction: no host sync)
        lw = lw.masked_fill(~valid, float('-inf'))
        count = m.sum().to(sdtype)
        log_nk = torch.logsumexp(lw.to(sdtype), dim=0)  # (K,)
        # responsibilities normalised per component in log space:
        # w_nk / N_k, exact even when all w_nk underflow
        r = torch.exp(lw - log_nk.to(lw.dtype))
        r = torch.where(valid, r, r.new_zeros(()))  # 0, not nan, if empty
        # sums centred at the batch mean (masked rows of x are zero)
        mf = m.reshape(1, -1)
        c = (mf @ xf)[0] / mf.sum().clamp_min(1)
        xc = xf - c
        m1 = (r.t() @ xc).to(sdtype)  # eq. 4, centred
        m2 = (r.t() @ (xc * xc)).to(sdtype)
        return count, log_nk, m1 + c.to(sdtype), m2 - m1 * m1  # eq. 5

    @torch.no_grad()
    def _gather_statistics(self, count, log_nk, mean, var, world: int):
        """Combine the statistics of all ``world`` processes (one
        ``all_gather``): the counts add up, ``N_k`` add up (in log space),
        the means are averaged with weights ``N_k`` and the variances by the
        law of total variance, i.e. the statistics of the concatenated
        batch."""
        K, D = mean.shape
        packed = torch.cat(
            [count.reshape(1), log_nk,
             mean.reshape(-1),
             var.reshape(-1)])
        out = packed.new_empty(world * packed.numel())
        dist.all_gather_into_tensor(out, packed)
        out = out.view(world, -1)
        counts = out[:, 0]
        log_nks = out[:, 1:K + 1]  # (W, K)
        means = out[:, K + 1:K + 1 + K * D].reshape(world, K, D)
        vars_ = out[:, K + 1 + K * D:].reshape(world, K, D)
        log_nk = torch.logsumexp(log_nks, dim=0)
        wts = torch.exp(log_nks - log_nk)[..., None]  # (W, K, 1)
        mean = (wts * means).sum(dim=0)
        var = (wts * (vars_ + (means - mean).square())).sum(dim=0)
        return counts.sum(), log_nk, mean, var

    @torch.no_grad()
    def _update(self,
                x: torch.Tensor,
                m: torch.Tensor,
                log_w: torch.Tensor,
                world: int = 1) -> None:
        """M-step (eqs. 3-5) on the unmasked features (of all processes
        when ``world > 1``) + bias-corrected EMA (eqs. 6-9).
        ``x (B, N, D)``, ``m (B, N)``, ``log_w (B, N, K)``.

        Without host synchronisation: a batch without unmasked features and
        an update with non-finite statistics leave the estimate and ``t``
        unchanged through ``torch.where``."""
        sdtype = _stats_dtype(x.dtype, x.device)
        count, log_nk, mu_new, var_new = self._batch_statistics(
            x, m, log_w, sdtype)
        if world > 1:
            count, log_nk, mu_new, var_new = self._gather_statistics(
                count, log_nk, mu_new, var_new, world)
        alpha_new = torch.exp(log_nk) / count  # eq. 3
        var_new = var_new.clamp_min(self.var_floor)  # (nan stays nan)
        finite = (
            torch.isfinite(mu_new).all() & torch.isfinite(var_new).all()
            & torch.isfinite(alpha_new).all())
        ok = (count > 0) & finite

        # S_t = (l S_{t-1} (1 - l^{t-1}) + (1 - l) new) / (1 - l^t)
        t = (self.t + 1).to(sdtype)
        lam = self.decay
        denom = 1.0 - torch.pow(lam, t)
        a = lam * (1.0 - torch.pow(lam, t - 1)) / denom
        b = (1.0 - lam) / denom
        new_stats = dict(mu=mu_new, var=var_new, alpha=alpha_new)
        for name, new in new_stats.items():
            buf = getattr(self, name)
            old = buf.to(sdtype)
            # A new tensor, not buf.copy_(): under torch.compile the
            # backward may read the buffer the forward's snapshot came from
            # (a clone is cheap to recompute), and an in-place update would
            # change that input behind its back (wrong gradients).
            setattr(self, name,
                    torch.where(ok, a * old + b * new, old).to(buf.dtype))
        self.t.add_(ok.to(self.t.dtype))
        self.skipped_updates.add_(((count > 0) & ~finite).to(torch.long))

    # ------------------------------------------------------------------
    def forward(self,
                x: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Soft assignments ``(B, N, K)`` (eq. 1) from the current estimate;
        in training mode the estimate is then updated (detached). The
        output is float32 for float16 / bfloat16 input."""
        world = self._sync_world_size()
        if world > 1 and not self._stats_broadcast:
            self._broadcast_statistics()
        with _autocast_off(x.device.type):
            x, m, _, _, _, _, log_w = self._e_step(x, mask)
            if self.training:
                self._update(x, m, log_w, world)
            return log_w.exp() * m[..., None]


@MODELS.register_module()
class FVELayer(GMMLayer):
    """Fisher-vector encoding layer (Sec. 3.3, eqs. 13-14) on a GMM estimated
    with mini-batch EM (:class:`GMMLayer`).

    Args:
        normalization (str): ``'count'`` (default): scores divided by
            ``N_I sqrt(alpha_k)`` (mean) and ``N_I sqrt(2 alpha_k)``
            (variance), the usual Fisher-vector average used by the authors'
            scripts; ``'sqrt_count'``: divided by ``sqrt(N_I alpha_k)`` and
            ``sqrt(2 N_I alpha_k)``, eqs. 13-14 as printed. ``N_I`` is the
            number of unmasked features of the image.
        means_only (bool): return only the mean scores (eq. 13).
        **kwargs: see :class:`GMMLayer`.

    Shapes:
        ``forward(x (B, N, D), mask (B, N) bool or None)`` ->
        ``(B, 2 K D)``: index ``k * D + d`` holds ``F_mu[k, d]`` and
        ``K D + k * D + d`` holds ``F_sigma[k, d]``; ``(B, K D)`` with
        ``means_only=True``.
    """

    def __init__(self,
                 in_channels: int,
                 num_components: int,
                 decay: float = 0.9,
                 normalization: str = 'count',
                 means_only: bool = False,
                 **kwargs):
        super().__init__(in_channels, num_components, decay=decay, **kwargs)
        if normalization not in _NORMALIZATIONS:
            raise ValueError(f'normalization must be one of {_NORMALIZATIONS}'
                             f', got {normalization!r}')
        self.normalization = normalization
        self.means_only = means_only

    @property
    def out_channels(self) -> int:
        """Length of the encoding: ``K D`` or ``2 K D``."""
        n = self.num_components * self.in_channels
        return n if self.means_only else 2 * n

    def extra_repr(self) -> str:
        return (super().extra_repr() +
                f', normalization={self.normalization!r}, '
                f'means_only={self.means_only}')

    def forward(self,
                x: torch.Tensor,
                mask: Optional[torch.Tensor] = None) -> torch.Tensor:
        """Fisher vector ``(B, 2 K D)`` of each sample's unmasked features
        (eqs. 13-14) from the current estimate; in training mode the estimate
        is then updated (detached). The output is float32 for float16 /
        bfloat16 input (autocast is disabled inside)."""
        world = self._sync_world_size()
        if world > 1 and not self._stats_broadcast:
            self._broadcast_statistics()
        with _autocast_off(x.device.type):
            return self._encode(x, mask, world)

    def _encode(self, x: torch.Tensor, mask: Optional[torch.Tensor],
                world: int) -> torch.Tensor:
        x, m, xc, xc2, (mu, var, alpha), centre, log_w = self._e_step(x, mask)
        w = log_w.exp() * m[..., None]  # (B, N, K)
        muc = mu - centre  # (K, D)
        s0 = w.sum(dim=1)  # (B, K)
        s1 = torch.einsum('bnk,bnd->bkd', w, xc)
        # sum_n w (x - mu) / sigma
        f_mu = (s1 - s0[..., None] * muc) / var.sqrt()
        count = m.sum(dim=1).clamp_min(1.0)[:, None, None]  # (B, 1, 1)
        a = alpha.clamp_min(self.alpha_eps)[None, :, None]
        if self.normalization == 'count':
            norm = count * a.sqrt()
        else:
            norm = (count * a).sqrt()
        out = [(f_mu / norm).flatten(1)]
        if not self.means_only:
            s2 = torch.einsum('bnk,bnd->bkd', w, xc2)
            # sum_n w ((x - mu)^2 / var - 1)
            f_var = (s2 - 2.0 * muc * s1 + muc * muc * s0[..., None]) / var
            f_var = f_var - s0[..., None]
            out.append((f_var / (norm * math.sqrt(2.0))).flatten(1))
        if self.training:
            self._update(x, m, log_w, world)
        return torch.cat(out, dim=1)
