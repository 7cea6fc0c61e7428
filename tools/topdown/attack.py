"""Adversarial robustness of (Top-Down) classifiers: accuracy against the L2
size of the perturbation (Lelekas et al., "Top-Down Networks", Sec. 4.2).

    python tools/topdown/attack.py CONFIG CKPT [--compare CONFIG CKPT ...]
        [--attacks fgm pgd deepfool ...] [--epsilons 0 0.5 1 ...]
        [--scale {all,0,1,2}] [--num-samples N] [--repeats R]
        [--attack-options deepfool.steps=20 ...] [--out-dir DIR]

The attacks are Foolbox 3's (``pip install foolbox``; the paper used
Foolbox too), run on the test images after the config's test pipeline, in
``[0, 1]`` pixel space (bounds ``(0, 1)``) through the model's own data
preprocessor (``_topdown_common.UnitImageClassifier``), with the library's
default parameters unless ``--attack-options`` says otherwise.

Protocol (as the paper's "minimum required perturbation"):

* every attack gives, per image, the smallest L2 distance ``d`` at which it
  found an adversarial image: a minimisation attack (DeepFool, C&W, DDN,
  blur, salt & pepper, pointwise, boundary, blended noise) runs once without
  bound and ``d`` is the L2 norm of its perturbation; a fixed-size attack
  (FGM, PGD, BIM, additive noise, contrast reduction) runs at every
  ``--epsilons`` value and ``d`` is the norm of its smallest successful
  perturbation. Stochastic attacks run ``--repeats`` times and the smallest
  ``d`` wins (the paper repeats 3 times and keeps the worst case);
* images the model already misclassifies have ``d = 0``; images never
  fooled have ``d = inf``;
* ``accuracy(eps) = mean(d > eps)`` over the ``N`` images: by construction
  non-increasing in ``eps``, and at ``eps = 0`` the clean accuracy. The plot
  shows the loss in accuracy ``clean - accuracy(eps)`` (paper Fig. 6).

Single input scale (Top-Down networks; paper Fig. 5): a TD backbone builds
its coarser inputs itself by blurring and subsampling the image. With
``--scale k`` the attack perturbs only input scale ``k`` (0 = the finest /
full resolution, 1 = the next, ...): the other scales see the clean image,
and ``d`` is still measured on the full-resolution image. With ``--scale
all`` (default) and a TD model, the JSON also holds the paper's Fig. 5
ablation (``single_scale_transfer``): each attack's minimal adversarial
images, found against the whole network, fed to one scale at a time (the
other scales clean), and the accuracy that results.

Outputs in ``--out-dir`` (default ``work_dirs/topdown_attack``):
``attack.json`` (per model and attack: accuracy at every epsilon, loss in
accuracy, median ``d``, ...) and ``attack.png`` (loss in accuracy vs L2,
one panel per attack, one curve per model).
"""
import argparse
import ast
import json
import os
import os.path as osp
import sys
import time

import numpy as np
import torch

sys.path.insert(0, osp.dirname(osp.abspath(__file__)))
from _topdown_common import (UnitImageClassifier, check_file,  # noqa: E402
                             load_classifier, load_samples, model_name,
                             predict)

from mmfg.utils import run_with_clear_errors  # noqa: E402
from mmfg.utils.errors import ConfigError  # noqa: E402

DEFAULT_EPSILONS = (0., 0.1, 0.2, 0.3, 0.5, 0.75, 1., 1.5, 2., 3., 4., 5.)

