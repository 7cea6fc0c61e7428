"""Stanford Cars (196 classes) with bounding boxes."""
import numpy as np
from mmpretrain.datasets import StanfordCars as _MMPretrainStanfordCars

from mmfg.registry import DATASETS
from .annotation_table import box_problem, first_repeat, norm_rel_path
from .base_dataset import SOURCE_KEY, FGVCDataset, rel_join
from .mat_files import mat_list, mat_struct_records, mat_var

BOX_FIELDS = ('bbox_x1', 'bbox_y1', 'bbox_x2', 'bbox_y2')


@DATASETS.register_module()
class StanfordCars(FGVCDataset, _MMPretrainStanfordCars):
    """Stanford Cars with boxes, in either official layout.

    196 classes (make, model, year), 8,144 train / 8,041 test images, one
    box per image. Extends mmpretrain's ``StanfordCars`` and is registered
    under its name in the ``mmfg`` scope: both layouts it reads are
    supported (the all-in-one ``cars_annos.mat`` wins when present, as in
    mmpretrain); class names come from the files, boxes are added and a
    missing or malformed file is named.

    Devkit layout (``cars_train.tgz``, ``cars_test.tgz``,
    ``car_devkit.tgz`` and the separately released
    ``cars_test_annos_withlabels.mat``, in ``devkit/`` or in data_root)::

        stanford_cars/
        ├── cars_train/00001.jpg ...
        ├── cars_test/00001.jpg ...
        ├── cars_test_annos_withlabels.mat   (or devkit/...)
        └── devkit/
            ├── cars_meta.mat            class_names (1 x 196 cell)
            ├── cars_train_annos.mat     annotations: struct array with
            │                            bbox_x1 bbox_y1 bbox_x2 bbox_y2
            │                            class (1-based) fname
            └── cars_test_annos.mat      (same, without class: not usable)

    All-in-one layout::

        stanford_cars/
        ├── cars_annos.mat   annotations: relative_im_path
        │                    ('car_ims/000001.jpg') bbox_x1 bbox_y1 bbox_x2
        │                    bbox_y2 class test (1 = test image);
        │                    class_names
        └── car_ims/000001.jpg ...

    Labels are ``class - 1``. ``gt_bboxes`` is ``[[bbox_x1, bbox_y1, bbox_x2,
    bbox_y2]]`` (1, 4) exactly as stored (pixel indices in MATLAB's 1-based
    convention; the difference from 0-based is one pixel).

    Args:
        data_root (str): the folder described above.
        split (str): 'train' or 'test'.
        with_bbox (bool): add ``gt_bboxes`` (default True).
        **kwargs: see :class:`~mmfg.datasets.base_dataset.FGVCDataset`.
    """
    METAINFO = {}  # class names come from the .mat files
    SPLITS = ('train', 'test')
    HAS_BBOX = True
    LAYOUT = ('{cars_train/*.jpg, cars_test/*.jpg, devkit/cars_meta.mat, '
              'devkit/cars_train_annos.mat, '
              '[devkit/]cars_test_annos_withlabels.mat} or '
              '{cars_annos.mat, car_ims/*.jpg}')
    PREPARE_HINT = ('Get cars_train.tgz, cars_test.tgz, car_devkit.tgz and '
                    'cars_test_annos_withlabels.mat (the Stanford site is '
                    'offline; mirrors keep the same files) and extract them '
                    'into data_root; see docs/datasets.md.')

    def load_items(self):
        if self._isfile(self._path('cars_annos.mat')):
            return self._load_all_in_one()
        return self._load_devkit()

    def _names(self, mat, path):
        owner = type(self).__name__
        try:
            return [
                str(n)
                for n in mat_list(mat_var(mat, 'class_names', path, owner))
            ]
        except ValueError as exc:
            raise self._data_error(path, f'malformed class_names ({exc})')

    def _check_repeats(self, records, path, name_key):
        """Each image once in ``records`` (a repeat adds it twice, possibly
        with another label or split)."""
        rep = first_repeat([str(r[name_key]) for r in records],
                           norm=norm_rel_path)
        if rep is not None:
            i, j, name = rep
            raise self._data_error(
                path, f'annotations {i + 1} and {j + 1} both name image '
                f'{name}; every image must be annotated once (a repeat counts '
                'it twice and can give it another label or split)')

    def _items(self, records, path, img_dir, name_key, num_classes):
        items = []
        for i, rec in enumerate(records):
            n = rec.get('_index', i) + 1  # the record's number in the file
            cls = rec['class']
            if not isinstance(cls, (int, float)) or cls != int(cls) \
                    or not 1 <= cls <= num_classes:
                raise self._data_error(
                    path, f'annotation {n}: class {cls!r} is not in '
                    f'1..{num_classes}')
            info = dict(
                img_path=rel_join(
                    img_dir,
                    str(rec[name_key]),
                    backend_args=self.backend_args),
                gt_label=int(cls) - 1)
            info[SOURCE_KEY] = f'{path}, annotation {n}'
            if self.with_bbox:
                box = [rec[k] for k in BOX_FIELDS]
                problem = (
                    box_problem(box) if all(
                        isinstance(v, (int, float))
                        for v in box) else 'not 4 numbers')
                if problem:
                    raise self._data_error(
                        path, f'annotation {n} ({rec[name_key]}): bad '
                        f'box {dict(zip(BOX_FIELDS, box))}: {problem}')
                info['gt_bboxes'] = np.array([box], dtype=np.float32)
            items.append(info)
        return items

    def _load_devkit(self):
        owner = type(self).__name__
        meta_path = self._require_file('devkit/cars_meta.mat')
        names = self._names(self._load_mat(meta_path), meta_path)
        self._set_classes(names)
        if self.split == 'train':
            img_dir = self._require_dir('cars_train')
            path = self._require_file('devkit/cars_train_annos.mat')
        else:
            img_dir = self._require_dir('cars_test')
            try:
                path = self._require_file(
                    'devkit/cars_test_annos_withlabels.mat',
                    'cars_test_annos_withlabels.mat')
            except FileNotFoundError as exc:
                raise FileNotFoundError(
                    f'{exc} Note: devkit/cars_test_annos.mat has no labels; '
                    'the labelled test annotations are the separate file '
                    'cars_test_annos_withlabels.mat.') from None
        mat = self._load_mat(path)
        fields = ('class', 'fname') + (BOX_FIELDS if self.with_bbox else ())
        records = mat_struct_records(
            mat_var(mat, 'annotations', path, owner), fields, path, owner)
        self._check_repeats(records, path, 'fname')
        return self._items(records, path, img_dir, 'fname', len(names))

    def _load_all_in_one(self):
        owner = type(self).__name__
        path = self._require_file('cars_annos.mat')
        mat = self._load_mat(path)
        names = self._names(mat, path)
        self._set_classes(names)
        fields = ('class', 'relative_im_path', 'test') + (
            BOX_FIELDS if self.with_bbox else ())
        records = mat_struct_records(
            mat_var(mat, 'annotations', path, owner), fields, path, owner)
        want = 1 if self.split == 'test' else 0
        for i, rec in enumerate(records):
            if rec['test'] not in (0, 1):
                raise self._data_error(
                    path, f'annotation {i + 1}: test flag '
                    f'{rec["test"]!r} is not 0 or 1')
        # over both splits: an image in both is a test image in training
        self._check_repeats(records, path, 'relative_im_path')
        for i, rec in enumerate(records):
            rec['_index'] = i
        records = [r for r in records if r['test'] == want]
        if records:
            self._require_dir(
                str(records[0]['relative_im_path']).split('/')[0])
        return self._items(records, path, self.data_root, 'relative_im_path',
                           len(names))
