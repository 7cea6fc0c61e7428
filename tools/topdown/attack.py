"""Adversarial robustness of (Top-Down) classifiers: accuracy against the L2
size of the perturbation (Lelekas et al., "Top-Down Networks", Sec. 4.2).

    python tools/topdown/attack.py CONFIG CKPT [--compare CONFIG CKPT ...]
        [--attacks gaussian blur shift ...] [--epsilons 0 0.5 1 ...]
        [--scale {all,0,1,2}] [--num-samples N] [--repeats R]
        [--attack-options deepfool.steps=20 ...] [--out-dir DIR]

The attacks are Foolbox 3's (``pip install foolbox``; the paper used
Foolbox 2) plus a spatial and a shift grid attack (rotations /
translations, as Foolbox 2's ``SpatialAttack``), run on the test images
after the config's test pipeline, in ``[0, 1]`` pixel space (bounds
``(0, 1)``) through the model's own data preprocessor
(``mmfg.analysis.UnitImageClassifier``), with the library's default
parameters unless ``--attack-options`` says otherwise. The default
``--attacks`` are the reference code's (additive / blended noise, blur,
pointwise, contrast reduction, salt-and-pepper, spatial, shift); the
gradient attacks (``fgm``, ``pgd``, ``bim``, ``deepfool``, ``cw``, ``ddn``)
are an extra of this implementation, not the paper's protocol.

Protocol (the paper's "minimum required perturbation"):

* every attack gives, per image, the smallest L2 distance ``d`` at which it
  found an adversarial image: a minimisation attack (DeepFool, C&W, DDN,
  blur, salt & pepper, pointwise, boundary, blended noise) runs once without
  bound and ``d`` is the L2 norm of its perturbation; a fixed-size attack
  (FGM, PGD, BIM, additive noise, contrast reduction) runs at every
  ``--epsilons`` value and ``d`` is the norm of its smallest successful
  perturbation; spatial / shift try every transform of their grid and keep
  the smallest adversarial one. Stochastic attacks run ``--repeats`` times
  (default 3, as the paper) and the smallest ``d`` wins;
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

The logic lives in :mod:`mmfg.analysis.robustness`; this is its command
line.
"""
import argparse
import json
import os
import os.path as osp

from mmfg.analysis.robustness import (ALIASES, ATTACKS, DEFAULT_ATTACKS,
                                      DEFAULT_EPSILONS, TRANSFORM_ATTACKS,
                                      robustness_benchmark)
from mmfg.utils import run_with_clear_errors
from mmfg.visualization import plot_accuracy_loss


def parse_args(argv=None):
    parser = argparse.ArgumentParser(
        description='Accuracy vs L2 perturbation size under Foolbox attacks',
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog='attacks: ' + '; '.join(f'{k} ({v[3]})'
                                       for k, v in ATTACKS.items()) + '; ' +
        '; '.join(f'{k} ({v[1]})' for k, v in TRANSFORM_ATTACKS.items()) +
        '; aliases: ' + ', '.join(f'{k}={v}' for k, v in ALIASES.items()))
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint of that model')
    parser.add_argument(
        '--compare',
        nargs=2,
        action='append',
        default=[],
        metavar=('CONFIG', 'CKPT'),
        help='another model to attack on the same images '
        '(repeatable); all models share one plot')
    parser.add_argument(
        '--attacks',
        nargs='+',
        default=list(DEFAULT_ATTACKS),
        help='attack names (default: %(default)s)')
    parser.add_argument(
        '--epsilons',
        nargs='+',
        type=float,
        default=list(DEFAULT_EPSILONS),
        help='L2 sizes (pixels in [0, 1]) at which accuracy '
        'is reported; 0 is always added')
    parser.add_argument(
        '--scale',
        default='all',
        help="'all' (default) or the index of the one TD "
        'input scale to perturb (0 = finest)')
    parser.add_argument(
        '--num-samples',
        type=int,
        default=1000,
        help='attack the first N test images (default '
        '%(default)s)')
    parser.add_argument(
        '--repeats',
        type=int,
        default=3,
        help='runs of each stochastic attack; the smallest '
        'perturbation wins (paper: 3)')
    parser.add_argument('--batch-size', type=int, default=128)
    parser.add_argument(
        '--attack-options',
        nargs='+',
        default=[],
        metavar='ATTACK.ARG=VALUE',
        help='Foolbox constructor arguments, e.g. '
        'deepfool.steps=20 cw.steps=200')
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument(
        '--device',
        default=None,
        help='cpu or cuda (default: cuda when available)')
    parser.add_argument('--out-dir', default='work_dirs/topdown_attack')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    pairs = [(args.config, args.checkpoint)] + [tuple(p) for p in args.compare]
    result = robustness_benchmark(
        pairs,
        attacks=args.attacks,
        epsilons=args.epsilons,
        scale=args.scale,
        num_samples=args.num_samples,
        repeats=args.repeats,
        batch_size=args.batch_size,
        attack_options=args.attack_options,
        seed=args.seed,
        device=args.device)
    os.makedirs(args.out_dir, exist_ok=True)
    json_path = osp.join(args.out_dir, 'attack.json')
    with open(json_path, 'w') as f:
        json.dump(result, f, indent=2)
    png_path = osp.join(args.out_dir, 'attack.png')
    plot_accuracy_loss(result, png_path)
    print(f'wrote {json_path} and {png_path}')
    return result


if __name__ == '__main__':
    run_with_clear_errors(main)
