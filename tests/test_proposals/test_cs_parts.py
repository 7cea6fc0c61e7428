"""CS-parts: K non-degenerate boxes inside the image, on the PREDICTED
class's selected features (not the label's), the SVM is scikit-learn's L1
LinearSVC, empty clusters fall back to the whole-object box (the tight
box mode; the refinement: test_cs_parts_refine.py)."""
import numpy as np
import pytest
import torch
from sklearn.svm import LinearSVC

from mmfg.proposals import CSParts, box_iou, saliency_to_parts
from .toy_models import RegionNet, square_image

S = 48
# three classes, each with its evidence in one third of the image
REGIONS = [(0, 0, 16, 48), (16, 0, 32, 48), (32, 0, 48, 48)]


def training_set(n=60, seed=0):
    """Images bright in their class's region (plus weak noise
    elsewhere)."""
    rng = np.random.default_rng(seed)
    imgs, labels = [], []
    for i in range(n):
        c = i % 3
        img = rng.random((1, 1, S, S)).astype(np.float32) * 0.1
        x1, y1, x2, y2 = REGIONS[c]
        img[..., y1 + 8:y2 - 8, x1 + 2:x2 - 2] += 1
        imgs.append(torch.from_numpy(img))
        labels.append(c)
    return torch.cat(imgs), np.array(labels)


def fitted():
    model = RegionNet(S, REGIONS, pool=4).eval()
    # C = 1 at this feature scale: a diagonal (sparse) weight matrix
    gen = CSParts(model, num_parts=4, svm_c=1., sigma=1., min_size=0.1)
    x, y = training_set()
    return gen.fit(gen.features(x), y), x, y


def test_svm_is_sklearns_l1_linear_svc():
    gen, x, y = fitted()
    ref = LinearSVC(
        penalty='l1', dual=False, C=1.,
        max_iter=5000).fit(gen.features(x).astype(np.float64), y)
    np.testing.assert_allclose(gen.class_weights, ref.coef_, rtol=1e-4)
    # sparse: each class selects exactly its own region's feature
    for c in range(3):
        assert gen.selected(c).tolist() == [c]


def test_k_boxes_inside_the_image_on_the_predicted_class():
    gen, _, _ = fitted()
    # evidence for class 0 (strong) and class 2 (weak) in one image
    img = square_image(S, [(2, 8, 14, 40), (34, 8, 46, 40)], [1., 0.4])
    boxes = gen(img, img * 255)[0]
    assert gen.last_pred.tolist() == [0]  # whatever the label says
    assert boxes.shape == (4, 5)
    assert (boxes[:, 0] >= 0).all() and (boxes[:, 1] >= 0).all()
    assert (boxes[:, 2] <= S).all() and (boxes[:, 3] <= S).all()
    assert ((boxes[:, 2] - boxes[:, 0]) >= 1).all()
    assert ((boxes[:, 3] - boxes[:, 1]) >= 1).all()
    # every part lies on the predicted class's square, none on the label's
    ious_pred = box_iou(boxes, [(2, 8, 14, 40)])[:, 0]
    ious_other = box_iou(boxes, [(34, 8, 46, 40)])[:, 0]
    assert (ious_pred > 0).all() and (ious_other == 0).all()
    # the saliency is the gradient of the class-0 features only
    sal = gen.last_saliency[0]
    assert sal[:, 32:].max() == 0 and sal[8:40, 2:14].min() > 0
    # scores: cluster shares of the salient mass, best first
    assert np.isclose(boxes[:, 4].sum(), 1, atol=1e-5)
    assert (np.diff(boxes[:, 4]) <= 0).all()


def test_parts_split_a_salient_region_and_fall_back_when_empty():
    sal = np.zeros((40, 40))
    sal[5:15, 5:15] = 1.
    sal[25:35, 25:35] = 0.9
    boxes = saliency_to_parts(
        sal,
        np.zeros((40, 40)),
        num_parts=2,
        sigma=0.5,
        min_size=0.,
        box_mode='tight')
    # two clusters = the two squares
    got = sorted(map(tuple, np.round(boxes[:, :4]).astype(int).tolist()))
    assert box_iou(np.array(got[:1]), [(5, 5, 15, 15)])[0, 0] > 0.7
    assert box_iou(np.array(got[1:]), [(25, 25, 35, 35)])[0, 0] > 0.7
    # fewer salient pixels than parts: the extra parts get the box of all
    # salient pixels (the whole object), score 0
    one = np.zeros((20, 20))
    one[4, 6] = 1.
    boxes = saliency_to_parts(
        one,
        np.zeros((20, 20)),
        num_parts=3,
        sigma=0.01,
        min_size=0.,
        box_mode='tight')
    np.testing.assert_array_equal(boxes[:, :4], [[6, 4, 7, 5]] * 3)
    np.testing.assert_array_equal(boxes[:, 4], [1, 0, 0])


def test_min_size_enlarges_inside_the_image():
    sal = np.zeros((30, 30))
    sal[0:2, 27:30] = 1.
    boxes = saliency_to_parts(
        sal,
        np.zeros((30, 30)),
        num_parts=1,
        sigma=0.01,
        min_size=0.5,
        box_mode='tight')
    np.testing.assert_allclose(boxes[0, :4], [15, 0, 30, 15])


def test_unfitted_is_refused():
    gen = CSParts(RegionNet(S, REGIONS))
    with pytest.raises(Exception, match='call fit'):
        gen(torch.zeros(1, 1, S, S), torch.zeros(1, 1, S, S))
