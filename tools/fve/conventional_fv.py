"""The conventional Fisher-vector pipeline of the FVE paper (Sec. 4.4,
Fig. 3): local part features of a trained two-stream model's part CNN,
PCA, a diagonal GMM fitted offline (scikit-learn), Fisher vectors with
power + L2 normalisation, LinearSVC; one accuracy per K (library:
mmfg/analysis/fisher_vector.py).

    python tools/fve/conventional_fv.py CONFIG CHECKPOINT \
        [--components 1 2 5 10 20 50] [--train-images N] [--test-images N] \
        [--pca-dim D] [--gmm-samples N] [--svm-c C] [--no-feature-mask] \
        [--json out.json] [--device cpu] [--cfg-options ...]

The training images are the first N of the train split in dataset order
(no shuffling), with the test pipeline; the test images the first N of
the test split (all by default).
"""
import argparse
import json
import time

import torch
from mmengine.config import DictAction

from mmfg.utils import register_all_modules, run_with_clear_errors


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('config', help='a two-stream part config (local stream)')
    p.add_argument('checkpoint')
    p.add_argument(
        '--components', type=int, nargs='+', default=[1, 2, 5, 10, 20, 50])
    p.add_argument('--train-images', type=int, help='first N train images')
    p.add_argument('--test-images', type=int, help='first N test images')
    p.add_argument('--pca-dim', type=int, help='PCA dimensions (default: all)')
    p.add_argument('--gmm-samples', type=int, default=100000)
    p.add_argument('--svm-c', type=float, default=1.0)
    p.add_argument('--seed', type=int, default=0)
    p.add_argument(
        '--no-feature-mask',
        action='store_true',
        help='keep all local features (default: the FVE norm rule)')
    p.add_argument('--batch-size', type=int, default=256)
    p.add_argument('--json', help='write the numbers to this file')
    p.add_argument(
        '--device', default='cuda' if torch.cuda.is_available() else 'cpu')
    p.add_argument('--cfg-options', nargs='+', action=DictAction)
    return p.parse_args(argv)


def _loader(cfg, split_loader, batch_size):
    from mmengine.runner import Runner
    loader_cfg = cfg[split_loader].copy()
    loader_cfg.dataset = cfg[split_loader].dataset.copy()
    loader_cfg.dataset.pipeline = cfg.test_dataloader.dataset.pipeline
    loader_cfg.sampler = dict(type='DefaultSampler', shuffle=False)
    loader_cfg.batch_size = batch_size
    loader_cfg.num_workers = 0
    loader_cfg.persistent_workers = False
    loader_cfg.pop('worker_init_fn', None)
    return Runner.build_dataloader(loader_cfg)


def main(argv=None):
    args = parse_args(argv)
    register_all_modules()
    from mmfg.analysis.fisher_vector import (extract_local_features,
                                             run_conventional)
    from mmfg.apis.model import init_model
    from mmfg.utils import ConfigError
    model = init_model(
        args.config,
        args.checkpoint,
        device=args.device,
        cfg_options=args.cfg_options)
    if getattr(model, 'local_backbone', None) is None:
        raise ConfigError(f'{args.config}: the model has no part CNN '
                          '(local_backbone); give a two-stream part config')
    t0 = time.time()
    mask = not args.no_feature_mask
    train = extract_local_features(
        model, _loader(model.cfg, 'train_dataloader', args.batch_size),
        args.train_images, mask)
    test = extract_local_features(
        model, _loader(model.cfg, 'test_dataloader', args.batch_size),
        args.test_images, mask)
    print(f'features of {len(train[0])} train / {len(test[0])} test images '
          f'in {time.time() - t0:.0f} s')
    results = run_conventional(
        *train,
        *test,
        components=args.components,
        pca_dim=args.pca_dim,
        gmm_samples=args.gmm_samples,
        svm_c=args.svm_c,
        seed=args.seed)
    if args.json:
        with open(args.json, 'w') as f:
            json.dump(
                dict(
                    config=args.config,
                    checkpoint=args.checkpoint,
                    train_images=len(train[0]),
                    test_images=len(test[0]),
                    pca_dim=args.pca_dim,
                    feature_mask=mask,
                    results={
                        str(k): v
                        for k, v in results.items()
                    }),
                f,
                indent=1)


if __name__ == '__main__':
    run_with_clear_errors(main)
