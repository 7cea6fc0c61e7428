"""Stanford Dogs (120 breeds, ImageNet images) with VOC-style boxes."""
import xml.etree.ElementTree as ET

import numpy as np
from mmengine.fileio import get

from mmfg.registry import DATASETS
from mmfg.utils import DataError
from .annotation_table import box_problem, first_repeat, norm_rel_path
from .base_dataset import SOURCE_KEY, FGVCDataset, rel_join
from .mat_files import mat_list, mat_var


def read_voc_boxes(path, owner='', backend_args=None):
    """All ``<object><bndbox>`` of a PASCAL-VOC style XML file.

    Returns:
        np.ndarray: float32 ``(K, 4)`` ``xmin, ymin, xmax, ymax``, K >= 1.
    """
    prefix = f'{owner}: ' if owner else ''
    raw = get(path, backend_args=backend_args)
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise DataError(f'{prefix}{path} is not valid XML ({exc})') from None
    boxes = []
    for i, obj in enumerate(root.iter('object')):
        bnd = obj.find('bndbox')
        try:
            box = [
                float(bnd.find(tag).text)
                for tag in ('xmin', 'ymin', 'xmax', 'ymax')
            ]
        except (AttributeError, TypeError, ValueError):
            raise DataError(f'{prefix}{path}: <object> {i + 1} has no valid '
                            '<bndbox> with numeric <xmin> <ymin> <xmax> '
                            '<ymax>') from None
        problem = box_problem(box)
        if problem:
            raise DataError(f'{prefix}{path}: <object> {i + 1}: {problem}')
        boxes.append(box)
    if not boxes:
        raise DataError(f'{prefix}{path} has no <object><bndbox>')
    return np.array(boxes, dtype=np.float32)


def breed_name(folder):
    """'n02085620-Chihuahua' -> 'Chihuahua'."""
    synset, dash, breed = folder.partition('-')
    return breed if dash and synset.startswith('n') else folder


@DATASETS.register_module()
class StanfordDogs(FGVCDataset):
    """Stanford Dogs, official layout (``images.tar``, ``annotation.tar``,
    ``lists.tar``).

    120 breeds, 12,000 train / 8,580 test images. The split lists are
    MATLAB files with ``file_list`` (``<synset-breed>/<file>.jpg``),
    ``annotation_list`` (``<synset-breed>/<file>``, no extension) and
    ``labels`` (1-based), N x 1 each. Every image has a PASCAL-VOC style XML
    annotation with one ``<object><bndbox>`` per dog.

    Layout (``data_root`` holds the three extracted archives; the list
    files are accepted in ``lists/`` or directly in ``data_root``)::

        stanford_dogs/
        ├── lists/                   (lists.tar)
        │   ├── train_list.mat       file_list, annotation_list, labels
        │   ├── test_list.mat
        │   └── file_list.mat        (all images; not needed)
        ├── Images/                  (images.tar)
        │   └── n02085620-Chihuahua/
        │       └── n02085620_10074.jpg ...
        └── Annotation/              (annotation.tar)
            └── n02085620-Chihuahua/
                └── n02085620_10074  (XML, no extension)

    Labels are ``labels - 1``; class names are the breed part of the image
    folders (``Chihuahua``) in label order. ``gt_bboxes`` (float32
    ``(K, 4)``) holds each annotated dog's box ``[xmin, ymin, xmax, ymax]``,
    in XML order, in pixels of the image (``CropToBBox`` crops to the box
    enclosing them all).

    Args:
        data_root (str): the folder holding ``Images``, ``Annotation`` and
            the lists.
        split (str): 'train' or 'test'.
        with_bbox (bool): parse the XML files for ``gt_bboxes`` (default
            True).
        **kwargs: see :class:`~mmfg.datasets.base_dataset.FGVCDataset`.
    """
    SPLITS = ('train', 'test')
    HAS_BBOX = True
    LAYOUT = ('{lists/train_list.mat, lists/test_list.mat (or both in '
              'data_root), Images/<synset-breed>/<file>.jpg, '
              'Annotation/<synset-breed>/<file>}')
    PREPARE_HINT = ('Download images.tar, annotation.tar and lists.tar '
                    '(http://vision.stanford.edu/aditya86/ImageNetDogs/) '
                    'and extract them into data_root (lists.tar into '
                    'data_root/lists); see docs/datasets.md.')

    def _read_list(self, split):
        owner = type(self).__name__
        path = self._require_file(f'lists/{split}_list.mat',
                                  f'{split}_list.mat')
        mat = self._load_mat(path)
        try:
            files = [
                str(f)
                for f in mat_list(mat_var(mat, 'file_list', path, owner))
            ]
            anns = [
                str(f) for f in mat_list(
                    mat_var(mat, 'annotation_list', path, owner))
            ]
            labels = mat_list(mat_var(mat, 'labels', path, owner))
        except ValueError as exc:
            raise self._data_error(path, f'malformed list ({exc})') from None
        if not len(files) == len(anns) == len(labels):
            raise self._data_error(
                path, f'file_list, annotation_list and labels have '
                f'{len(files)}, {len(anns)} and {len(labels)} entries')
        out = []
        for i, (f, a, lab) in enumerate(zip(files, anns, labels)):
            if not isinstance(lab, (int, float)) or lab != int(lab) \
                    or lab < 1:
                raise self._data_error(
                    path, f'entry {i + 1}: label {lab!r} '
                    'is not a positive integer '
                    '(labels are 1-based)')
            out.append((f, a, int(lab)))
        return path, out

    def load_items(self):
        owner = type(self).__name__
        img_dir = self._require_dir('Images')
        ann_dir = self._require_dir('Annotation') if self.with_bbox else None
        path, rows = self._read_list(self.split)
        args = self.backend_args

        folders = {}
        for i, (f, _, lab) in enumerate(rows):
            folder = f.split('/')[0]
            if folders.setdefault(lab, folder) != folder:
                raise self._data_error(
                    path, f'entry {i + 1}: label {lab} is given to images of '
                    f'{folders[lab]!r} and of {folder!r}')
        num_classes = max(folders) if folders else 0
        if len(folders) < num_classes:
            # labels absent from this split: name them from the other list
            other = 'test' if self.split == 'train' else 'train'
            try:
                _, other_rows = self._read_list(other)
            except FileNotFoundError:
                other_rows = []
            for f, _, lab in other_rows:
                folders.setdefault(lab, f.split('/')[0])
        self._set_classes(
            breed_name(folders.get(k, f'class_{k}'))
            for k in range(1, num_classes + 1))

        rep = first_repeat([f for f, _, _ in rows], norm=norm_rel_path)
        if rep is not None:
            raise self._data_error(
                path, f'entries {rep[0] + 1} and {rep[1] + 1} of file_list '
                f'both name image {rep[2]}; every image must be listed once '
                '(a repeat counts it twice and can give it another label)')
        items = []
        for i, (f, a, lab) in enumerate(rows):
            info = dict(
                img_path=rel_join(img_dir, f, backend_args=args),
                gt_label=lab - 1)
            info[SOURCE_KEY] = f'{path}, entry {i + 1}'
            if ann_dir is not None:
                xml = rel_join(ann_dir, a, backend_args=args)
                self.check_inside_root(
                    xml, f'{path}, entry {i + 1} of annotation_list')
                if not self._isfile(xml):
                    raise self._not_found(xml, 'annotation file')
                info['gt_bboxes'] = read_voc_boxes(xml, owner, args)
            items.append(info)
        return items
