"""FGVC-Aircraft on mmpretrain's ``FGVCAircraft``, with boxes."""
import numpy as np
from mmpretrain.datasets import FGVCAircraft as _MMPretrainFGVCAircraft

from mmfg.registry import DATASETS
from .annotation_table import box_problem, lookup
from .base_dataset import SOURCE_KEY, FGVCDataset


@DATASETS.register_module()
class FGVCAircraft(FGVCDataset, _MMPretrainFGVCAircraft):
    """FGVC-Aircraft 2013b (100 variants) with boxes, official layout.

    10,000 images, 3,334 train / 3,333 val / 3,333 test (trainval = train +
    val). Extends mmpretrain's ``FGVCAircraft`` (same layout, splits and
    default ``split='trainval'``; registered under its name in the ``mmfg``
    scope) with the boxes of ``images_box.txt``, the
    class list read from ``variants.txt`` (mmpretrain hard-codes it; the
    official file lists the same 100 variants in the same order), line
    numbers in errors and the common mmfg options.

    Layout (``fgvc-aircraft-2013b.tar.gz`` extracted; ``data_root`` is
    ``fgvc-aircraft-2013b``)::

        fgvc-aircraft-2013b/
        └── data/
            ├── images/1025794.jpg ...
            ├── variants.txt                  <variant>   (one per line)
            ├── images_variant_train.txt      <image_name> <variant>
            ├── images_variant_val.txt
            ├── images_variant_trainval.txt
            ├── images_variant_test.txt
            ├── images_box.txt                <image_name> <xmin> <ymin>
            │                                 <xmax> <ymax>
            └── (families / manufacturers files, not used)

    Variant names may contain spaces (``Cessna 172``); labels are the variant's
    row in ``variants.txt``. ``gt_bboxes`` is ``[[xmin, ymin, xmax, ymax]]``
    (1, 4) as stored (1-based pixels). Note: every official image carries a
    20-pixel copyright banner at the bottom; the boxes are given in the full
    image, banner included. Crop it off in the pipeline if wanted.

    Args:
        data_root (str): the ``fgvc-aircraft-2013b`` folder.
        split (str): 'train', 'val', 'trainval' or 'test'.
        with_bbox (bool): add ``gt_bboxes`` (default True).
        **kwargs: see :class:`~mmfg.datasets.base_dataset.FGVCDataset`.
    """
    METAINFO = {}
    SPLITS = ('train', 'val', 'trainval', 'test')
    DEFAULT_SPLIT = 'trainval'
    HAS_BBOX = True
    LAYOUT = ('fgvc-aircraft-2013b/data/{images/<name>.jpg, variants.txt, '
              'images_variant_{train,val,trainval,test}.txt, '
              'images_box.txt}')
    PREPARE_HINT = ('Download fgvc-aircraft-2013b.tar.gz (https://www.'
                    'robots.ox.ac.uk/~vgg/data/fgvc-aircraft/) and extract '
                    'it; data_root is the fgvc-aircraft-2013b folder; see '
                    'docs/datasets.md.')

    def load_items(self):
        owner = type(self).__name__
        self._require_dir('data/images')
        variants_path = self._require_file('data/variants.txt')
        list_path = self._require_file(f'data/images_variant_{self.split}.txt')

        variants = self._table(variants_path, '<variant name>', 1, maxsplit=0)
        names = [fields[0].strip() for _, fields in variants.rows]
        index = {}
        for (lineno, _), name in zip(variants.rows, names):
            if name in index:
                raise variants.error(lineno, f'variant {name!r} appears '
                                     'again')
            index[name] = len(index)
        self._set_classes(names)

        table = self._table(list_path, '<image_name> <variant>', 2, maxsplit=1)
        # each image once, and never in both a training list and the test
        # list (a repeat adds it twice, possibly with another label)
        table.by_key(0, 'image')
        self._check_disjoint(table, list_path)
        selected = []
        for lineno, (img, variant) in table.rows:
            variant = variant.strip()
            if variant not in index:
                raise table.error(
                    lineno, f'variant {variant!r} is not in '
                    f'{variants_path}')
            selected.append((img, index[variant], lineno))

        boxes = None
        if self.with_bbox:
            box_path = self._require_file('data/images_box.txt')
            box_tab = self._table(box_path,
                                  '<image_name> <xmin> <ymin> <xmax> <ymax>',
                                  5)
            boxes = box_tab.by_key()

        items = []
        for img, label, lineno in selected:
            info = dict(
                img_path=self._path(f'data/images/{img}.jpg'), gt_label=label)
            info[SOURCE_KEY] = f'{list_path}, line {lineno}'
            if boxes is not None:
                lineno, fields = lookup(boxes, img, box_path, 'image', owner)
                box = [
                    box_tab.float(lineno, v, n)
                    for v, n in zip(fields[1:], ('xmin', 'ymin', 'xmax',
                                                 'ymax'))
                ]
                problem = box_problem(box)
                if problem:
                    raise box_tab.error(lineno, problem)
                info['gt_bboxes'] = np.array([box], dtype=np.float32)
            items.append(info)
        return items

    def _check_disjoint(self, table, list_path):
        """Refuse an image of this split's list that the list of the other
        side (test vs. train/val/trainval) has too (a test image in
        training)."""
        other = 'trainval' if self.split == 'test' else 'test'
        other_path = self._path(f'data/images_variant_{other}.txt')
        if not self._isfile(other_path):
            return
        other_rows = self._table(
            other_path, '<image_name> <variant>', 2,
            maxsplit=1).by_key(0, 'image')
        for lineno, fields in table.rows:
            hit = other_rows.get(fields[0])
            if hit is not None:
                raise table.error(
                    lineno, f'image {fields[0]} is also in {other_path} '
                    f'(line {hit[0]}): an image must not be in both a '
                    'training and the test split; remove one of the lines')