# name: (foolbox class name, default kwargs, stochastic?, description)
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
    'gaussian': ('L2AdditiveGaussianNoiseAttack', {}, True,
                 'additive Gaussian noise'),
    'uniform': ('L2AdditiveUniformNoiseAttack', {}, True,
                'additive uniform noise'),
    'repeated-gaussian': ('L2RepeatedAdditiveGaussianNoiseAttack', {}, True,
                          'additive Gaussian noise, repeated'),
    'contrast': ('L2ContrastReductionAttack', {}, False,
                 'contrast reduction'),
    'blur': ('GaussianBlurAttack', {'distance': 'l2'}, False,
             'Gaussian blur (minimal sigma)'),
    'salt-and-pepper': ('SaltAndPepperNoiseAttack', {}, True,
                        'salt and pepper noise'),
    'blended-uniform': ('LinearSearchBlendedUniformNoiseAttack',
                        {'distance': 'l2'}, True, 'blended uniform noise'),
    'pointwise': ('PointwiseAttack', {}, True,
                  'pointwise (needs an initial adversarial; slow)'),
    'boundary': ('BoundaryAttack', {}, True,
                 'boundary attack (slow with the default 25,000 steps)'),
}
ALIASES = {'fgsm': 'fgm', 's&p': 'salt-and-pepper', 'snp': 'salt-and-pepper'}
DEFAULT_ATTACKS = ('fgm', 'pgd', 'deepfool', 'gaussian')


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Accuracy vs L2 perturbation size under Foolbox attacks',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='attacks: ' + '; '.join(f'{k} ({v[3]})'
                                        for k, v in ATTACKS.items()) +
        '; aliases: ' + ', '.join(f'{k}={v}' for k, v in ALIASES.items()))
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint of that model')
    parser.add_argument('--compare', nargs=2, action='append', default=[],
                        metavar=('CONFIG', 'CKPT'),
                        help='another model to attack on the same images '
                        '(repeatable); all models share one plot')
    parser.add_argument('--attacks', nargs='+', default=list(DEFAULT_ATTACKS),
                        help='attack names (default: %(default)s)')
    parser.add_argument('--epsilons', nargs='+', type=float,
                        default=list(DEFAULT_EPSILONS),
                        help='L2 sizes (pixels in [0, 1]) at which accuracy '
                        'is reported; 0 is always added')
    parser.add_argument('--scale', default='all',
                        help="'all' (default) or the index of the one TD "
                        'input scale to perturb (0 = finest)')
    parser.add_argument('--num-samples', type=int, default=1000,
                        help='attack the first N test images (default '
                        '%(default)s)')
    parser.add_argument('--repeats', type=int, default=1,
                        help='runs of each stochastic attack; the smallest '
                        'perturbation wins (paper: 3)')
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument('--attack-options', nargs='+', default=[],
                        metavar='ATTACK.ARG=VALUE',
                        help='Foolbox constructor arguments, e.g. '
                        'deepfool.steps=20 cw.steps=200')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--device', default=None,
                        help='cpu or cuda (default: cuda when available)')
    parser.add_argument('--out-dir', default='work_dirs/topdown_attack')
    return parser.parse_args(argv)


# ----------------------------------------------------------------- attacks
def resolve_attacks(names, options):
    """``[(name, foolbox attack, stochastic)]``; unknown names and options
    are :class:`ConfigError`."""
    import foolbox as fb

    kwargs = {}
    for opt in options:
        key, sep, value = opt.partition('=')
        attack, dot, arg = key.partition('.')
        attack = ALIASES.get(attack, attack)
        if not sep or not dot or attack not in ATTACKS:
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
        if key not in ATTACKS:
            raise ConfigError(f'unknown attack {name!r}; choose from '
                              f'{sorted(ATTACKS)} (aliases {ALIASES})')
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


def l2(a, b):
    return (a - b).flatten(1).norm(dim=1)


def minimal_perturbations(fmodel, attack, images, labels, epsilons):
    """Per image: the L2 size of the smallest adversarial found (``inf``
    when none) and that adversarial image (the clean image when none).

    Minimisation attacks run once without bound; fixed-size attacks run at
    every positive epsilon."""
    import foolbox as fb

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
        dist = l2(adv, images)
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
    """``accuracy(eps) = mean(d > eps)`` (fractions)."""
    return [float((dist > e).float().mean()) for e in epsilons]


def attack_model(cfg, model, images, labels, attacks, args, epsilons):
    """All attacks on one model; returns its JSON record."""
    import foolbox as fb

    device = args.device
    net = UnitImageClassifier(model.to(device)).eval()
    scale = None if args.scale == 'all' else int(args.scale)
    if scale is not None:
        if net.scales is None:
            raise ConfigError('--scale needs a Top-Down model (mode td, '
                              'td_uni or td_rev): a BU network has a single '
                              'input scale; use --scale all')
        if not 0 <= scale < len(net.scales):
            raise ConfigError(f'--scale {scale}: the network has '
                              f'{len(net.scales)} input scales, 0..'
                              f'{len(net.scales) - 1} (factors {net.scales})')
    for p in net.parameters():
        p.requires_grad_(False)
    fmodel = fb.PyTorchModel(net, bounds=(0, 1), device=device)
    preds = predict(net, images, args.batch_size, device)
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
        repeats = args.repeats if stochastic else 1
        for start in range(0, len(idx_all), args.batch_size):
            idx = idx_all[start:start + args.batch_size]
            x, y = images[idx].to(device), labels[idx].to(device)
            best = torch.full((len(idx), ), float('inf'))
            best_adv = x.cpu().clone()
            for _ in range(repeats):
                if scale is not None:
                    net.perturb_one_scale(scale, x)
                try:
                    d, adv = minimal_perturbations(fmodel, attack, x, y,
                                                   epsilons)
                except (ValueError, AssertionError) as exc:
                    # e.g. decision-based attacks whose initial noise
                    # attack fails on every image
                    print(f'warning: {name} failed on a batch '
                          f'({type(exc).__name__}: {exc}); counted as not '
                          'fooled', file=sys.stderr)
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
            repeats=repeats,
            seconds=round(time.time() - t0, 1))
        if hits:
            n = len(images)
            transfer[name] = {
                str(k): v / n for k, v in hits.items()
            }
            transfer[name]['none'] = clean_acc
        print(f'  {name:18s} accuracy ' + ' '.join(
            f'{e:g}:{100 * a:.1f}' for e, a in zip(epsilons, acc)) +
              f'  ({time.time() - t0:.0f} s)')
    if transfer:
        record['single_scale_transfer'] = dict(
            description='accuracy when the minimal adversarial images found '
            'against the whole network are fed to ONE input scale (key: '
            'scale index, 0 = finest) and the clean image to the others; '
            "'all' = every scale perturbed, 'none' = clean (paper Fig. 5)",
            results=transfer)
    return record


