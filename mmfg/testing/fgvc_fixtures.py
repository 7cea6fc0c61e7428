"""Miniature copies of the FGVC datasets in their exact official layouts.

Each ``make_<name>(root, num_classes=3, images_per_class=4, seed=0)``
writes a small dataset under ``root`` (real, decodable images of random
pixels, 40-80 px wide, varying sizes; annotation files in the official
format, lines of the id-keyed files shuffled so that a loader must join by
id) and returns the truth it wrote::

    {
      'type': 'CUB',                   # registered dataset name
      'data_root': '/tmp/.../CUB_200_2011',
      'num_classes': 3,
      'classes': [...],                # class names as the loader reports
      'splits': {'train': [record, ...], 'test': [...]},
      'counts': {'train': 6, 'test': 6},
    }

A record holds what the loader must yield for that image: ``img_path``
(absolute; CIFAR: ``img`` and ``img_key``), ``gt_label`` (0-based) and,
where the dataset has them, ``gt_bboxes`` (float32 ``(M, 4)`` ``x1, y1, x2,
y2`` after the documented conversion; M = 1 except Stanford Dogs) and
``gt_keypoints`` (float32 ``(1, P, 3)`` ``x, y, visible``). Records are in
the order the loader lists the split.

Imagenette and CIFAR-10 have a fixed class set: their generators write all
10 classes and ignore ``num_classes``.

``FIXTURES`` maps each registered dataset name (and the legacy names of
:mod:`mmfg.datasets.legacy_names`) to its generator, and
``make_proposal_file(path, dataset)`` writes a valid proposal file for a
built dataset.
"""
import hashlib
import json
import os
import os.path as osp
import pickle
import uuid
from functools import partial

import numpy as np

CUB_PARTS = ('back', 'beak', 'belly', 'breast', 'crown', 'forehead',
             'left eye', 'left leg', 'left wing', 'nape', 'right eye',
             'right leg', 'right wing', 'tail', 'throat')
NABIRDS_PARTS = ('bill', 'crown', 'nape', 'left eye', 'right eye', 'belly',
                 'breast', 'back', 'tail', 'left wing', 'right wing')
BIRDSNAP_PARTS = ('back', 'beak', 'belly', 'breast', 'crown', 'forehead',
                  'left_cheek', 'left_eye', 'left_leg', 'left_wing', 'nape',
                  'right_cheek', 'right_eye', 'right_leg', 'right_wing',
                  'tail', 'throat')


# --------------------------------------------------------------------------
# helpers
# --------------------------------------------------------------------------
def _makedirs(path):
    os.makedirs(path, exist_ok=True)
    return path


def _write_image(path, rng, fmt='JPEG'):
    """A random RGB image of 40-80 x 32-64 px; returns (width, height)."""
    from PIL import Image
    w, h = int(rng.integers(40, 81)), int(rng.integers(32, 65))
    pixels = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
    _makedirs(osp.dirname(path))
    Image.fromarray(pixels).save(path, format=fmt)
    return w, h


