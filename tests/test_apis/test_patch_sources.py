"""Part/patch models on NEW images (mmfg.apis.patch_sources + FGInferencer):
the scores equal the dataset path's (the config's own dataset with a
proposal file holding the same boxes) for the same image and boxes, with
boxes from a detector, CAM boxes of a classifier, explicit boxes and a
proposal file; images given as arrays, as PNG files outside any dataset,
and a real photo; every method's tiny config predicts ONE image."""
import json
import os.path as osp

import cv2
import numpy as np
import pytest
import torch
from mmengine.dataset import pseudo_collate

from mmfg.apis import (ClassifierBoxes, DetectorBoxes, ExplicitBoxes,
                       FGInferencer, ProposalFileBoxes, WholeImageBox,
                       init_model, patch_source_from_args)
from mmfg.datasets.proposals import dump_proposal_file
from mmfg.registry import DATASETS
from mmfg.testing.idx_fixtures import make_mnist
from mmfg.utils import ConfigError, DataError
from ..conftest import REPO

CFGS = osp.join(REPO, 'configs')
FL = osp.join(CFGS, 'focus_longer',
              'focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-')
FL_PROPOSALS = FL + 'proposals.py'
FL_ROIALIGN = FL + 'proposals-roialign.py'
FL_GTBOX = FL + 'gtbox.py'
FVE_CSPARTS = osp.join(
    CFGS, 'fve', 'fve_lenetfc_1xb128_cluttered-fashion-mnist-csparts.py')
FVE_GTPARTS = osp.join(
    CFGS, 'fve', 'fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py')
GLOBAL = osp.join(CFGS, 'focus_longer',
                  'global_lenetfc_1xb128_cluttered-fashion-mnist-56.py')
RPN = osp.join(CFGS, 'proposals',
               'rpn_r18-tiny_fpn_1xb16-300it_cluttered-fashion-mnist-cam.py')
NUM = 4  # test canvases used


def save_random(config, path, seed=0, **cfg_options):
    torch.manual_seed(seed)
    model = init_model(config, cfg_options=cfg_options or None)
    torch.save({'state_dict': model.state_dict(), 'meta': {}}, path)
    return model


@pytest.fixture(scope='module')
def env(tmp_path_factory):
    """Fixture Fashion-MNIST (idx files), random-init checkpoints of the
    part models, the global classifier and the RPN, NUM test canvases."""
    tmp = tmp_path_factory.mktemp('patches')
    root = make_mnist(tmp / 'fmnist', images_per_class=1)['data_root']
    opts = {'test_dataloader.dataset.data_root': root}
    ckpts = {}
    for i, cfg in enumerate((FL_PROPOSALS, FL_ROIALIGN, FL_GTBOX, FVE_CSPARTS,
                             FVE_GTPARTS, GLOBAL)):
        ckpts[cfg] = str(tmp / f'{i}.pth')
        save_random(cfg, ckpts[cfg], seed=i)
    from mmdet.apis import init_detector
    from mmdet.utils import register_all_modules
    register_all_modules(init_default_scope=False)
    torch.manual_seed(0)
    det = init_detector(RPN, None, device='cpu')
    ckpts[RPN] = str(tmp / 'rpn.pth')
    torch.save({'state_dict': det.state_dict(), 'meta': {}}, ckpts[RPN])
    model = init_model(FL_PROPOSALS, cfg_options=opts)
    ds_cfg = model.cfg.test_dataloader.dataset.copy()
    ds_cfg.pop('proposal_file')
    ds = DATASETS.build(ds_cfg)
    infos = [ds.get_data_info(i) for i in range(NUM)]
    keys = [ds.proposal_key(info) for info in infos]
    canvases = [info['img'] for info in infos]
    paths = []
    for i, img in enumerate(canvases):  # the same canvases as files
        paths.append(str(tmp / f'canvas{i}.png'))
        cv2.imwrite(paths[-1], img)
    return dict(
        tmp=tmp,
        root=root,
        opts=opts,
        ckpts=ckpts,
        keys=keys,
        all_keys=[
            ds.proposal_key(ds.get_data_info(i)) for i in range(len(ds))
        ],
        canvases=canvases,
        paths=paths)


