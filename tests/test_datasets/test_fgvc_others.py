"""Stanford Dogs / Cars, Flowers-102, FGVC-Aircraft, iNaturalist 2018,
Imagenette and CIFAR-10: official-file details and their errors."""
import json
import os
import os.path as osp
import pickle
import shutil

import numpy as np
import pytest
from scipy.io import loadmat, savemat

from mmfg.datasets import (CIFAR10, FGVCAircraft, Flowers102, Imagenette,
                           INaturalist2018, StanfordCars, StanfordDogs)
from mmfg.testing import (make_cifar10, make_fgvc_aircraft, make_flowers102,
                          make_imagenette, make_inaturalist2018,
                          make_stanford_cars, make_stanford_dogs)
from mmfg.utils import DataError

FAST = dict(serialize_data=False)


def pairs(ds):
    return [(d['img_path'], d['gt_label']) for d in ds]


# ------------------------------------------------------------ Stanford Dogs
@pytest.fixture
def dogs(tmp_path):
    return make_stanford_dogs(str(tmp_path))


def test_dogs_mat_structure_and_union_box(dogs):
    root = dogs['data_root']
    mat = loadmat(osp.join(root, 'lists', 'test_list.mat'))
    assert mat['file_list'].shape == (6, 1)
    assert mat['labels'].min() == 1  # 1-based in the file
    ds = StanfordDogs(root, split='test', **FAST)
    assert ds.CLASSES == ('Chihuahua', 'Japanese_spaniel', 'Maltese_dog')
    # hand-written two-dog annotation for the first test image
    ann = osp.join(root, 'Annotation', 'n02085620-Chihuahua',
                   osp.basename(ds[0]['img_path'])[:-4])
    with open(ann, 'w') as f:
        f.write('<annotation><size><width>60</width><height>50</height>'
                '</size><object><name>Chihuahua</name><bndbox><xmin>10'
                '</xmin><ymin>12</ymin><xmax>30</xmax><ymax>40</ymax>'
                '</bndbox></object><object><name>Chihuahua</name><bndbox>'
                '<xmin>25</xmin><ymin>5</ymin><xmax>50</xmax><ymax>20</ymax>'
                '</bndbox></object></annotation>')
    info = StanfordDogs(root, split='test', **FAST)[0]
    np.testing.assert_array_equal(info['gt_bboxes'],
                                  [[10, 12, 30, 40], [25, 5, 50, 20]])
    assert info['gt_bboxes'].dtype == np.float32


def test_dogs_lists_in_data_root_and_without_boxes(dogs):
    root = dogs['data_root']
    for name in os.listdir(osp.join(root, 'lists')):
        shutil.move(osp.join(root, 'lists', name), osp.join(root, name))
    os.rmdir(osp.join(root, 'lists'))
    shutil.rmtree(osp.join(root, 'Annotation'))
    ds = StanfordDogs(root, split='train', with_bbox=False, **FAST)
    assert pairs(ds) == [(r['img_path'], r['gt_label'])
                         for r in dogs['splits']['train']]
    assert 'gt_bboxes' not in ds[0]
    with pytest.raises(FileNotFoundError, match='Annotation'):
        StanfordDogs(root, split='train', **FAST)


def test_dogs_annotation_errors(dogs):
    root = dogs['data_root']
    rec = dogs['splits']['train'][0]
    ann = osp.join(root, 'Annotation',
                   *rec['img_path'][:-4].split(os.sep)[-2:])
    with open(ann, 'w') as f:
        f.write('<annotation><object><name>x</name></object>')
    with pytest.raises(DataError, match=f'{ann} is not valid XML'):
        StanfordDogs(root, split='train', **FAST)
    with open(ann, 'w') as f:
        f.write('<annotation><object><bndbox><xmin>a</xmin></bndbox>'
                '</object></annotation>')
    with pytest.raises(DataError, match='<object> 1 has no valid <bndbox>'):
        StanfordDogs(root, split='train', **FAST)
    with open(ann, 'w') as f:
        f.write('<annotation><size/></annotation>')
    with pytest.raises(DataError, match=f'{ann} has no <object><bndbox>'):
        StanfordDogs(root, split='train', **FAST)
    os.remove(ann)
    with pytest.raises(
            FileNotFoundError, match=f'annotation file {ann} not '
            'found'):
        StanfordDogs(root, split='train', **FAST)