def _box(rng, w, h):
    """Integer x1, y1, x2, y2 inside a w x h image with x2 > x1, y2 > y1."""
    x1, y1 = int(rng.integers(0, w // 3)), int(rng.integers(0, h // 3))
    x2 = int(rng.integers(2 * w // 3, w))
    y2 = int(rng.integers(2 * h // 3, h))
    return x1, y1, x2, y2


def _parts(rng, w, h, num_parts, integer=False):
    """(P, 3) x, y, visible; invisible parts are zeros."""
    parts = np.zeros((num_parts, 3), np.float32)
    for p in range(num_parts):
        if rng.random() < 0.7:
            x, y = rng.uniform(0, w - 1), rng.uniform(0, h - 1)
            if integer:
                x, y = round(x), round(y)
            else:
                x, y = round(x, 1), round(y, 1)
            parts[p] = (x, y, 1)
    return parts


def _shuffled(rng, lines):
    lines = list(lines)
    order = rng.permutation(len(lines))
    return [lines[i] for i in order]


def _write_lines(path, lines, header=None):
    _makedirs(osp.dirname(path))
    with open(path, 'w', encoding='utf-8') as f:
        if header is not None:
            f.write(header + '\n')
        for line in lines:
            f.write(line + '\n')


def _result(type_, data_root, classes, splits):
    return dict(
        type=type_,
        data_root=data_root,
        num_classes=len(classes),
        classes=list(classes),
        splits=splits,
        counts={
            k: len(v)
            for k, v in splits.items()
        })


def _cell(strings):
    """A MATLAB N x 1 cell array of strings."""
    arr = np.empty((len(strings), 1), dtype=object)
    for i, s in enumerate(strings):
        arr[i, 0] = s
    return arr


def _row_cell(strings):
    """A MATLAB 1 x N cell array of strings."""
    arr = np.empty((1, len(strings)), dtype=object)
    for i, s in enumerate(strings):
        arr[0, i] = s
    return arr


def _struct_array(records, fields):
    """A MATLAB 1 x N struct array from dicts (values as MATLAB stores
    them: numbers as 1 x 1 arrays, strings as char arrays)."""
    arr = np.zeros((1, len(records)), dtype=[(f, 'O') for f in fields])
    for i, rec in enumerate(records):
        arr[0, i] = tuple(
            rec[f] if isinstance(rec[f], str) else np.
            array([[rec[f]]], dtype=np.uint16 if f != 'test' else np.uint8)
            for f in fields)
    return arr


# --------------------------------------------------------------------------
# birds
# --------------------------------------------------------------------------
def make_cub200(root, num_classes=3, images_per_class=4, seed=0):
    """CUB_200_2011 (``CUB``): 1-based ids, boxes as x y w h floats,
    15 parts; even images of a class are train, odd ones test."""
    from mmpretrain.datasets.categories import CUB_CATEGORIES
    rng = np.random.default_rng(seed)
    data_root = _makedirs(osp.join(root, 'CUB_200_2011'))
    names = [
        CUB_CATEGORIES[c] if c < len(CUB_CATEGORIES) else f'Species_{c + 1}'
        for c in range(num_classes)
    ]
    images, labels, split_lines, boxes, locs = [], [], [], [], []
    splits = {'train': [], 'test': []}
    img_id = 0
    for c, name in enumerate(names):
        folder = f'{c + 1:03d}.{name}'
        for k in range(images_per_class):
            img_id += 1
            rel = f'{folder}/{name}_{k + 1:04d}_{img_id}.jpg'
            path = osp.join(data_root, 'images', folder,
                            f'{name}_{k + 1:04d}_{img_id}.jpg')
            w, h = _write_image(path, rng)
            x1, y1, x2, y2 = _box(rng, w, h)
            x, y = x1 + 0.5, y1 + 0.5  # CUB stores floats
            bw, bh = float(x2 - x1), float(y2 - y1)
            parts = _parts(rng, w, h, len(CUB_PARTS))
            is_train = k % 2 == 0
            images.append(f'{img_id} {rel}')
            labels.append(f'{img_id} {c + 1}')
            split_lines.append(f'{img_id} {int(is_train)}')
            boxes.append(f'{img_id} {x:.1f} {y:.1f} {bw:.1f} {bh:.1f}')
            for p, (px, py, vis) in enumerate(parts):
                locs.append(f'{img_id} {p + 1} {px:.1f} {py:.1f} {int(vis)}')
            splits['train' if is_train else 'test'].append(
                dict(
                    img_path=path,
                    gt_label=c,
                    gt_bboxes=np.array([[x, y, x + bw, y + bh]], np.float32),
                    gt_keypoints=parts[None]))
    _write_lines(osp.join(data_root, 'images.txt'), images)
    _write_lines(
        osp.join(data_root, 'classes.txt'),
        [f'{c + 1} {c + 1:03d}.{n}' for c, n in enumerate(names)])
    _write_lines(
        osp.join(data_root, 'image_class_labels.txt'), _shuffled(rng, labels))
    _write_lines(
        osp.join(data_root, 'train_test_split.txt'),
        _shuffled(rng, split_lines))
    _write_lines(
        osp.join(data_root, 'bounding_boxes.txt'), _shuffled(rng, boxes))
    _write_lines(
        osp.join(data_root, 'parts', 'parts.txt'),
        [f'{p + 1} {n}' for p, n in enumerate(CUB_PARTS)])
    _write_lines(
        osp.join(data_root, 'parts', 'part_locs.txt'), _shuffled(rng, locs))
    return _result('CUB', data_root, names, splits)


def make_nabirds(root, num_classes=3, images_per_class=4, seed=0):
    """nabirds (``NABirds``): UUID image ids, non-contiguous leaf class ids
    (plus internal taxonomy nodes in classes.txt), 0-based part ids, integer
    boxes; even images of a class are train."""
    rng = np.random.default_rng(seed)
    data_root = _makedirs(osp.join(root, 'nabirds'))
    leaf_ids = [
        int(i)
        for i in rng.choice(np.arange(295, 1011), num_classes, replace=False)
    ]
    # written in this (unsorted) order; labels follow the sorted ids
    label_of = {cid: i for i, cid in enumerate(sorted(leaf_ids))}
    leaf_names = {
        cid: f'Fixture Warbler {cid} (Adult male)'
        for cid in leaf_ids
    }
    classes_lines = ['0 Birds', '1 Perching Birds', '2 New World Warblers']
    classes_lines += [f'{cid} {leaf_names[cid]}' for cid in leaf_ids]
    images, labels, split_lines, boxes, locs, sizes = [], [], [], [], [], []
    splits = {'train': [], 'test': []}
    for cid in leaf_ids:
        for k in range(images_per_class):
            uid = uuid.UUID(
                int=int(rng.integers(0, 2**62)) << 64
                | int(rng.integers(0, 2**62)),
                version=4)
            rel = f'{cid:04d}/{uid.hex}.jpg'
            path = osp.join(data_root, 'images', f'{cid:04d}',
                            f'{uid.hex}.jpg')
            w, h = _write_image(path, rng)
            x1, y1, x2, y2 = _box(rng, w, h)
            parts = _parts(rng, w, h, len(NABIRDS_PARTS), integer=True)
            is_train = k % 2 == 0
            images.append(f'{uid} {rel}')
            labels.append(f'{uid} {cid}')
            split_lines.append(f'{uid} {int(is_train)}')
            boxes.append(f'{uid} {x1} {y1} {x2 - x1} {y2 - y1}')
            sizes.append(f'{uid} {w} {h}')
            for p, (px, py, vis) in enumerate(parts):
                locs.append(f'{uid} {p} {int(px)} {int(py)} {int(vis)}')
            splits['train' if is_train else 'test'].append(
                dict(
                    img_path=path,
                    gt_label=label_of[cid],
                    gt_bboxes=np.array([[x1, y1, x2, y2]], np.float32),
                    gt_keypoints=parts[None]))
    _write_lines(osp.join(data_root, 'images.txt'), images)
    _write_lines(osp.join(data_root, 'classes.txt'), classes_lines)
    _write_lines(
        osp.join(data_root, 'hierarchy.txt'),
        ['1 0', '2 1'] + [f'{cid} 2' for cid in leaf_ids])
    _write_lines(
        osp.join(data_root, 'image_class_labels.txt'), _shuffled(rng, labels))
    _write_lines(
        osp.join(data_root, 'train_test_split.txt'),
        _shuffled(rng, split_lines))
    _write_lines(
        osp.join(data_root, 'bounding_boxes.txt'), _shuffled(rng, boxes))
    _write_lines(osp.join(data_root, 'sizes.txt'), sizes)
    _write_lines(
        osp.join(data_root, 'parts', 'parts.txt'),
        [f'{p} {n}' for p, n in enumerate(NABIRDS_PARTS)])
    _write_lines(
        osp.join(data_root, 'parts', 'part_locs.txt'), _shuffled(rng, locs))
    names = [leaf_names[cid] for cid in sorted(leaf_ids)]
    return _result('NABirds', data_root, names, splits)


def make_birdsnap(root, num_classes=3, images_per_class=4, seed=0):
    """birdsnap (``Birdsnap``): tab-separated files with headers, 17 parts
    (``null`` for a part not annotated), test_images.txt; odd images of a
    species are test."""
    rng = np.random.default_rng(seed)
    data_root = _makedirs(osp.join(root, 'birdsnap'))
    known = [('Acadian Flycatcher', 'Empidonax virescens'),
             ('Acorn Woodpecker', 'Melanerpes formicivorus'),
             ('Alder Flycatcher', 'Empidonax alnorum')]
    species = []
    for c in range(num_classes):
        common, sci = known[c] if c < len(known) else (
            f"Fixture's Sparrow {c + 1}", f'Passer fixturus{c + 1}')
        folder = common.replace("'", '').replace(' ', '_')
        species.append((c + 1, common, sci, folder))
    header = [
        'url', 'md5', 'path', 'species_id', 'bb_x1', 'bb_y1', 'bb_x2', 'bb_y2'
    ]
    for p in BIRDSNAP_PARTS:
        header += [f'{p}_x', f'{p}_y']
    rows, test_paths = [], []
    splits = {'train': [], 'test': []}
    n = 0
    for sid, common, _, folder in species:
        for k in range(images_per_class):
            n += 1
            rel = f'{folder}/{1000 + n}.jpg'
            path = osp.join(data_root, 'download', 'images', folder,
                            f'{1000 + n}.jpg')
            w, h = _write_image(path, rng)
            with open(path, 'rb') as f:
                md5 = hashlib.md5(f.read()).hexdigest()
            box = _box(rng, w, h)
            parts = _parts(rng, w, h, len(BIRDSNAP_PARTS), integer=True)
            fields = [
                f'http://farm{k}.staticflickr.example/{n}.jpg', md5, rel,
                str(sid)
            ] + [str(v) for v in box]
            for px, py, vis in parts:
                fields += ([str(int(px)), str(int(py))]
                           if vis else ['null', 'null'])
            rows.append('\t'.join(fields))
            is_test = k % 2 == 1
            if is_test:
                test_paths.append(rel)
            splits['test' if is_test else 'train'].append(
                dict(
                    img_path=path,
                    gt_label=sid - 1,
                    gt_bboxes=np.array([box], np.float32),
                    gt_keypoints=parts[None]))
    _write_lines(
        osp.join(data_root, 'species.txt'),
        ['\t'.join(map(str, s)) for s in species],
        header='id\tcommon\tscientific\tdir')
    _write_lines(
        osp.join(data_root, 'images.txt'), rows, header='\t'.join(header))
    _write_lines(
        osp.join(data_root, 'test_images.txt'), test_paths, header='path')
    return _result('Birdsnap', data_root, [s[1] for s in species], splits)


# --------------------------------------------------------------------------
# dogs, cars, flowers, aircraft
# --------------------------------------------------------------------------
def _voc_xml(folder, name, w, h, breed, boxes):
    objects = ''.join(
        f'\t<object>\n\t\t<name>{breed}</name>\n\t\t<pose>Unspecified</pose>'
        f'\n\t\t<truncated>0</truncated>\n\t\t<difficult>0</difficult>\n'
        f'\t\t<bndbox>\n\t\t\t<xmin>{x1}</xmin>\n\t\t\t<ymin>{y1}</ymin>\n'
        f'\t\t\t<xmax>{x2}</xmax>\n\t\t\t<ymax>{y2}</ymax>\n\t\t</bndbox>\n'
        f'\t</object>\n' for x1, y1, x2, y2 in boxes)
    return (f'<annotation>\n\t<folder>{folder}</folder>\n'
            f'\t<filename>{name}</filename>\n'
            f'\t<source>\n\t\t<database>ImageNet database</database>\n'
            f'\t</source>\n\t<size>\n\t\t<width>{w}</width>\n'
            f'\t\t<height>{h}</height>\n\t\t<depth>3</depth>\n\t</size>\n'
            f'\t<segment>0</segment>\n{objects}</annotation>')


def make_stanford_dogs(root, num_classes=3, images_per_class=4, seed=0):
    """stanford_dogs (``StanfordDogs``): lists/*.mat written with
    scipy.io.savemat (N x 1 cells, 1-based labels), VOC XML annotations
    without extension; every third image has two dogs."""
    from scipy.io import savemat
    rng = np.random.default_rng(seed)
    data_root = _makedirs(osp.join(root, 'stanford_dogs'))
    known = [
        'n02085620-Chihuahua', 'n02085782-Japanese_spaniel',
        'n02085936-Maltese_dog'
    ]
    synsets = [
        known[c] if c < len(known) else f'n0209{c:04d}-Fixture_hound_{c}'
        for c in range(num_classes)
    ]
    lists = {'train': ([], [], []), 'test': ([], [], [])}
    splits = {'train': [], 'test': []}
    for c, synset in enumerate(synsets):
        wnid, breed = synset.split('-', 1)
        for k in range(images_per_class):
            stem = f'{wnid}_{1000 + k * 7 + c}'
            path = osp.join(data_root, 'Images', synset, stem + '.jpg')
            w, h = _write_image(path, rng)
            boxes = [_box(rng, w, h) for _ in range(2 if k % 3 == 2 else 1)]
            ann = osp.join(data_root, 'Annotation', synset, stem)
            _makedirs(osp.dirname(ann))
            with open(ann, 'w') as f:
                f.write(_voc_xml(wnid[1:], stem, w, h, breed, boxes))
            split = 'train' if k % 2 == 0 else 'test'
            files, anns, labels = lists[split]
            files.append(f'{synset}/{stem}.jpg')
            anns.append(f'{synset}/{stem}')
            labels.append(c + 1)
            arr = np.array(boxes, np.float32)
            splits[split].append(
                dict(img_path=path, gt_label=c, gt_bboxes=arr))
    all_files, all_anns, all_labels = [], [], []
    for split, (files, anns, labels) in lists.items():
        savemat(
            osp.join(
                _makedirs(osp.join(data_root, 'lists')), f'{split}_list.mat'),
            dict(
                file_list=_cell(files),
                annotation_list=_cell(anns),
                labels=np.array(labels, np.float64).reshape(-1, 1)))
        all_files += files
        all_anns += anns
        all_labels += labels
    savemat(
        osp.join(data_root, 'lists', 'file_list.mat'),
        dict(
            file_list=_cell(all_files),
            annotation_list=_cell(all_anns),
            labels=np.array(all_labels, np.float64).reshape(-1, 1)))
    return _result('StanfordDogs', data_root,
                   [s.split('-', 1)[1] for s in synsets], splits)


def make_stanford_cars(root,
                       num_classes=3,
                       images_per_class=4,
                       seed=0,
                       layout='devkit'):
    """stanford_cars (``StanfordCars``).

    ``layout='devkit'``: cars_train/, cars_test/, devkit/{cars_meta,
    cars_train_annos, cars_test_annos}.mat and cars_test_annos_withlabels.mat
    in data_root. ``layout='car_ims'``: cars_annos.mat + car_ims/.
    Even images of a class are train. Boxes are 1-based integers.
    """
    from mmpretrain.datasets.categories import STANFORDCARS_CATEGORIES
    from scipy.io import savemat
    assert layout in ('devkit', 'car_ims'), layout
    rng = np.random.default_rng(seed)
    data_root = _makedirs(osp.join(root, 'stanford_cars'))
    names = [
        STANFORDCARS_CATEGORIES[c]
        if c < len(STANFORDCARS_CATEGORIES) else f'Fixture Coupe {c}'
        for c in range(num_classes)
    ]
    recs = {'train': [], 'test': []}
    splits = {'train': [], 'test': []}
    # interleave classes so that file numbers do not follow the labels
    order = [(c, k) for k in range(images_per_class)
             for c in range(num_classes)]
    for c, k in order:
        split = 'train' if k % 2 == 0 else 'test'
        if layout == 'devkit':
            fname = f'{len(recs[split]) + 1:05d}.jpg'
            path = osp.join(data_root, f'cars_{split}', fname)
        else:
            n = len(recs['train']) + len(recs['test']) + 1
            fname = f'car_ims/{n:06d}.jpg'
            path = osp.join(data_root, 'car_ims', f'{n:06d}.jpg')
        w, h = _write_image(path, rng)
        x1, y1, x2, y2 = _box(rng, w, h)
        box = (x1 + 1, y1 + 1, x2 + 1, y2)  # MATLAB 1-based, inside image
        recs[split].append(
            dict(
                bbox_x1=box[0],
                bbox_y1=box[1],
                bbox_x2=box[2],
                bbox_y2=box[3],
                **{'class': c + 1},
                fname=fname,
                relative_im_path=fname,
                test=int(split == 'test')))
        splits[split].append(
            dict(
                img_path=path,
                gt_label=c,
                gt_bboxes=np.array([box], np.float32)))
    box_fields = ['bbox_x1', 'bbox_y1', 'bbox_x2', 'bbox_y2']
    if layout == 'devkit':
        devkit = _makedirs(osp.join(data_root, 'devkit'))
        savemat(
            osp.join(devkit, 'cars_meta.mat'),
            dict(class_names=_row_cell(names)))
        fields = box_fields + ['class', 'fname']
        savemat(
            osp.join(devkit, 'cars_train_annos.mat'),
            dict(annotations=_struct_array(recs['train'], fields)))
        savemat(
            osp.join(devkit, 'cars_test_annos.mat'),
            dict(
                annotations=_struct_array(recs['test'], box_fields +
                                          ['fname'])))
        savemat(
            osp.join(data_root, 'cars_test_annos_withlabels.mat'),
            dict(annotations=_struct_array(recs['test'], fields)))
    else:
        fields = ['relative_im_path'] + box_fields + ['class', 'test']
        savemat(
            osp.join(data_root, 'cars_annos.mat'),
            dict(
                annotations=_struct_array(recs['train'] + recs['test'],
                                          fields),
                class_names=_row_cell(names)))
    return _result('StanfordCars', data_root, names, splits)


def make_flowers102(root, num_classes=3, images_per_class=4, seed=0):
    """flowers102 (``Flowers102``): jpg/image_NNNNN.jpg numbered in a
    shuffled class order, imagelabels.mat and setid.mat; per class image 0
    is train, 1 val, the rest test."""
    from scipy.io import savemat
    rng = np.random.default_rng(seed)
    data_root = _makedirs(osp.join(root, 'flowers102'))
    owners = [c for c in range(num_classes) for _ in range(images_per_class)]
    owners = [owners[i] for i in rng.permutation(len(owners))]
    labels = np.zeros((1, len(owners)), np.uint8)
    ids = {'trnid': [], 'valid': [], 'tstid': []}
    records = {}
    seen = [0] * num_classes
    for n, c in enumerate(owners, 1):
        path = osp.join(data_root, 'jpg', f'image_{n:05d}.jpg')
        _write_image(path, rng)
        labels[0, n - 1] = c + 1
        k = seen[c]
        seen[c] += 1
        key = 'trnid' if k == 0 else 'valid' if k == 1 else 'tstid'
        ids[key].append(n)
        records[n] = dict(img_path=path, gt_label=c)
    savemat(osp.join(data_root, 'imagelabels.mat'), dict(labels=labels))
    savemat(
        osp.join(data_root, 'setid.mat'), {
            k: np.array(v, np.uint16).reshape(1, -1)
            for k, v in ids.items()
        })
    splits = {
        'train': [records[n] for n in ids['trnid']],
        'val': [records[n] for n in ids['valid']],
        'trainval': [records[n] for n in ids['trnid'] + ids['valid']],
        'test': [records[n] for n in ids['tstid']],
    }
    return _result('Flowers102', data_root,
                   [f'flower_{c + 1:03d}' for c in range(num_classes)], splits)


def make_fgvc_aircraft(root, num_classes=3, images_per_class=4, seed=0):
    """fgvc-aircraft-2013b (``FGVCAircraft``): data/ with the variant
    lists (names with spaces included), images_box.txt; per class image k
    goes to train / val / test for k % 3 = 0 / 1 / 2."""
    from mmpretrain.datasets.categories import FGVCAIRCRAFT_CATEGORIES
    rng = np.random.default_rng(seed)
    data_root = _makedirs(osp.join(root, 'fgvc-aircraft-2013b'))
    data = _makedirs(osp.join(data_root, 'data'))
    # spread over the official list so that names with spaces occur
    picks = np.linspace(0,
                        len(FGVCAIRCRAFT_CATEGORIES) - 1,
                        max(num_classes, 1)).round().astype(int)
    picks = sorted(set(int(i) for i in picks))
    while len(picks) < num_classes:
        picks.append(len(FGVCAIRCRAFT_CATEGORIES) + len(picks))
    names = [
        FGVCAIRCRAFT_CATEGORIES[i]
        if i < len(FGVCAIRCRAFT_CATEGORIES) else f'Fixture Jet {i}'
        for i in picks[:num_classes]
    ]
    numbers = rng.choice(
        np.arange(1000000, 2000000),
        num_classes * images_per_class,
        replace=False)
    lines = {'train': [], 'val': [], 'test': []}
    splits = {'train': [], 'val': [], 'test': []}
    box_lines = []
    n = 0
    for c, name in enumerate(names):
        for k in range(images_per_class):
            img = f'{numbers[n]:07d}'
            n += 1
            path = osp.join(data, 'images', f'{img}.jpg')
            w, h = _write_image(path, rng)
            x1, y1, x2, y2 = _box(rng, w, h)
            box = (x1 + 1, y1 + 1, x2 + 1, y2)
            box_lines.append(f'{img} ' + ' '.join(map(str, box)))
            split = ('train', 'val', 'test')[k % 3]
            lines[split].append(f'{img} {name}')
            splits[split].append(
                dict(
                    img_path=path,
                    gt_label=c,
                    gt_bboxes=np.array([box], np.float32)))
    for split in ('train', 'val', 'test'):
        _write_lines(
            osp.join(data, f'images_variant_{split}.txt'), lines[split])
    _write_lines(
        osp.join(data, 'images_variant_trainval.txt'),
        lines['train'] + lines['val'])
    _write_lines(osp.join(data, 'variants.txt'), names)
    _write_lines(osp.join(data, 'images_box.txt'), _shuffled(rng, box_lines))
    splits['trainval'] = splits['train'] + splits['val']
    return _result('FGVCAircraft', data_root, names, splits)


# --------------------------------------------------------------------------
# iNaturalist, Imagenette, CIFAR-10
# --------------------------------------------------------------------------
def make_inaturalist2018(root, num_classes=3, images_per_class=4, seed=0):
    """inaturalist2018 (``INaturalist2018``): train2018.json / val2018.json
    (COCO style, categories listed unsorted with gaps in the ids),
    train_val2018/<supercategory>/<category_id>/<hash>.jpg; per category
    even images are train, odd val."""
    rng = np.random.default_rng(seed)
    data_root = _makedirs(osp.join(root, 'inaturalist2018'))
    cat_ids = [
        int(i)
        for i in rng.choice(np.arange(0, 8142), num_classes, replace=False)
    ]
    label_of = {cid: i for i, cid in enumerate(sorted(cat_ids))}
    supers = ['Plantae', 'Aves', 'Insecta']
    categories = [
        dict(
            id=cid,
            name=f'Species {cid:04d}',
            supercategory=supers[i % 3],
            kingdom='Kingdom 1',
            phylum='Phylum 2',
            **{'class': 'Class 3'},
            order='Order 4',
            family='Family 5',
            genus='Genus 6') for i, cid in enumerate(cat_ids)
    ]
    files = {
        'train': dict(images=[], annotations=[]),
        'val': dict(images=[], annotations=[])
    }
    splits = {'train': [], 'val': []}
    img_id = 0
    for i, cid in enumerate(cat_ids):
        for k in range(images_per_class):
            img_id += int(rng.integers(1, 50))
            digest = hashlib.md5(f'{seed}-{img_id}'.encode()).hexdigest()
            rel = f'train_val2018/{supers[i % 3]}/{cid}/{digest}.jpg'
            path = osp.join(data_root, *rel.split('/'))
            w, h = _write_image(path, rng)
            split = 'train' if k % 2 == 0 else 'val'
            files[split]['images'].append(
                dict(
                    id=img_id,
                    width=w,
                    height=h,
                    file_name=rel,
                    license=1,
                    rights_holder='fixture'))
            files[split]['annotations'].append(
                dict(id=img_id, image_id=img_id, category_id=cid))
            splits[split].append(dict(img_path=path, gt_label=label_of[cid]))
    for split, content in files.items():
        content['annotations'] = _shuffled(rng, content['annotations'])
        content.update(
            info=dict(year=2018, version='1.0', description='fixture'),
            categories=categories,
            licenses=[dict(id=1, name='fixture', url='')])
        with open(osp.join(data_root, f'{split}2018.json'), 'w') as f:
            json.dump(content, f)
    names = [f'Species {cid:04d}' for cid in sorted(cat_ids)]
    return _result('INaturalist2018', data_root, names, splits)


def make_imagenette(root, num_classes=3, images_per_class=4, seed=0):
    """imagenette2-160 (``Imagenette``): all 10 wnid folders in train/ and
    val/ (``num_classes`` is ignored: the class set is fixed);
    ``images_per_class`` train and ``max(1, images_per_class // 2)`` val
    images per class."""
    from mmfg.datasets.imagenette import IMAGENETTE_CLASSES
    rng = np.random.default_rng(seed)
    data_root = _makedirs(osp.join(root, 'imagenette2-160'))
    splits = {'train': [], 'val': []}
    counts = {'train': images_per_class, 'val': max(1, images_per_class // 2)}
    n = 0
    for split in ('train', 'val'):
        for label, (wnid, _) in enumerate(IMAGENETTE_CLASSES):
            for k in range(counts[split]):
                n += 1
                name = (f'{wnid}_{10000 + n}.JPEG' if split == 'train' else
                        f'ILSVRC2012_val_{n:08d}.JPEG')
                path = osp.join(data_root, split, wnid, name)
                _write_image(path, rng)
                splits[split].append(dict(img_path=path, gt_label=label))
    for split in splits:
        splits[split].sort(key=lambda r: (r['gt_label'], r['img_path']))
    with open(osp.join(data_root, 'noisy_imagenette.csv'), 'w') as f:
        f.write('path,noisy_labels_0,is_valid\n')
    return _result('Imagenette', data_root,
                   [name for _, name in IMAGENETTE_CLASSES], splits)


def make_cifar10(root, num_classes=3, images_per_class=4, seed=0):
    """cifar-10-batches-py (``CIFAR10``): 5 train batches + test_batch
    + batches.meta, pickled like the official files (the batches with
    bytes keys, as Python-2 pickles read with ``encoding='bytes'``).
    ``num_classes`` is ignored (10 classes); ``images_per_class`` train and
    ``max(1, images_per_class // 2)`` test images per class. ``data_root``
    is the folder holding cifar-10-batches-py."""
    from mmpretrain.datasets.categories import CIFAR10_CATEGORIES
    rng = np.random.default_rng(seed)
    data_root = _makedirs(osp.join(root, 'cifar10'))
    folder = _makedirs(osp.join(data_root, 'cifar-10-batches-py'))
    names = list(CIFAR10_CATEGORIES)
    n_train = images_per_class * len(names)
    n_test = max(1, images_per_class // 2) * len(names)
    train_labels = rng.permutation(
        np.repeat(np.arange(len(names)), images_per_class))
    test_labels = rng.permutation(
        np.repeat(np.arange(len(names)), max(1, images_per_class // 2)))
    chunks = np.array_split(np.arange(n_train), 5)
    batches = [(f'data_batch_{i + 1}', train_labels[idx],
                f'training batch {i + 1} of 5')
               for i, idx in enumerate(chunks)]
    batches.append(('test_batch', test_labels, 'testing batch 1 of 1'))
    splits = {'train': [], 'test': []}
    for name, labels, batch_label in batches:
        data = rng.integers(0, 256, (len(labels), 3072), dtype=np.uint8)
        content = {
            b'batch_label':
            batch_label.encode(),
            b'labels': [int(v) for v in labels],
            b'data':
            data,
            b'filenames':
            [f'img_{name}_{i}.png'.encode() for i in range(len(labels))]
        }
        with open(osp.join(folder, name), 'wb') as f:
            pickle.dump(content, f, protocol=2)
        imgs = data.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        split = 'test' if name == 'test_batch' else 'train'
        for i, (img, label) in enumerate(zip(imgs, labels)):
            splits[split].append(
                dict(img=img, gt_label=int(label), img_key=f'{name}/{i}'))
    with open(osp.join(folder, 'batches.meta'), 'wb') as f:
        pickle.dump(
            dict(
                num_cases_per_batch=max(len(c) for c in chunks),
                label_names=names,
                num_vis=3072),
            f,
            protocol=2)
    assert len(splits['train']) == n_train and len(splits['test']) == n_test
    return _result('CIFAR10', data_root, names, splits)


def make_mnist_fixture(root,
                       num_classes=10,
                       images_per_class=2,
                       seed=0,
                       dataset_type='MNIST'):
    """MNIST / Fashion-MNIST (``MNIST``, ``FashionMNIST``): random digits in
    the idx layout (see :mod:`.idx_fixtures`); ``splits`` holds the labels
    only (``img`` and ``gt_label`` of each record)."""
    from mmfg.datasets.mnist import (FASHIONMNIST_CATEGORIES, MNIST_CATEGORIES,
                                     SPLIT_FILES, read_idx)
    from .idx_fixtures import make_mnist
    make_mnist(root, num_classes, images_per_class, seed)
    splits = {}
    for split, (img_file, label_file) in SPLIT_FILES.items():
        imgs = read_idx(osp.join(str(root), img_file))
        labels = read_idx(osp.join(str(root), label_file))
        splits[split] = [
            dict(img=img, gt_label=int(label), img_key=f'{img_file}/{i}')
            for i, (img, label) in enumerate(zip(imgs, labels))
        ]
    names = (FASHIONMNIST_CATEGORIES if dataset_type == 'FashionMNIST' else
             MNIST_CATEGORIES)[:num_classes]
    return _result(dataset_type, str(root), names, splits)


FIXTURES = {
    'CUB': make_cub200,
    'NABirds': make_nabirds,
    'Birdsnap': make_birdsnap,
    'StanfordDogs': make_stanford_dogs,
    'StanfordCars': make_stanford_cars,
    'Flowers102': make_flowers102,
    'FGVCAircraft': make_fgvc_aircraft,
    'INaturalist2018': make_inaturalist2018,
    'Imagenette': make_imagenette,
    'CIFAR10': make_cifar10,
    'MNIST': make_mnist_fixture,
    'FashionMNIST': partial(make_mnist_fixture, dataset_type='FashionMNIST'),
}
# names of earlier mmfg versions (mmfg.datasets.legacy_names)
FIXTURES.update({
    'CUB200':
    make_cub200,
    'StanfordCarsBoxes':
    make_stanford_cars,
    'Flowers102FG':
    make_flowers102,
    'FGVCAircraftFG':
    make_fgvc_aircraft,
    'CIFAR10Split':
    make_cifar10,
    'MNISTIdx':
    make_mnist_fixture,
    'FashionMNISTIdx':
    partial(make_mnist_fixture, dataset_type='FashionMNIST'),
})


def make_fixture(dataset_type, root, **kwargs):
    """Write the fixture of a registered dataset name (see ``FIXTURES``)."""
    if dataset_type not in FIXTURES:
        raise KeyError(f'no fixture for dataset type {dataset_type!r}; '
                       f'known: {sorted(FIXTURES)}')
    return FIXTURES[dataset_type](root, **kwargs)


def make_proposal_file(path, dataset, seed=0, max_boxes=4, sizes=None):
    """Write a valid proposal file for every item of a built ``dataset``.

    Image ``i`` gets ``i % (max_boxes + 1)`` random boxes inside the image
    (so some images have none). Returns ``{key: float32 (N, 5)}`` as
    written.

    Args:
        sizes (str, optional): None (default): a version-1 file;
            ``'true'``: version 2 with each image's real ``[h, w]``;
            ``'doubled'``: version 2 with ``[2h, 2w]`` (as for boxes made on
            an image twice the size: a file that does not fit the images).
    """
    assert sizes in (None, 'true', 'doubled'), sizes
    from PIL import Image

    from mmfg.datasets.proposals import dump_proposal_file
    rng = np.random.default_rng(seed)
    proposals, image_sizes = {}, {}
    for i in range(len(dataset)):
        info = dataset.get_data_info(i)
        if 'img' in info:
            h, w = info['img'].shape[:2]
        else:
            with Image.open(info['img_path']) as im:
                w, h = im.size
        boxes = []
        for _ in range(i % (max_boxes + 1)):
            x1, y1, x2, y2 = _box(rng, w, h)
            boxes.append([x1, y1, x2, y2, round(float(rng.random()), 4)])
        key = dataset.proposal_key(info)
        proposals[key] = np.array(boxes, np.float32).reshape(-1, 5)
        scale = 2 if sizes == 'doubled' else 1
        image_sizes[key] = (h * scale, w * scale)
    dump_proposal_file(path, proposals, None if sizes is None else image_sizes)
    return proposals