def dataset_scores(env, config, boxes, name):
    """Scores of the config's OWN test dataset (the first NUM canvases)
    given a proposal file with ``boxes`` per canvas (the dataset path)."""
    path = str(env['tmp'] / f'{name}.json')
    props = {k: np.zeros((0, 5), np.float32) for k in env['all_keys']}
    props.update(zip(env['keys'], boxes))
    dump_proposal_file(path, props, {k: (112, 112) for k in props})
    model = init_model(config, env['ckpts'][config], cfg_options=env['opts'])
    ds_cfg = model.cfg.test_dataloader.dataset.copy()
    ds_cfg.update(proposal_file=path, indices=NUM)
    ds = DATASETS.build(ds_cfg)
    with torch.no_grad():
        preds = model.test_step(pseudo_collate([ds[i] for i in range(NUM)]))
    return np.stack([p.pred_score.numpy() for p in preds])


def scores_of(results):
    return np.stack([r['pred_scores'] for r in results])


def random_boxes(num, seed=0, k=3):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(num):
        xy = rng.uniform(0, 70, (k, 2))
        wh = rng.uniform(10, 40, (k, 2))
        out.append(
            np.concatenate(
                [xy, xy + wh, rng.uniform(0, 1,
                                          (k, 1))], 1).astype(np.float32))
    return out


@pytest.mark.parametrize('config', [FL_PROPOSALS, FL_ROIALIGN, FVE_CSPARTS])
def test_explicit_boxes_equal_the_dataset_path(env, config):
    boxes = random_boxes(NUM, seed=1)
    want = dataset_scores(env, config, boxes, 'explicit')
    inf = FGInferencer(config, env['ckpts'][config], patches=boxes)
    got = inf(env['canvases'], batch_size=3, show_progress=False)
    np.testing.assert_allclose(scores_of(got), want, atol=1e-6)
    # boxes reported best first, the model's number of them
    k = inf.image_pipeline.num_patches
    for res, b in zip(got, boxes):
        best = b[np.argsort(-b[:, 4], kind='stable')][:k]
        np.testing.assert_allclose(res['patch_boxes'], best)
    # the same canvases as PNG files outside any dataset, keyed by path
    by_path = dict(zip(env['paths'], boxes))
    files = FGInferencer(
        config, env['ckpts'][config], patches=by_path)(
            env['paths'], batch_size=2, show_progress=False)
    np.testing.assert_allclose(scores_of(files), want, atol=1e-6)


def test_annotation_configs_take_the_source_boxes(env):
    """A ground-truth-box config (Focus-Longer gtbox: PartCrops on
    gt_bboxes) and a ground-truth-parts config (FVE gtparts: PartCrops on
    gt_keypoints) on new images crop the source's boxes, as their
    proposal-file variants do on the dataset."""
    boxes = random_boxes(NUM, seed=2, k=5)
    # gtbox: one patch, the best box = the proposals config's crop
    want = dataset_scores(env, FL_PROPOSALS, boxes, 'gtbox')
    gtbox = FGInferencer(FL_GTBOX, env['ckpts'][FL_PROPOSALS], patches=boxes)
    assert gtbox.patch_fields == {'gt_bboxes': 1}
    np.testing.assert_allclose(
        scores_of(gtbox(env['canvases'], show_progress=False)),
        want,
        atol=1e-6)
    # gtparts: 4 crops of the 4 best boxes (shuffled order unused here)
    want = dataset_scores(env, FVE_CSPARTS, boxes, 'gtparts')
    gtparts = FGInferencer(
        FVE_GTPARTS, env['ckpts'][FVE_CSPARTS], patches=boxes)
    assert gtparts.patch_fields == {'proposals': 4}
    np.testing.assert_allclose(
        scores_of(gtparts(env['canvases'], batch_size=4, show_progress=False)),
        want,
        atol=1e-6)


def test_detector_patches_equal_the_dataset_path(env):
    det = DetectorBoxes(RPN, env['ckpts'][RPN], num_boxes=10)
    boxes = det(env['canvases'], [None] * NUM)
    assert all(b.shape[1] == 5 and len(b) for b in boxes)
    for b in boxes:  # clipped, best first
        assert (b[:, :4] >= 0).all() and (b[:, 2:4] <= 112).all()
        assert (np.diff(b[:, 4]) <= 0).all()
    # the tool's path over a dataset gives the same boxes
    from mmfg.proposals.detector import detector_proposals
    ds_cfg = init_model(
        FL_PROPOSALS,
        cfg_options=env['opts']).cfg.test_dataloader.dataset.copy()
    ds_cfg.pop('proposal_file')
    ds_cfg['indices'] = NUM
    props, _, _, _ = detector_proposals(
        det.model, DATASETS.build(ds_cfg), progress=False)
    for key, b in zip(env['keys'], boxes):
        np.testing.assert_allclose(props[key], b, atol=1e-5)
    for config in (FL_PROPOSALS, FVE_CSPARTS):
        want = dataset_scores(env, config, boxes, 'detector')
        got = FGInferencer(
            config,
            env['ckpts'][config],
            patches=['detector', RPN, env['ckpts'][RPN]
                     ])(env['paths'], batch_size=4, show_progress=False)
        np.testing.assert_allclose(scores_of(got), want, atol=1e-6)


