"""Every method's tiny config exported at batch 1 and with a dynamic batch
matches onnxruntime (CPU): the graph's scores against ``model.test_step``'s
``pred_score`` on the same preprocessed batches, scikit-image photos through
the config's test pipeline (part/patch models with explicit boxes) and
Fashion-MNIST / Cluttered Fashion-MNIST test images through the config's
dataset: max abs difference <= SCORE_ATOL and the same top-1."""
import numpy as np
import pytest
import torch

from mmfg.apis import ExplicitBoxes, init_model, load_config
from mmfg.deployment import (SCORE_ATOL, OnnxInputs, batch_parity,
                             dataset_batches, export_onnx, input_shapes,
                             onnx_session, preprocess_metadata, read_metadata)
from ..conftest import FASHION_MNIST, REPO

FL = 'focus_longer/focus-longer_lenetfc_1xb128_cluttered-fashion-mnist-'
GT_BOXES = {
    'model.data_preprocessor.box_source': 'gt_bboxes',
    'data_preprocessor.box_source': 'gt_bboxes',
    'test_dataloader.dataset.proposal_file': None
}
#: id -> (config, cfg_options); every method of the package
METHODS = {
    'lenet5': ('baselines/lenet5_fashion-mnist.py', {}),
    'racnn': ('racnn/racnn_lenet5_fashion-mnist-lr8.py', {}),
    'topdown-bu': ('topdown/bu_lenetfc_fashion-mnist.py', {}),
    'topdown-td': ('topdown/td_lenetfc_fashion-mnist.py', {}),
    'topdown-td-uni': ('topdown/td-uni_lenetfc_fashion-mnist.py', {}),
    'topdown-td-rev': ('topdown/td-rev_lenetfc_fashion-mnist.py', {}),
    'fve': ('fve/fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py', {}),
    'focus-longer-gtbox': (FL + 'gtbox.py', {}),
    'focus-longer-parts-first': (FL + 'gtparts.py', {
        'model.eval_protocol': 'first'
    }),
    'focus-longer-roialign': (FL + 'proposals-roialign.py', GT_BOXES),
    'gasa': ('gasa/gasa_tiny_1xb64_fashion-mnist.py', {}),
    'gasa-112': ('gasa/gasa_tiny_1xb64_cluttered-fashion-mnist.py', {}),
}
PHOTOS = ('astronaut', 'coffee', 'chelsea', 'camera')
NUM_DATA = 6


def photos():
    import skimage.data as data
    out = []
    for name in PHOTOS:
        img = getattr(data, name)()
        out.append(img[..., ::-1].copy() if img.ndim == 3 else img)
    return out


def boxes_of(img):
    h, w = img.shape[:2]
    return [[w / 4, h / 4, 3 * w / 4, 3 * h / 4], [0, 0, w / 2, h / 2],
            [w / 2, h / 2, w, h]]


@pytest.fixture(scope='module')
def exported(tmp_path_factory):
    """id -> (model, {'static': session, 'dynamic': session}, shapes),
    built and exported on first use."""
    tmp = tmp_path_factory.mktemp('onnx')
    cache = {}

    def get(key):
        if key not in cache:
            cfg_rel, opts = METHODS[key]
            opts = dict(opts)
            opts['test_dataloader.dataset.data_root'] = FASHION_MNIST
            cfg = load_config(f'{REPO}/configs/{cfg_rel}', opts)
            torch.manual_seed(0)
            model = init_model(cfg)
            shapes = input_shapes(model)
            meta = preprocess_metadata(model, shapes)
            sessions = {}
            for kind in ('static', 'dynamic'):
                path = str(tmp / f'{key}-{kind}.onnx')
                export_onnx(
                    model,
                    path,
                    shapes,
                    dynamic_batch=kind == 'dynamic',
                    metadata=meta,
                    verify=False)
                sessions[kind] = onnx_session(path)
                assert read_metadata(path)['input_size'] == list(
                    shapes['inputs'][1:])
            cache[key] = (model, sessions, shapes)
        return cache[key]

    return get


def check(parity, n):
    assert parity.n == n
    assert parity.max_abs_diff <= SCORE_ATOL
    assert parity.near_ties == 0  # so the top-1 must agree everywhere
    assert parity.top1_agree == n


@pytest.mark.parametrize('key', list(METHODS))
def test_method_matches_onnxruntime(exported, key):
    model, sessions, shapes = exported(key)
    # new photos through the config's own test pipeline
    pics = photos()
    feeder = OnnxInputs(model)
    if feeder.needs_patches:
        feeder = OnnxInputs(
            model, patches=ExplicitBoxes([boxes_of(p) for p in pics]))
    batch = feeder.batch(pics)
    check(batch_parity(model, sessions['dynamic'], batch), len(pics))
    # the graph inputs are what the pipeline gives: the photos are resized
    # to the dataset's image size, not left at their own
    arrays = feeder(pics)
    assert arrays['inputs'].shape == (len(pics), *shapes['inputs'])
    # dataset images through the config's dataset, dynamic batch
    data = next(dataset_batches(model.cfg, list(range(NUM_DATA)), NUM_DATA))
    check(batch_parity(model, sessions['dynamic'], data), NUM_DATA)
    # the batch-1 graph on one image of each kind
    one = next(dataset_batches(model.cfg, [NUM_DATA], 1))
    check(batch_parity(model, sessions['static'], one), 1)
    check(batch_parity(model, sessions['static'], feeder.batch(pics[:1])), 1)
    if 'part_valid' in arrays:
        # the photos have 3 boxes: a 4-part model sees an empty slot
        valid = arrays['part_valid']
        assert (valid.sum(1) == min(3, valid.shape[1])).all()


def test_scores_are_softmax_of_the_prediction(exported):
    """The graph's output is pred_score (sums to 1), not the logits."""
    model, sessions, _ = exported('fve')
    data = next(dataset_batches(model.cfg, [0, 1], 2))
    from mmfg.deployment import graph_inputs, run_onnx
    got = run_onnx(sessions['dynamic'],
                   graph_inputs(model.data_preprocessor, data))
    np.testing.assert_allclose(got.sum(1), 1, atol=1e-5)
    with torch.no_grad():
        logits = model(**model.data_preprocessor(data, False), mode='tensor')
    np.testing.assert_allclose(
        got, logits.softmax(-1).numpy(), atol=SCORE_ATOL)