def plot(result, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    names = list(result['models'][0]['attacks'])
    cols = min(len(names), 3)
    rows = (len(names) + cols - 1) // cols
    fig, axes = plt.subplots(rows, cols, figsize=(4.2 * cols, 3.4 * rows),
                             squeeze=False)
    eps = result['epsilons']
    for ax, name in zip(axes.flat, names):
        for m in result['models']:
            loss = [100 * v for v in m['attacks'][name]['loss_in_accuracy']]
            ax.plot(eps, loss, marker='o', ms=3,
                    label=f"{m['name']} ({100 * m['clean_accuracy']:.1f}%)")
        ax.set_title(name)
        ax.set_xlabel('L2 perturbation (pixels in [0, 1])')
        ax.set_ylabel('loss in accuracy (%)')
        ax.grid(alpha=0.3)
    for ax in list(axes.flat)[len(names):]:
        ax.axis('off')
    axes.flat[0].legend(fontsize=7)
    scale = result['scale']
    fig.suptitle('perturbing ' + ('all inputs' if scale == 'all' else
                                  f'TD input scale {scale} only'))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    args = parse_args(argv)
    pairs = [(args.config, args.checkpoint)] + [tuple(p) for p in args.compare]
    for config, ckpt in pairs:  # fail fast, before the slow part
        check_file(config, 'config file')
        check_file(ckpt, 'checkpoint')
    if args.scale != 'all' and not args.scale.isdigit():
        raise ConfigError(f"--scale must be 'all' or a scale index, got "
                          f'{args.scale!r}')
    if args.repeats < 1:
        raise ConfigError('--repeats must be >= 1')
    try:
        import foolbox  # noqa: F401
    except ImportError:
        raise ConfigError('attack.py needs Foolbox 3: pip install foolbox '
                          '(see requirements/optional.txt)') from None
    attacks = resolve_attacks(args.attacks, args.attack_options)
    epsilons = sorted({0.} | {float(e) for e in args.epsilons})
    if epsilons[0] < 0:
        raise ConfigError('--epsilons must be >= 0')
    if args.device is None:
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    torch.manual_seed(args.seed)
    np.random.seed(args.seed)

    result = dict(epsilons=epsilons, scale=args.scale,
                  num_samples=None, attacks=[a[0] for a in attacks],
                  foolbox_version=__import__('foolbox').__version__,
                  models=[])
    images = labels = None
    taken = set()
    for config, ckpt in pairs:
        cfg, model = load_classifier(config, ckpt)
        if images is None:
            images, labels = load_samples(cfg, args.num_samples)
            result['num_samples'] = len(images)
        name = model_name(config, taken)
        taken.add(name)
        print(f'{name}: {len(images)} test images')
        torch.manual_seed(args.seed)
        record = attack_model(cfg, model, images, labels, attacks, args,
                              epsilons)
        result['models'].append(
            dict(name=name, config=config, checkpoint=ckpt, **record))

    os.makedirs(args.out_dir, exist_ok=True)
    json_path = osp.join(args.out_dir, 'attack.json')
    with open(json_path, 'w') as f:
        json.dump(result, f, indent=2)
    png_path = osp.join(args.out_dir, 'attack.png')
    plot(result, png_path)
    print(f'wrote {json_path} and {png_path}')
    return result


if __name__ == '__main__':
    run_with_clear_errors(main)