def test_dogs_list_errors(dogs):
    root = dogs['data_root']
    path = osp.join(root, 'lists', 'train_list.mat')
    mat = {k: v for k, v in loadmat(path).items() if not k.startswith('__')}
    savemat(
        path,
        dict(
            file_list=mat['file_list'],
            annotation_list=mat['annotation_list']))
    with pytest.raises(
            DataError,
            match=r"has no variable 'labels' \(it has "
            r"\['annotation_list', 'file_list'\]\)"):
        StanfordDogs(root, split='train', **FAST)
    labels = mat['labels'].copy()
    labels[0, 0] = 2  # a Chihuahua image labelled as the second breed
    savemat(path, dict(mat, labels=labels))
    with pytest.raises(DataError, match='label 2 is given to images of'):
        StanfordDogs(root, split='train', **FAST)
    labels[0, 0] = 0
    savemat(path, dict(mat, labels=labels))
    with pytest.raises(
            DataError, match='entry 1: label 0.0 is not a '
            'positive integer'):
        StanfordDogs(root, split='train', **FAST)
    with open(path, 'wb') as f:
        f.write(b'not a mat file')
    with pytest.raises(DataError, match=f'{path} cannot be read as a MATLAB'):
        StanfordDogs(root, split='train', **FAST)


# ------------------------------------------------------------ Stanford Cars
def test_cars_agrees_with_mmpretrain(tmp_path):
    """mmpretrain's StanfordCars (mat4py) reads the same files; it expects
    the labelled test file in devkit/, which we accept too."""
    from mmpretrain.datasets import StanfordCars as Ref
    truth = make_stanford_cars(str(tmp_path))
    root = truth['data_root']
    shutil.move(
        osp.join(root, 'cars_test_annos_withlabels.mat'),
        osp.join(root, 'devkit', 'cars_test_annos_withlabels.mat'))
    for split in ('train', 'test'):
        ours = StanfordCars(root, split=split, **FAST)
        assert isinstance(ours, Ref)
        assert pairs(ours) == pairs(Ref(root, split=split, **FAST))
        assert [d['gt_bboxes'].tolist() for d in ours
                ] == [r['gt_bboxes'].tolist() for r in truth['splits'][split]]
        assert ours[0]['gt_bboxes'].shape == (1, 4)


def test_cars_all_in_one_layout(tmp_path):
    from mmpretrain.datasets import StanfordCars as Ref
    truth = make_stanford_cars(str(tmp_path), layout='car_ims')
    assert os.listdir(truth['data_root']) != []
    for split in ('train', 'test'):
        ours = StanfordCars(truth['data_root'], split=split, **FAST)
        assert pairs(ours) == [(r['img_path'], r['gt_label'])
                               for r in truth['splits'][split]]
        assert pairs(ours) == pairs(
            Ref(truth['data_root'], **FAST, split=split))
        assert ours[0]['gt_bboxes'].tolist() == \
            truth['splits'][split][0]['gt_bboxes'].tolist()


def test_cars_errors(tmp_path):
    truth = make_stanford_cars(str(tmp_path))
    root = truth['data_root']
    os.remove(osp.join(root, 'cars_test_annos_withlabels.mat'))
    with pytest.raises(
            FileNotFoundError, match='devkit/cars_test_annos.mat '
            'has no labels'):
        StanfordCars(root, split='test', **FAST)
    path = osp.join(root, 'devkit', 'cars_train_annos.mat')
    ann = loadmat(path)['annotations']
    ann[0, 2]['class'] = np.array([[9]], np.uint8)
    savemat(path, dict(annotations=ann))
    with pytest.raises(
            DataError, match=r'annotation 3: class 9 is not in '
            r'1\.\.3'):
        StanfordCars(root, split='train', **FAST)
    ann[0, 2]['class'] = np.array([[1]], np.uint8)
    ann[0, 1]['bbox_x2'] = np.array([[0]], np.uint8)
    savemat(path, dict(annotations=ann))
    with pytest.raises(
            DataError, match=r'annotation 2 \(00002.jpg\): bad '
            'box'):
        StanfordCars(root, split='train', **FAST)
    # boxes not needed without with_bbox
    assert len(StanfordCars(root, split='train', with_bbox=False, **FAST)) == 6
    savemat(
        path,
        dict(
            annotations=np.zeros((1, 2),
                                 dtype=[('fname', 'O'), ('bbox_x1', 'O')])))
    with pytest.raises(DataError, match=r"has no field\(s\) \['class', "):
        StanfordCars(root, split='train', **FAST)


