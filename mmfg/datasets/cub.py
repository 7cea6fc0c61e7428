"""CUB-200-2011 with bounding boxes and the 15 part locations, and the
parsers of the CUB-style files that NABirds shares."""
import numpy as np
from mmpretrain.datasets import CUB as _MMPretrainCUB

from mmfg.registry import DATASETS
from .annotation_table import lookup, norm_rel_path, xywh_to_xyxy
from .base_dataset import SOURCE_KEY, FGVCDataset, rel_join


def read_parts_table(dataset, rel_names, rel_locs, image_ids):
    """Parse a CUB/NABirds-style ``parts.txt`` + ``part_locs.txt`` pair.

    Part ids are mapped to rows ``0..P-1`` in the order of ``parts.txt``
    (CUB numbers them from 1, NABirds from 0). An image without any line in
    ``part_locs.txt`` gets all parts invisible (zeros).

    Returns:
        tuple[list[str], dict[str, np.ndarray]]: part names and
        ``{image_id: (P, 3) float32 [x, y, visible]}`` for ``image_ids``.
    """
    owner = type(dataset).__name__
    names_path = dataset._require_file(rel_names)
    locs_path = dataset._require_file(rel_locs)
    names_tab = dataset._table(
        names_path, '<part_id> <part_name>', 2, maxsplit=1)
    part_rows = {}
    for key, (lineno, fields) in names_tab.by_key().items():
        names_tab.int(lineno, key, 'part id')
        part_rows[key] = len(part_rows)
    names = [fields[1] for _, fields in names_tab.rows]
    num_parts = len(names)
    if num_parts != dataset.NUM_PARTS:
        raise dataset._data_error(
            names_path, f'lists {num_parts} parts, {owner} has '
            f'{dataset.NUM_PARTS}')

    locs_tab = dataset._table(locs_path,
                              '<image_id> <part_id> <x> <y> <visible>', 5)
    wanted = set(image_ids)
    parts = {}
    seen = set()
    for lineno, (img_id, part_id, x, y, vis) in locs_tab.rows:
        if img_id not in wanted:
            continue
        row = part_rows.get(part_id)
        if row is None:
            raise locs_tab.error(
                lineno, f'part id {part_id} is not in '
                f'{names_path}')
        if (img_id, row) in seen:
            raise locs_tab.error(
                lineno, f'part {part_id} of image {img_id} '
                'appears again')
        seen.add((img_id, row))
        visible = locs_tab.int(lineno, vis, 'visible flag')
        if visible not in (0, 1):
            raise locs_tab.error(lineno, f'visible flag {vis!r} is not 0 or '
                                 '1')
        x, y = locs_tab.float(lineno, x, 'x'), locs_tab.float(lineno, y, 'y')
        if visible and (x < 0 or y < 0):
            # as a box with a negative origin (read_boxes_xywh)
            raise locs_tab.error(
                lineno, f'part {part_id} of image {img_id} is visible at a '
                f'negative position ({x:g}, {y:g}); part locations are '
                'pixels of the image, >= 0 (a part not seen has visible 0)')
        arr = parts.get(img_id)
        if arr is None:
            arr = parts[img_id] = np.zeros((num_parts, 3), np.float32)
        arr[row] = (x, y, visible)
    for img_id in image_ids:
        if img_id not in parts:
            parts[img_id] = np.zeros((num_parts, 3), np.float32)
    return names, parts


def items_with_boxes_and_parts(dataset, selected, img_dir):
    """Data list of CUB-style datasets (CUB, NABirds): ``selected`` is a
    list of ``(image_id, relative path, label, source)`` (source: the
    ``"<file>, line N"`` listing the image); boxes come from
    ``bounding_boxes.txt`` (``gt_bboxes`` (1, 4)) and parts from
    ``parts/part_locs.txt`` (``gt_keypoints`` (1, P, 3)) when the dataset
    asks for them."""
    ids = [s[0] for s in selected]
    boxes = (
        read_boxes_xywh(dataset, 'bounding_boxes.txt', ids)
        if dataset.with_bbox else None)
    parts = None
    if dataset.with_parts:
        _, parts = read_parts_table(dataset, 'parts/parts.txt',
                                    'parts/part_locs.txt', ids)
    items = []
    for img_id, rel, label, source in selected:
        info = dict(
            img_path=rel_join(img_dir, rel, backend_args=dataset.backend_args),
            gt_label=label)
        info[SOURCE_KEY] = source
        if boxes is not None:
            info['gt_bboxes'] = boxes[img_id][None]
        if parts is not None:
            info['gt_keypoints'] = parts[img_id][None]
        items.append(info)
    return items


def read_boxes_xywh(dataset, rel_path, image_ids):
    """``bounding_boxes.txt`` (``<image_id> <x> <y> <width> <height>``) ->
    ``{image_id: float32 [x1, y1, x2, y2]}`` for ``image_ids``."""
    path = dataset._require_file(rel_path)
    tab = dataset._table(path, '<image_id> <x> <y> <width> <height>', 5)
    rows = tab.by_key()
    boxes = {}
    for img_id in image_ids:
        lineno, fields = lookup(rows, img_id, path, 'image id',
                                type(dataset).__name__)
        x, y, w, h = (tab.float(lineno, v, n)
                      for v, n in zip(fields[1:], 'x y width height'.split()))
        if w <= 0 or h <= 0 or x < 0 or y < 0:
            raise tab.error(
                lineno, f'box {fields[1:]} has a negative origin '
                'or a non-positive size')
        boxes[img_id] = xywh_to_xyxy(x, y, w, h)
    return boxes


