"""Adversarial robustness of (Top-Down) classifiers: accuracy against the L2
size of the perturbation (Lelekas et al., "Top-Down Networks", Sec. 4.2).

The attacks are Foolbox 3's (``pip install foolbox``; the paper used
Foolbox 2), run on ``[0, 1]`` images (bounds ``(0, 1)``) through the
model's own data preprocessor (:class:`UnitImageClassifier`), with the
library's default parameters unless options say otherwise, plus the spatial
and shift attacks (:class:`TransformGridAttack`, a grid search over
rotations / translations as Foolbox 2's ``SpatialAttack``, which Foolbox 3
no longer minimises).

The reference code (giannislelekas/topdown, ``run_adversarial_attacks.py``)
evaluates decision-based attacks: additive / blended noise, Gaussian blur,
pointwise, contrast reduction, salt-and-pepper, spatial and shift, no
gradient attack; those are :data:`DEFAULT_ATTACKS`, repeated 3 times by
default. The gradient attacks (FGM, PGD, BIM, DeepFool, C&W, DDN) are an
extra of this implementation, not the paper's protocol.

Protocol (the paper's "minimum required perturbation"):

* every attack gives, per image, the smallest L2 distance ``d`` at which it
  found an adversarial image: a minimisation attack (DeepFool, C&W, DDN,
  blur, salt & pepper, pointwise, boundary, blended noise) runs once without
  bound and ``d`` is the L2 norm of its perturbation; a fixed-size attack
  (FGM, PGD, BIM, additive noise, contrast reduction) runs at every epsilon
  and ``d`` is the norm of its smallest successful perturbation; spatial /
  shift try every transform of their grid and ``d`` is the L2 norm of the
  smallest adversarial one (transformed image minus original). Stochastic
  attacks run ``repeats`` times and the smallest ``d`` wins (the paper
  repeats 3 times and keeps the worst case);
* images the model already misclassifies have ``d = 0``; images never
  fooled have ``d = inf``;
* ``accuracy(eps) = mean(d > eps)`` over the ``N`` images: by construction
  non-increasing in ``eps``, and at ``eps = 0`` the clean accuracy.

Single input scale (Top-Down networks; paper Fig. 5): with ``scale=k`` the
attack perturbs only input scale ``k`` (0 = the finest); the other scales
see the clean image, and ``d`` is still measured on the full-resolution
image. With ``scale='all'`` and a TD model, the record also holds the
paper's Fig. 5 ablation (``single_scale_transfer``): each attack's minimal
adversarial images, found against the whole network, fed to one scale at a
time (the other scales clean), and the accuracy that results.
"""
import ast
import sys
import time

import numpy as np
import torch

from mmfg.utils.errors import ConfigError
from .unit_classifier import UnitImageClassifier, model_name, predict_labels

DEFAULT_EPSILONS = (0., 0.1, 0.2, 0.3, 0.5, 0.75, 1., 1.5, 2., 3., 4., 5.)

#: name: (foolbox class name, default kwargs, stochastic?, description)
ATTACKS = {
    'fgm': ('L2FastGradientAttack', {}, False,
            'fast gradient method (the L2 version of FGSM)'),
    'pgd': ('L2ProjectedGradientDescentAttack', {}, True,
            'projected gradient descent, random start'),
    'bim': ('L2BasicIterativeAttack', {}, False, 'basic iterative method'),
    'deepfool': ('L2DeepFoolAttack', {}, False, 'DeepFool'),
    'cw': ('L2CarliniWagnerAttack', {}, False,
           'Carlini & Wagner (slow with the default 10,000 steps)'),
    'ddn': ('DDNAttack', {}, False, 'decoupled direction and norm'),
    'gaussian':
    ('L2AdditiveGaussianNoiseAttack', {}, True, 'additive Gaussian noise'),
    'uniform':
    ('L2AdditiveUniformNoiseAttack', {}, True, 'additive uniform noise'),
    'repeated-gaussian': ('L2RepeatedAdditiveGaussianNoiseAttack', {}, True,
                          'additive Gaussian noise, repeated'),
    'contrast': ('L2ContrastReductionAttack', {}, False, 'contrast reduction'),
    'blur': ('GaussianBlurAttack', {
        'distance': 'l2'
    }, False, 'Gaussian blur (minimal sigma)'),
    'salt-and-pepper':
    ('SaltAndPepperNoiseAttack', {}, True, 'salt and pepper noise'),
    'blended-uniform': ('LinearSearchBlendedUniformNoiseAttack', {
        'distance': 'l2'
    }, True, 'blended uniform noise'),
    'pointwise': ('PointwiseAttack', {}, True,
                  'pointwise (needs an initial adversarial; slow)'),
    'boundary': ('BoundaryAttack', {}, True,
                 'boundary attack (slow with the default 25,000 steps)'),
}
ALIASES = {'fgsm': 'fgm', 's&p': 'salt-and-pepper', 'snp': 'salt-and-pepper'}
#: the reference code's attacks (noise, blur, pointwise, contrast,
#: salt-and-pepper, spatial, shift)
DEFAULT_ATTACKS = ('gaussian', 'uniform', 'blended-uniform', 'blur',
                   'pointwise', 'contrast', 'salt-and-pepper', 'spatial',
                   'shift')