# --------------------------------------------------------------- Flowers102
def test_flowers_agrees_with_mmpretrain(tmp_path):
    from mmpretrain.datasets import Flowers102 as Ref
    truth = make_flowers102(str(tmp_path))
    for split in ('train', 'val', 'trainval', 'test'):
        ours = Flowers102(truth['data_root'], split=split, **FAST)
        assert isinstance(ours, Ref)
        assert pairs(ours) == pairs(
            Ref(truth['data_root'], **FAST, split=split))
    assert Flowers102(truth['data_root'], **FAST).split == 'trainval'
    assert ours.CLASSES == ('flower_001', 'flower_002', 'flower_003')


def test_flowers_one_image_split_and_errors(tmp_path):
    truth = make_flowers102(str(tmp_path), num_classes=1)
    root = truth['data_root']
    # setid.mat holds 1 x 1 arrays here (mmpretrain's mat4py reader turns
    # them into a scalar and cannot iterate it)
    ds = Flowers102(root, split='train', **FAST)
    assert pairs(ds) == [(truth['splits']['train'][0]['img_path'], 0)]
    setid = loadmat(osp.join(root, 'setid.mat'))
    savemat(
        osp.join(root, 'setid.mat'),
        dict(
            trnid=np.array([[99]]), valid=setid['valid'],
            tstid=setid['tstid']))
    with pytest.raises(
            DataError, match='image number 99 is beyond the 4 '
            'labels'):
        Flowers102(root, split='train', **FAST)
    savemat(osp.join(root, 'setid.mat'), dict(trnid=setid['trnid']))
    with pytest.raises(DataError, match="setid.mat has no variable 'tstid'"):
        Flowers102(root, split='test', **FAST)


# ------------------------------------------------------------ FGVC-Aircraft
def test_aircraft_agrees_with_mmpretrain(tmp_path):
    from mmpretrain.datasets import FGVCAircraft as Ref
    truth = make_fgvc_aircraft(str(tmp_path))
    assert any(' ' in n for n in truth['classes'])  # names with spaces
    for split in ('train', 'val', 'trainval', 'test'):
        ours = FGVCAircraft(truth['data_root'], split=split, **FAST)
        assert isinstance(ours, Ref)
        ref = Ref(truth['data_root'], split=split, **FAST)
        assert [d['img_path'] for d in ours] == [d['img_path'] for d in ref]
        # mmpretrain indexes its built-in list of 100 variants; ours the
        # variants.txt of the fixture: the names must agree
        assert [ours.CLASSES[d['gt_label']] for d in ours] == \
            [ref.CLASSES[d['gt_label']] for d in ref]


def test_aircraft_errors(tmp_path):
    truth = make_fgvc_aircraft(str(tmp_path))
    data = osp.join(truth['data_root'], 'data')
    path = osp.join(data, 'images_variant_test.txt')
    with open(path) as f:
        lines = f.read().splitlines()
    lines[1] = lines[1].split()[0] + ' Concorde'
    with open(path, 'w') as f:
        f.write('\n'.join(lines))
    with pytest.raises(
            DataError, match=f"{path}, line 2: variant 'Concorde' "
            'is not in'):
        FGVCAircraft(truth['data_root'], split='test', **FAST)
    box_path = osp.join(data, 'images_box.txt')
    with open(box_path) as f:
        boxes = f.read().splitlines()
    img = truth['splits']['val'][0]['img_path']
    name = osp.basename(img)[:-4]
    with open(box_path, 'w') as f:
        f.write('\n'.join(b for b in boxes if not b.startswith(name)))
    with pytest.raises(
            DataError, match=f'{box_path} has no line for image '
            f'{name}'):
        FGVCAircraft(truth['data_root'], split='val', **FAST)
    ds = FGVCAircraft(truth['data_root'], split='val', with_bbox=False, **FAST)
    assert ds[0]['img_path'] == img


# ------------------------------------------------------------- iNaturalist
def test_inat_category_mapping_and_names(tmp_path):
    truth = make_inaturalist2018(str(tmp_path))
    root = truth['data_root']
    with open(osp.join(root, 'val2018.json')) as f:
        content = json.load(f)
    ids = [c['id'] for c in content['categories']]
    assert ids != sorted(ids)  # listed unsorted, with gaps
    ds = INaturalist2018(root, split='val', **FAST)
    assert ds.class_ids == sorted(ids)
    with open(osp.join(root, 'categories.json'), 'w') as f:
        json.dump([dict(id=i, name=f'Real name {i}') for i in ids], f)
    ds = INaturalist2018(root, split='val', **FAST)
    assert ds.CLASSES == tuple(f'Real name {i}' for i in sorted(ids))


