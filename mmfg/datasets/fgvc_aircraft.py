"""FGVC-Aircraft on mmpretrain's ``FGVCAircraft``, with boxes."""
import os.path as osp

import numpy as np
from mmpretrain.datasets import FGVCAircraft

from mmfg.registry import DATASETS
from .base import AnnotationTable, FGVCMixin, lookup


@DATASETS.register_module()
class FGVCAircraftFG(FGVCMixin, FGVCAircraft):
    """FGVC-Aircraft 2013b (100 variants) with boxes, official layout.

    10,000 images, 3,334 train / 3,333 val / 3,333 test (trainval = train +
    val). Extends mmpretrain's ``FGVCAircraft`` (same layout, splits and
    default ``split='trainval'``) with the boxes of ``images_box.txt``, the
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

    Variant names may contain spaces (``Cessna 172``); labels are the
    variant's row in ``variants.txt``. ``gt_bbox`` is ``[xmin, ymin, xmax,
    ymax]`` as stored (1-based pixels). Note: every official image carries
    a 20-pixel copyright banner at the bottom; the boxes are given in the
    full image, banner included. Crop it off in the pipeline if wanted.

    Args:
        data_root (str): the ``fgvc-aircraft-2013b`` folder.
        split (str): 'train', 'val', 'trainval' or 'test'.
        with_bbox (bool): add ``gt_bbox`` (default True).
        proposal_file, check_files, missing_images, test_mode: see
            :class:`mmfg.datasets.base.FGVCDataset`.
        **kwargs: the rest of :class:`mmpretrain.datasets.BaseDataset`.
    """
    METAINFO = {}
    SPLITS = ('train', 'val', 'trainval', 'test')
    HAS_BBOX = True
    LAYOUT = ('fgvc-aircraft-2013b/data/{images/<name>.jpg, variants.txt, '
              'images_variant_{train,val,trainval,test}.txt, '
              'images_box.txt}')
    PREPARE_HINT = ('Download fgvc-aircraft-2013b.tar.gz (https://www.'
                    'robots.ox.ac.uk/~vgg/data/fgvc-aircraft/) and extract '
                    'it; data_root is the fgvc-aircraft-2013b folder; see '
                    'docs/datasets.md.')

    def __init__(self, data_root, split='trainval', proposal_file=None,
                 check_files=None, missing_images='error', test_mode=None,
                 with_bbox=None, **kwargs):
        root = self._setup_fgvc(data_root, split, proposal_file, check_files,
                                missing_images, with_bbox=with_bbox)
        super().__init__(data_root=root, split=split, **kwargs)
        self.test_mode = (split in ('val', 'test')
                          if test_mode is None else test_mode)

    def load_data_list(self):
        owner = type(self).__name__
        img_dir = self._require_dir('data/images')
        variants_path = self._require_file('data/variants.txt')
        list_path = self._require_file(f'data/images_variant_{self.split}.txt')

        variants = AnnotationTable(variants_path, '<variant name>', 1,
                                   maxsplit=0, owner=owner)
        names = [fields[0].strip() for _, fields in variants.rows]
        index = {}
        for (lineno, _), name in zip(variants.rows, names):
            if name in index:
                raise variants.error(lineno, f'variant {name!r} appears '
                                     'again')
            index[name] = len(index)
        self._set_classes(names)

        table = AnnotationTable(list_path, '<image_name> <variant>', 2,
                                maxsplit=1, owner=owner)
        selected = []
        for lineno, (img, variant) in table.rows:
            variant = variant.strip()
            if variant not in index:
                raise table.error(lineno, f'variant {variant!r} is not in '
                                  f'{variants_path}')
            selected.append((img, index[variant]))

        boxes = None
        if self.with_bbox:
            box_path = self._require_file('data/images_box.txt')
            box_tab = AnnotationTable(
                box_path, '<image_name> <xmin> <ymin> <xmax> <ymax>', 5,
                owner=owner)
            boxes = box_tab.by_key()

        items = []
        for img, label in selected:
            info = dict(img_path=osp.join(img_dir, f'{img}.jpg'),
                        gt_label=label)
            if boxes is not None:
                lineno, fields = lookup(boxes, img, box_path, 'image',
                                        owner)
                box = [box_tab.float(lineno, v, n) for v, n in
                       zip(fields[1:], ('xmin', 'ymin', 'xmax', 'ymax'))]
                if box[2] <= box[0] or box[3] <= box[1]:
                    raise box_tab.error(lineno, f'empty box {box}')
                info['gt_bbox'] = np.array(box, dtype=np.float32)
            items.append(info)
        return self._finish(items)