#: attacks of this implementation only (not the paper's protocol)
GRADIENT_ATTACKS = ('fgm', 'pgd', 'bim', 'deepfool', 'cw', 'ddn')


class TransformGridAttack:
    """Spatial / shift attack: every rotation x translation of a grid (as
    Foolbox 2's ``SpatialAttack``, defaults max. translation 3 px in 5
    steps per axis, max. rotation 30 degrees in 5 steps; the reference's
    "shift" attack is the same without rotations), applied with bilinear
    sampling and zero fill; per image the adversarial transform with the
    smallest L2 distance to the original wins.

    Args:
        max_translation (float): pixels.
        num_translations (int): values per axis in [-max, max].
        max_rotation (float): degrees.
        num_rotations (int): values in [-max, max] (``do_rotations=False``:
            only 0).
        do_rotations (bool): False for the shift attack.
    """

    def __init__(self,
                 max_translation=3.,
                 num_translations=5,
                 max_rotation=30.,
                 num_rotations=5,
                 do_rotations=True):
        self.translations = np.linspace(-max_translation, max_translation,
                                        num_translations)
        self.rotations = (
            np.linspace(-max_rotation, max_rotation, num_rotations)
            if do_rotations else np.zeros(1))

    @staticmethod
    def transform(images, angle, tx, ty):
        """``images`` rotated by ``angle`` degrees about the centre and
        shifted by ``(tx, ty)`` pixels (bilinear, zeros outside)."""
        n, _, h, w = images.shape
        a = np.deg2rad(angle)
        theta = torch.tensor(
            [[np.cos(a), -np.sin(a) * h / w, -2. * tx / w],
             [np.sin(a) * w / h, np.cos(a), -2. * ty / h]],
            dtype=images.dtype,
            device=images.device)
        grid = torch.nn.functional.affine_grid(
            theta.expand(n, 2, 3), list(images.shape), align_corners=False)
        return torch.nn.functional.grid_sample(
            images,
            grid,
            mode='bilinear',
            padding_mode='zeros',
            align_corners=False)

    def minimal(self, model, images, labels):
        """``(d, adversarials)`` as :func:`minimal_perturbations`."""
        best = torch.full((len(images), ), float('inf'))
        best_adv = images.detach().cpu().clone()
        with torch.no_grad():
            for angle in self.rotations:
                for tx in self.translations:
                    for ty in self.translations:
                        if angle == 0 and tx == 0 and ty == 0:
                            continue
                        adv = self.transform(images, angle, tx, ty)
                        fooled = (model(adv).argmax(1) != labels).cpu()
                        adv = adv.cpu()
                        dist = l2_distance(adv, images.cpu())
                        better = fooled & (dist < best)
                        best = torch.where(better, dist, best)
                        best_adv[better] = adv[better]
        return best, best_adv


#: our transform attacks: name -> (constructor kwargs, description)
TRANSFORM_ATTACKS = {
    'spatial': ({}, 'rotations (+-30 deg) and translations (+-3 px), grid'),
    'shift': ({
        'do_rotations': False
    }, 'translations (+-3 px), grid'),
}