def test_inat_errors(tmp_path):
    truth = make_inaturalist2018(str(tmp_path))
    path = osp.join(truth['data_root'], 'train2018.json')
    with open(path) as f:
        content = json.load(f)
    content['annotations'][0]['category_id'] = -5
    with open(path, 'w') as f:
        json.dump(content, f)
    with pytest.raises(
            DataError,
            match=r'annotations\[0\]: category_id -5 '
            'is not in "categories"'):
        INaturalist2018(truth['data_root'], split='train', **FAST)
    del content['images']
    with open(path, 'w') as f:
        json.dump(content, f)
    with pytest.raises(DataError, match='has no list "images"'):
        INaturalist2018(truth['data_root'], split='train', **FAST)
    with open(path, 'w') as f:
        f.write('{"images": [')
    with pytest.raises(DataError, match=f'{path}: is not valid JSON'):
        INaturalist2018(truth['data_root'], split='train', **FAST)


# --------------------------------------------------------------- Imagenette
def test_imagenette_fixed_classes_and_folder_errors(tmp_path):
    truth = make_imagenette(str(tmp_path))
    root = truth['data_root']
    ds = Imagenette(root, split='val', **FAST)
    assert ds.CLASSES[0] == 'tench' and ds.CLASSES[9] == 'parachute'
    assert all('/n03888605/' in d['img_path'] for d in ds
               if d['gt_label'] == 9)
    os.makedirs(osp.join(root, 'val', 'n02086240'))  # an Imagewoof class
    with pytest.raises(DataError, match=r"not Imagenette: \['n02086240'\]"):
        Imagenette(root, split='val', **FAST)
    shutil.rmtree(osp.join(root, 'val', 'n02086240'))
    shutil.rmtree(osp.join(root, 'val', 'n03000684'))
    with pytest.raises(DataError, match=r"missing: \['n03000684'\]"):
        Imagenette(root, split='val', **FAST)


# ------------------------------------------------------------------- CIFAR
def test_cifar_split_reads_its_own_files(tmp_path):
    truth = make_cifar10(str(tmp_path))
    train = CIFAR10(truth['data_root'], split='train', **FAST)
    test = CIFAR10(truth['data_root'], split='test', **FAST)
    assert (len(train), len(test)) == (40, 20)
    assert test[0]['img_key'].startswith('test_batch/')
    assert {d['img_key'].split('/')[0]
            for d in train} == {f'data_batch_{i}'
                                for i in range(1, 6)}
    assert not np.array_equal(train[0]['img'], test[0]['img'])
    # data_root may also be cifar-10-batches-py itself
    inner = osp.join(truth['data_root'], 'cifar-10-batches-py')
    assert len(CIFAR10(inner, split='test', **FAST)) == 20
    # R, G, B planes of a row become the last axis
    with open(osp.join(inner, 'test_batch'), 'rb') as f:
        row = pickle.load(f)[b'data'][0]
    np.testing.assert_array_equal(test[0]['img'][0, 1],
                                  [row[1], row[1025], row[2049]])


def test_cifar_errors(tmp_path):
    truth = make_cifar10(str(tmp_path))
    inner = osp.join(truth['data_root'], 'cifar-10-batches-py')
    path = osp.join(inner, 'data_batch_2')
    with open(path, 'wb') as f:
        f.write(b'garbage')
    with pytest.raises(DataError, match=f'{path}: cannot be unpickled'):
        CIFAR10(truth['data_root'], split='train', **FAST)
    assert len(CIFAR10(truth['data_root'], split='test', **FAST)) == 20
    with open(path, 'wb') as f:
        pickle.dump({
            'data': np.zeros((2, 100), np.uint8),
            'labels': [0, 1]
        }, f)
    with pytest.raises(DataError, match=r'expected uint8 \(N, 3072\)'):
        CIFAR10(truth['data_root'], split='train', **FAST)
    with open(path, 'wb') as f:
        pickle.dump({'data': np.zeros((1, 3072), np.uint8), 'labels': [10]}, f)
    with pytest.raises(DataError, match=r'labels must be in 0\.\.9'):
        CIFAR10(truth['data_root'], split='train', **FAST)
    with open(path, 'wb') as f:
        pickle.dump([1, 2], f)
    with pytest.raises(DataError, match="expected a dict with keys"):
        CIFAR10(truth['data_root'], split='train', **FAST)