def test_cam_patches_equal_the_proposal_tools(env):
    cam = ClassifierBoxes(
        GLOBAL, env['ckpts'][GLOBAL], method='cam', num_boxes=4)
    boxes = cam(env['canvases'], [None] * NUM)
    # the proposal tools' path (run_generator over the dataset, boxes
    # mapped back with the pipeline's scale factor) gives the same boxes
    from mmfg.proposals.runner import run_generator
    ds_cfg = cam.model.cfg.test_dataloader.dataset.copy()
    ds_cfg.update(data_root=env['root'], indices=NUM)
    records = run_generator(
        cam.generator, cam.model, DATASETS.build(ds_cfg), progress=False)
    for rec, b in zip(records, boxes):
        np.testing.assert_allclose(rec['boxes'], b, atol=1e-4)
    # an image enlarged 2x (nearest) gives the same boxes x 2: the
    # mapping back goes through the inferencer's resize to the canvas
    big = [
        cv2.resize(im, (224, 224), interpolation=cv2.INTER_NEAREST)
        for im in env['canvases'][:2]
    ]
    for b2, b in zip(cam(big, [None] * 2), boxes):
        np.testing.assert_allclose(b2[:, :4], 2 * b[:, :4], atol=1e-3)
    for config in (FL_PROPOSALS, FVE_CSPARTS):  # 1 patch / 4 parts
        want = dataset_scores(env, config, boxes, 'cam')
        got = FGInferencer(
            config,
            env['ckpts'][config],
            patches=dict(
                type='cam',
                config=GLOBAL,
                checkpoint=env['ckpts'][GLOBAL],
                num_boxes=4))(
                    env['paths'], batch_size=2, show_progress=False)
        np.testing.assert_allclose(scores_of(got), want, atol=1e-6)


def test_a_real_photo_runs_with_every_source(env, tmp_path):
    """A photo (scikit-image's astronaut, 512x512 colour) through
    Focus-Longer and FVE with detector, CAM, file and whole-image patches:
    resized to the 112 canvas, boxes reported in the photo's pixels."""
    from skimage import data
    photo = str(tmp_path / 'astronaut.jpg')
    cv2.imwrite(photo, data.astronaut()[..., ::-1])
    props = str(tmp_path / 'props.json')
    dump_proposal_file(props, {'astronaut.jpg': [[100, 50, 400, 300, 0.9]]},
                       {'astronaut.jpg': (512, 512)})
    sources = [['detector', RPN, env['ckpts'][RPN]],
               ['cam', GLOBAL, env['ckpts'][GLOBAL]], ['file', props],
               ['whole']]
    for config in (FL_PROPOSALS, FVE_CSPARTS):
        for spec in sources:
            inf = FGInferencer(config, env['ckpts'][config], patches=spec)
            (res, ) = inf(photo, show_progress=False)
            assert res['pred_scores'].shape == (10, )
            assert abs(res['pred_scores'].sum() - 1) < 1e-5
            b = res['patch_boxes']
            assert 1 <= len(b) <= inf.image_pipeline.num_patches
            assert (b[:, :4] >= 0).all() and (b[:, 2:4] <= 512).all()
            if spec[0] == 'file':
                np.testing.assert_allclose(b, [[100, 50, 400, 300, 0.9]])
            if spec[0] == 'whole':
                np.testing.assert_allclose(b, [[0, 0, 512, 512, 1]])