def resolve_attacks(names, options=()):
    """Foolbox attack objects.

    Args:
        names (Sequence[str]): keys of :data:`ATTACKS` or :data:`ALIASES`.
        options (Sequence[str]): constructor arguments
            ``'ATTACK.ARG=VALUE'`` (values parsed as Python literals).

    Returns:
        list: ``[(name, foolbox attack, stochastic)]``.

    Raises:
        ConfigError: unknown names or options.
    """
    import foolbox as fb

    kwargs = {}
    for opt in options:
        key, sep, value = opt.partition('=')
        attack, dot, arg = key.partition('.')
        attack = ALIASES.get(attack, attack)
        if not sep or not dot or attack not in set(ATTACKS) | set(
                TRANSFORM_ATTACKS):
            raise ConfigError(f'--attack-options expects ATTACK.ARG=VALUE '
                              f'with ATTACK in {sorted(ATTACKS)}, got '
                              f'{opt!r}')
        try:
            value = ast.literal_eval(value)
        except (ValueError, SyntaxError):
            pass
        kwargs.setdefault(attack, {})[arg] = value
    out = []
    for name in names:
        key = ALIASES.get(name.lower(), name.lower())
        if key in TRANSFORM_ATTACKS:
            args = dict(TRANSFORM_ATTACKS[key][0], **kwargs.get(key, {}))
            try:
                out.append((key, TransformGridAttack(**args), False))
            except TypeError as exc:
                raise ConfigError(
                    f'{key}: bad --attack-options ({exc})') from None
            continue
        if key not in ATTACKS:
            raise ConfigError(f'unknown attack {name!r}; choose from '
                              f'{sorted(ATTACKS) + sorted(TRANSFORM_ATTACKS)} '
                              f'(aliases {ALIASES})')
        cls_name, defaults, stochastic, _ = ATTACKS[key]
        args = dict(defaults, **kwargs.get(key, {}))
        if args.get('distance') == 'l2':
            args['distance'] = fb.distances.l2
        try:
            attack = getattr(fb.attacks, cls_name)(**args)
        except TypeError as exc:
            raise ConfigError(f'{key}: bad --attack-options ({exc})') from None
        out.append((key, attack, stochastic))
    return out


def l2_distance(a, b):
    """Per-image L2 norm of ``a - b`` (both ``(N, ...)``) -> ``(N,)``."""
    return (a - b).flatten(1).norm(dim=1)


def minimal_perturbations(fmodel, attack, images, labels, epsilons):
    """Per image: the L2 size of the smallest adversarial found and that
    adversarial image.

    Minimisation attacks run once without bound; fixed-size attacks run at
    every positive epsilon.

    Args:
        fmodel (foolbox.PyTorchModel): the model, bounds ``(0, 1)``.
        attack: a Foolbox attack.
        images (Tensor): ``(N, C, H, W)`` in ``[0, 1]``.
        labels (Tensor): ``(N,)``.
        epsilons (Sequence[float]): L2 sizes for fixed-size attacks.

    Returns:
        tuple: ``d`` ``(N,)`` (``inf`` when not fooled) and the adversarial
        images ``(N, C, H, W)`` (the clean image when not fooled), on the CPU.
    """
    import foolbox as fb

    if isinstance(attack, TransformGridAttack):
        return attack.minimal(fmodel, images, labels)
    n = len(images)
    best = torch.full((n, ), float('inf'))
    if isinstance(attack, fb.attacks.base.MinimizationAttack):
        raw, _, success = attack(fmodel, images, labels, epsilons=None)
        runs = [(raw, success, None)]
    else:
        eps = [e for e in epsilons if e > 0]
        _, clipped, success = attack(fmodel, images, labels, epsilons=eps)
        runs = list(zip(clipped, success, eps))
    images = images.detach().cpu()
    best_adv = images.clone()
    for adv, ok, eps in runs:
        adv = adv.detach().cpu()
        dist = l2_distance(adv, images)
        if eps is not None:
            # Foolbox projects onto the eps-sphere in float32: the recomputed
            # norm can exceed eps by ~1e-7, which would count a success at
            # eps as "not fooled at eps" (accuracy uses d > eps)
            dist = torch.clamp(dist, max=eps)
        better = ok.bool().cpu() & (dist < best)
        best = torch.where(better, dist, best)
        best_adv[better] = adv[better]
    return best, best_adv