@DATASETS.register_module()
class CUB(FGVCDataset, _MMPretrainCUB):
    """Caltech-UCSD Birds-200-2011 with boxes and parts, official layout.

    200 species, 5,994 train / 5,794 test images (``train_test_split.txt``),
    one box and 15 part locations per image. Extends mmpretrain's ``CUB``
    (same layout, ``data_root`` and splits; labels and split only) and is
    registered under its name in the ``mmfg`` scope: it also reads the
    class names from ``classes.txt`` (the ``NNN.`` prefix removed, as
    mmpretrain's ``CUB_CATEGORIES``), the boxes and the parts, and names
    the file and line of any malformed annotation.

    Layout (``CUB_200_2011.tgz`` extracted; ``data_root`` is the
    ``CUB_200_2011`` folder)::

        CUB_200_2011/
        ├── images.txt               <image_id> <class folder>/<file>.jpg
        ├── image_class_labels.txt   <image_id> <class_id>
        ├── train_test_split.txt     <image_id> <is_training_image 1|0>
        ├── classes.txt              <class_id> <NNN.Class_name>
        ├── bounding_boxes.txt       <image_id> <x> <y> <width> <height>
        ├── parts/
        │   ├── parts.txt            <part_id> <part name>   (15 parts)
        │   └── part_locs.txt        <image_id> <part_id> <x> <y> <visible>
        └── images/
            └── 001.Black_footed_Albatross/
                └── Black_Footed_Albatross_0046_18.jpg ...

    All ids are 1-based; labels are ``class_id - 1``. Boxes are converted
    from ``x, y, w, h`` to ``gt_bboxes = [[x, y, x + w, y + h]]`` (1, 4);
    ``gt_keypoints`` is ``(1, 15, 3)`` ``[x, y, visible]`` in pixels, parts
    in ``parts.txt`` order, invisible parts ``[0, 0, 0]`` as in the file.

    Args:
        data_root (str): the ``CUB_200_2011`` folder.
        split (str): 'train' or 'test'.
        with_bbox (bool): add ``gt_bboxes`` (default True).
        with_parts (bool): add ``gt_keypoints`` (default True).
        **kwargs: see :class:`~mmfg.datasets.base_dataset.FGVCDataset`
            (``proposal_file``, ``check_files``, ``missing_images``,
            ``backend_args``, ...).
    """
    METAINFO = {}  # class names come from classes.txt
    SPLITS = ('train', 'test')
    HAS_BBOX = True
    HAS_PARTS = True
    NUM_PARTS = 15
    LAYOUT = ('CUB_200_2011/{images.txt, image_class_labels.txt, '
              'train_test_split.txt, classes.txt, bounding_boxes.txt, '
              'parts/parts.txt, parts/part_locs.txt, '
              'images/<NNN.Class>/<file>.jpg}')
    PREPARE_HINT = ('Download CUB_200_2011.tgz (https://www.vision.caltech.'
                    'edu/datasets/cub_200_2011/), extract it and set '
                    'data_root to the CUB_200_2011 folder; see '
                    'docs/datasets.md.')

    def load_items(self):
        owner = type(self).__name__
        img_dir = self._require_dir('images')
        images_path = self._require_file('images.txt')
        labels_path = self._require_file('image_class_labels.txt')
        split_path = self._require_file('train_test_split.txt')
        classes_path = self._require_file('classes.txt')

        classes_tab = self._table(
            classes_path, '<class_id> <class_name>', 2, maxsplit=1)
        class_ids = {}
        names = []
        for lineno, (cid, name) in classes_tab.rows:
            cid = classes_tab.int(lineno, cid, 'class id')
            if cid != len(names) + 1:
                raise classes_tab.error(
                    lineno, f'class ids must run 1, 2, '
                    f'... in order; got {cid} on line '
                    f'{lineno}')
            class_ids[cid] = len(names)
            # '001.Black_footed_Albatross' -> 'Black_footed_Albatross'
            prefix, dot, rest = name.partition('.')
            names.append(rest if dot and prefix.isdigit() else name)
        self._set_classes(names)

        images_tab = self._table(
            images_path, '<image_id> <image_name>', 2, maxsplit=1)
        labels_tab = self._table(labels_path, '<image_id> <class_id>', 2)
        split_tab = self._table(split_path, '<image_id> <is_training_image>',
                                2)
        labels = labels_tab.by_key()
        splits = split_tab.by_key()
        want = '1' if self.split == 'train' else '0'

        # each image id and each image once (a repeat would add an item
        # with another line's label / split)
        images_tab.by_key(0, 'image id')
        images_tab.by_key(1, 'image path', norm=norm_rel_path)
        selected = []
        for lineno, (img_id, rel) in images_tab.rows:
            images_tab.int(lineno, img_id, 'image id')
            s_line, (_, flag) = lookup(splits, img_id, split_path, 'image id',
                                       owner)
            if flag not in ('0', '1'):
                raise split_tab.error(
                    s_line, f'is_training_image {flag!r} '
                    'is not 0 or 1')
            if flag != want:
                continue
            l_line, (_, cid) = lookup(labels, img_id, labels_path, 'image id',
                                      owner)
            cid = labels_tab.int(l_line, cid, 'class id')
            if cid not in class_ids:
                raise labels_tab.error(
                    l_line, f'class id {cid} is not in '
                    f'{classes_path} (1..{len(names)})')
            selected.append(
                (img_id, rel, class_ids[cid], f'{images_path}, line {lineno}'))

        return items_with_boxes_and_parts(self, selected, img_dir)