def test_missing_or_wrong_patch_source_is_one_line(env, tmp_path):
    inf = FGInferencer(FL_PROPOSALS, env['ckpts'][FL_PROPOSALS])
    assert inf.needs_patches
    with pytest.raises(ConfigError) as err:
        inf(env['canvases'][0])
    msg = str(err.value)
    assert '\n' not in msg and 'dataset' not in msg
    assert all(
        k in msg
        for k in ('detector', 'cam', 'cs-parts', 'file', 'boxes', 'whole'))
    # a plain classifier takes no patch source
    with pytest.raises(ConfigError, match='takes no patch source'):
        FGInferencer(GLOBAL, env['ckpts'][GLOBAL], patches=['whole'])
    # the --patches grammar
    for tokens, match in ((['nope'], "unknown source 'nope'"),
                          (['detector',
                            RPN], 'takes 2 argument'), ([], 'unknown source')):
        with pytest.raises(ConfigError, match=match):
            patch_source_from_args(tokens)
    # a part model is not a classifier patch source; a detector config is
    # not a classifier
    with pytest.raises(ConfigError, match='is itself a part/patch model'):
        ClassifierBoxes(FL_PROPOSALS, env['ckpts'][FL_PROPOSALS])
    with pytest.raises(ConfigError, match='detector config'):
        FGInferencer(RPN, env['ckpts'][RPN])


def test_explicit_and_file_boxes_are_checked(env, tmp_path):
    img = env['canvases'][0]
    with pytest.raises(DataError, match='outside the 112x112'):
        ExplicitBoxes([[[0, 0, 120, 50]]])([img], [None])
    with pytest.raises(DataError, match=r'box 0 .* is not a box'):
        ExplicitBoxes([[[10, 10, 5, 50]]])([img], [None])
    with pytest.raises(DataError, match='given for 1 images'):
        ExplicitBoxes([[[0, 0, 10, 10]]])([img, img], [None, None])
    # 4 columns: the given order is the ranking
    (b, ) = ExplicitBoxes([[[0, 0, 10, 10], [5, 5, 50, 50]]])([img], [None])
    np.testing.assert_allclose(b[:, 4], [2, 1])
    # a proposal file: found by path or file name; sizes checked
    path = str(tmp_path / 'p.json')
    dump_proposal_file(path, {'sub/canvas0.png': [[1, 2, 30, 40, 0.5]]},
                       {'sub/canvas0.png': (112, 112)})
    src = ProposalFileBoxes(path)
    (b, ) = src([img], [env['paths'][0]])
    np.testing.assert_allclose(b, [[1, 2, 30, 40, 0.5]])
    with pytest.raises(DataError, match='no boxes for image'):
        src([img], [str(tmp_path / 'other.png')])
    with pytest.raises(DataError, match=r'\[h, w\] = \[112, 112\]'):
        src([img[:50]], [env['paths'][0]])
    boxes_json = str(tmp_path / 'b.json')
    with open(boxes_json, 'w') as f:
        json.dump({env['paths'][1]: [[0, 0, 20, 20]]}, f)
    (b, ) = patch_source_from_args(['boxes', boxes_json])([img],
                                                          [env['paths'][1]])
    np.testing.assert_allclose(b, [[0, 0, 20, 20, 1]])
    (b, ) = WholeImageBox()([img[:, :50]], [None])
    np.testing.assert_allclose(b, [[0, 0, 50, 112, 1]])


def test_cs_parts_svm_round_trip(env, tmp_path):
    """The CS-parts source with a saved SVM gives the boxes of the fitted
    generator (fitted here on the fixture's training canvases)."""
    from mmfg.proposals import CSParts
    from mmfg.proposals.runner import build_split, fit_cs_parts
    model = init_model(GLOBAL, env['ckpts'][GLOBAL])
    model.cfg.merge_from_dict(
        {'test_dataloader.dataset.data_root': env['root']})
    gen = CSParts(model, num_parts=2, sigma=2)
    fit_cs_parts(
        gen, model, build_split(model.cfg, 'train', 10), progress=False)
    svm = str(tmp_path / 'svm.npz')
    gen.save_svm(svm)
    src = ClassifierBoxes(
        GLOBAL,
        env['ckpts'][GLOBAL],
        method='cs-parts',
        svm_file=svm,
        num_parts=2,
        sigma=2)
    np.testing.assert_array_equal(src.generator.svm.coef_, gen.svm.coef_)
    got = src(env['canvases'][:2], [None] * 2)
    from mmfg.proposals.runner import run_generator
    ds_cfg = model.cfg.test_dataloader.dataset.copy()
    ds_cfg['indices'] = 2
    records = run_generator(gen, model, DATASETS.build(ds_cfg), progress=False)
    for rec, b in zip(records, got):
        np.testing.assert_allclose(rec['boxes'], b, atol=1e-4)
    bad = str(tmp_path / 'bad.npz')
    np.savez(bad, coef=np.zeros(3))
    with pytest.raises(ConfigError, match='not an .npz written by'):
        ClassifierBoxes(
            GLOBAL, env['ckpts'][GLOBAL], method='cs-parts', svm_file=bad)