def accuracy_curve(dist, epsilons):
    """``accuracy(eps) = mean(d > eps)`` (fractions) for ``d`` ``(N,)``."""
    return [float((dist > e).float().mean()) for e in epsilons]


def _check_scale(net, scale):
    if scale is None:
        return
    if net.scales is None:
        raise ConfigError('--scale needs a Top-Down model (mode td, '
                          'td_uni or td_rev): a BU network has a single '
                          'input scale; use --scale all')
    if not 0 <= scale < len(net.scales):
        raise ConfigError(f'--scale {scale}: the network has '
                          f'{len(net.scales)} input scales, 0..'
                          f'{len(net.scales) - 1} (factors {net.scales})')


def attack_model(model,
                 images,
                 labels,
                 attacks,
                 epsilons,
                 scale=None,
                 repeats=1,
                 batch_size=128,
                 device='cpu',
                 log=print):
    """All ``attacks`` on one model.

    Args:
        model (BaseModel): the classifier (with its data preprocessor).
        images (Tensor): ``(N, C, H, W)`` in ``[0, 1]``; labels ``(N,)``.
        attacks (list): :func:`resolve_attacks`'s output.
        epsilons (Sequence[float]): sorted, starting at 0.
        scale (int, optional): perturb only this TD input scale.
        repeats (int): runs of each stochastic attack.
        log (callable): progress lines.

    Returns:
        dict: ``clean_accuracy``, ``attacks`` (per attack: ``accuracy``,
        ``loss_in_accuracy`` at every epsilon, ``fooled_fraction``,
        ``median_l2``, ``mean_l2``, ``repeats``, ``seconds``); for TD models
        ``input_scale_factors`` and (``scale`` None) ``single_scale_transfer``.
    """
    import foolbox as fb

    net = UnitImageClassifier(model.to(device)).eval()
    _check_scale(net, scale)
    for p in net.parameters():
        p.requires_grad_(False)
    fmodel = fb.PyTorchModel(net, bounds=(0, 1), device=device)
    preds = predict_labels(net, images, batch_size, device)
    correct = preds == labels
    clean_acc = float(correct.float().mean())
    record = dict(clean_accuracy=clean_acc, attacks={})
    if net.scales is not None:
        record['input_scale_factors'] = net.scales
    transfer = {}
    for name, attack, stochastic in attacks:
        t0 = time.time()
        dist = torch.zeros(len(images))  # misclassified: d = 0
        idx_all = torch.nonzero(correct).flatten()
        hits = {}  # scale -> correct count after injecting at that scale
        runs = repeats if stochastic else 1
        for start in range(0, len(idx_all), batch_size):
            idx = idx_all[start:start + batch_size]
            x, y = images[idx].to(device), labels[idx].to(device)
            best = torch.full((len(idx), ), float('inf'))
            best_adv = x.cpu().clone()
            for _ in range(runs):
                if scale is not None:
                    net.perturb_one_scale(scale, x)
                try:
                    d, adv = minimal_perturbations(fmodel, attack, x, y,
                                                   epsilons)
                except (ValueError, AssertionError) as exc:
                    # e.g. decision-based attacks whose initial noise
                    # attack fails on every image
                    print(
                        f'warning: {name} failed on a batch '
                        f'({type(exc).__name__}: {exc}); counted as not '
                        'fooled',
                        file=sys.stderr)
                    d, adv = torch.full_like(best, float('inf')), x.cpu()
                finally:
                    net.perturb_all_scales()
                better = d < best
                best = torch.where(better, d, best)
                best_adv[better] = adv[better]
            dist[idx] = best
            if scale is None and net.scales is not None:
                with torch.no_grad():
                    for k in range(len(net.scales)):
                        net.perturb_one_scale(k, x)
                        ok = net(best_adv.to(device)).argmax(1) == y
                        net.perturb_all_scales()
                        hits[k] = hits.get(k, 0) + int(ok.sum())
                    ok = net(best_adv.to(device)).argmax(1) == y
                    hits['all'] = hits.get('all', 0) + int(ok.sum())
        acc = accuracy_curve(dist, epsilons)
        fooled = dist[correct]
        finite = fooled[torch.isfinite(fooled)]
        record['attacks'][name] = dict(
            accuracy=acc,
            loss_in_accuracy=[clean_acc - a for a in acc],
            fooled_fraction=float(torch.isfinite(fooled).float().mean())
            if len(fooled) else 0.,
            median_l2=float(finite.median()) if len(finite) else None,
            mean_l2=float(finite.mean()) if len(finite) else None,
            repeats=runs,
            seconds=round(time.time() - t0, 1))
        if hits:
            n = len(images)
            transfer[name] = {str(k): v / n for k, v in hits.items()}
            transfer[name]['none'] = clean_acc
        log(f'  {name:18s} accuracy ' +
            ' '.join(f'{e:g}:{100 * a:.1f}' for e, a in zip(epsilons, acc)) +
            f'  ({time.time() - t0:.0f} s)')
    if transfer:
        record['single_scale_transfer'] = dict(
            description='accuracy when the minimal adversarial images found '
            'against the whole network are fed to ONE input scale (key: '
            'scale index, 0 = finest) and the clean image to the others; '
            "'all' = every scale perturbed, 'none' = clean (paper Fig. 5)",
            results=transfer)
    return record


def robustness_benchmark(models,
                         attacks=DEFAULT_ATTACKS,
                         epsilons=DEFAULT_EPSILONS,
                         scale='all',
                         num_samples=1000,
                         repeats=3,
                         batch_size=128,
                         attack_options=(),
                         seed=0,
                         device=None,
                         log=print):
    """Attack every model on the same first ``num_samples`` test images of
    the first model's config (what ``tools/topdown/attack.py`` writes to
    ``attack.json``).

    Args:
        models (Sequence[tuple]): ``(config path, checkpoint)`` pairs.
        attacks (Sequence[str]): attack names (:data:`ATTACKS`).
        epsilons (Sequence[float]): L2 sizes; 0 is always added.
        scale (str | int): ``'all'`` or the TD input scale to perturb.
        num_samples (int): test images attacked.
        repeats (int): runs of each stochastic attack (the paper: 3).
        attack_options (Sequence[str]): ``'ATTACK.ARG=VALUE'``.
        seed (int): torch / numpy seed (re-set before every model).
        device (str, optional): default cuda when available.

    Returns:
        dict: ``epsilons``, ``scale`` (str), ``num_samples``, ``attacks``,
        ``foolbox_version`` and ``models`` (per model ``name``, ``config``,
        ``checkpoint`` and :func:`attack_model`'s record).
    """
    from mmfg.apis import init_model, load_samples
    from mmfg.apis.model import check_file

    pairs = [tuple(p) for p in models]
    for config, ckpt in pairs:  # fail fast, before the slow part
        check_file(config, 'config file')
        check_file(ckpt, 'checkpoint')
    scale = str(scale)
    if scale != 'all' and not scale.isdigit():
        raise ConfigError(f"--scale must be 'all' or a scale index, got "
                          f'{scale!r}')
    if repeats < 1:
        raise ConfigError('--repeats must be >= 1')
    try:
        import foolbox
    except ImportError:
        raise ConfigError('attack.py needs Foolbox 3: pip install foolbox '
                          '(see requirements/optional.txt)') from None
    resolved = resolve_attacks(attacks, attack_options)
    epsilons = sorted({0.} | {float(e) for e in epsilons})
    if epsilons[0] < 0:
        raise ConfigError('--epsilons must be >= 0')
    if device is None:
        device = 'cuda' if torch.cuda.is_available() else 'cpu'
    torch.manual_seed(seed)
    np.random.seed(seed)

    result = dict(
        epsilons=epsilons,
        scale=scale,
        num_samples=None,
        attacks=[a[0] for a in resolved],
        foolbox_version=foolbox.__version__,
        models=[])
    images = labels = None
    taken = set()
    for config, ckpt in pairs:
        model = init_model(config, ckpt)
        if images is None:
            images, labels = load_samples(model.cfg, num_samples)
            result['num_samples'] = len(images)
        name = model_name(config, taken)
        taken.add(name)
        log(f'{name}: {len(images)} test images')
        torch.manual_seed(seed)
        record = attack_model(
            model,
            images,
            labels,
            resolved,
            epsilons,
            scale=None if scale == 'all' else int(scale),
            repeats=repeats,
            batch_size=batch_size,
            device=device,
            log=log)
        result['models'].append(
            dict(name=name, config=config, checkpoint=ckpt, **record))
    return result