TINY = [
    ('baselines', 'lenet5_fashion-mnist.py'),
    ('racnn', 'racnn_lenet5_fashion-mnist-lr8.py'),
    ('racnn', 'baseline_lenet5_fashion-mnist-lr8.py'),
    ('topdown', 'bu_lenetfc_fashion-mnist.py'),
    ('topdown', 'td_lenetfc_fashion-mnist.py'),
    ('topdown', 'td-uni_lenetfc_fashion-mnist.py'),
    ('topdown', 'td-rev_lenetfc_fashion-mnist.py'),
    ('gasa', 'gasa_tiny_1xb64_fashion-mnist.py'),
    ('gasa', 'gasa_tiny_1xb64_cluttered-fashion-mnist.py'),
    ('focus_longer', 'rattn-neck_lenetfc_1xb128_fashion-mnist.py'),
]


@pytest.mark.parametrize('folder,name', TINY)
def test_every_tiny_config_predicts_one_image(env, tmp_path, folder, name):
    """ONE image (batch of one) gives the scores of that image inside a
    batch of two (mmpretrain's LeNet5 squeezed the batch axis away), for
    a 28x28 array and a 300x200 colour photo-sized array."""
    config = osp.join(CFGS, folder, name)
    ckpt = str(tmp_path / 'm.pth')
    save_random(config, ckpt)
    inf = FGInferencer(config, ckpt)
    assert not inf.needs_patches
    rng = np.random.default_rng(0)
    small = rng.integers(0, 255, (28, 28), dtype=np.uint8)
    big = rng.integers(0, 255, (200, 300, 3), dtype=np.uint8)
    (one, ) = inf(small, show_progress=False)
    pair = inf([small, big], batch_size=2, show_progress=False)
    assert one['pred_scores'].shape == (10, )
    np.testing.assert_allclose(
        one['pred_scores'], pair[0]['pred_scores'], atol=1e-5)
    (alone, ) = inf(big, show_progress=False)
    np.testing.assert_allclose(
        alone['pred_scores'], pair[1]['pred_scores'], atol=1e-5)


def test_show_dir_writes_readable_pictures(env, tmp_path):
    inf = FGInferencer(
        FL_PROPOSALS, env['ckpts'][FL_PROPOSALS], patches=['whole'])
    out = tmp_path / 'show'
    inf(env['paths'][:2],
        batch_size=2,
        show_progress=False,
        show_dir=str(out),
        topk=3)
    for path in env['paths'][:2]:
        pic = cv2.imread(str(out / osp.basename(path)))
        # the 112 px canvas enlarged 4x, the top-3 panel beside it
        assert pic.shape[0] == 448 and pic.shape[1] > 448


@pytest.mark.slow
@pytest.mark.parametrize('config,source', [
    ('racnn/racnn_vgg16_cub-lr50.py', 'gt_bboxes'),
    ('focus_longer/focus-longer_vgg19_cub.py', 'gt_bboxes'),
    ('fve/fve_inception-v3_cub-gt-parts.py', 'proposals'),
])
def test_natural_image_part_configs_on_a_photo(tmp_path, config, source):
    """The paper-size part configs (image files, LoadImageFromFile) on a
    real photo with explicit boxes: the crops are cut from the boxes."""
    from skimage import data
    photo = str(tmp_path / 'coffee.jpg')
    cv2.imwrite(photo, data.coffee()[..., ::-1])
    config = osp.join(CFGS, config)
    ckpt = str(tmp_path / 'm.pth')
    save_random(config, ckpt)
    boxes = [[[100, 50, 400, 350, 0.9], [0, 0, 200, 200, 0.5]]]
    inf = FGInferencer(config, ckpt, patches=boxes)
    assert source in inf.patch_fields
    (res, ) = inf(photo, show_progress=False)
    np.testing.assert_allclose(res['patch_boxes'][0], boxes[0][0])
    assert abs(res['pred_scores'].sum() - 1) < 1e-4
