"""NABirds (555 visual categories of North American birds)."""
from mmfg.registry import DATASETS
from .annotation_table import lookup, norm_rel_path
from .base_dataset import FGVCDataset
from .cub import items_with_boxes_and_parts


@DATASETS.register_module()
class NABirds(FGVCDataset):
    """NABirds with boxes and the 11 part locations, official layout.

    48,562 images (23,929 train / 24,633 test), 555 visual categories.
    The files look like CUB's, with three differences this loader handles:

    * image ids are UUID strings (``0000139e-21dc-4d0c-bfe1-4cae3c85c829``),
      not integers;
    * class ids are **not contiguous**: ``classes.txt`` lists the whole
      taxonomy (1,011 nodes, see ``hierarchy.txt``) and only the 555 leaf
      ids appear in ``image_class_labels.txt``. Labels are those ids, taken
      from the whole ``image_class_labels.txt`` (both splits) and mapped to
      ``0..N-1`` in increasing numeric order; ``metainfo['classes']`` holds
      their names from ``classes.txt`` in the same order, and
      ``class_ids`` the original ids (``class_ids[label] = id``);
    * part ids in ``parts/parts.txt`` start at 0 (11 parts).

    Layout (``nabirds.tar.gz`` extracted; ``data_root`` is ``nabirds``)::

        nabirds/
        ├── images.txt               <image_uuid> <NNNN>/<file>.jpg
        ├── image_class_labels.txt   <image_uuid> <class_id>
        ├── train_test_split.txt     <image_uuid> <is_training_image 1|0>
        ├── classes.txt              <class_id> <class name>
        ├── bounding_boxes.txt       <image_uuid> <x> <y> <width> <height>
        ├── hierarchy.txt, sizes.txt, photographers.txt   (not needed)
        ├── parts/
        │   ├── parts.txt            <part_id> <part name>   (ids 0..10)
        │   └── part_locs.txt        <image_uuid> <part_id> <x> <y> <visible>
        └── images/
            └── 0817/
                └── 0000139e21dc4d0cbfe14cae3c85c829.jpg ...

    ``gt_bboxes = [[x, y, x + w, y + h]]`` (1, 4); ``gt_keypoints`` is
    ``(1, 11, 3)`` ``[x, y, visible]``, parts in ``parts.txt`` order.

    Args:
        data_root (str): the ``nabirds`` folder.
        split (str): 'train' or 'test'.
        with_bbox (bool): add ``gt_bboxes`` (default True).
        with_parts (bool): add ``gt_keypoints`` (default True).
        **kwargs: see :class:`~mmfg.datasets.base_dataset.FGVCDataset`.
    """
    SPLITS = ('train', 'test')
    HAS_BBOX = True
    HAS_PARTS = True
    NUM_PARTS = 11
    LAYOUT = ('nabirds/{images.txt, image_class_labels.txt, '
              'train_test_split.txt, classes.txt, bounding_boxes.txt, '
              'parts/parts.txt, parts/part_locs.txt, '
              'images/<NNNN>/<file>.jpg}')
    PREPARE_HINT = ('Download nabirds.tar.gz (https://dl.allaboutbirds.org/'
                    'nabirds), extract it and set data_root to the nabirds '
                    'folder; see docs/datasets.md.')

    def load_items(self):
        owner = type(self).__name__
        img_dir = self._require_dir('images')
        images_path = self._require_file('images.txt')
        labels_path = self._require_file('image_class_labels.txt')
        split_path = self._require_file('train_test_split.txt')
        classes_path = self._require_file('classes.txt')

        classes_tab = self._table(
            classes_path, '<class_id> <class_name>', 2, maxsplit=1)
        class_names = {}
        for key, (lineno, fields) in classes_tab.by_key().items():
            class_names[classes_tab.int(lineno, key, 'class id')] = fields[1]

        labels_tab = self._table(labels_path, '<image_id> <class_id>', 2)
        labels = {}
        for img_id, (lineno, fields) in labels_tab.by_key().items():
            cid = labels_tab.int(lineno, fields[1], 'class id')
            if cid not in class_names:
                raise labels_tab.error(
                    lineno, f'class id {cid} is not in '
                    f'{classes_path}')
            labels[img_id] = (lineno, cid)
        # the ids in use, sorted -> 0..N-1 (they are not contiguous)
        self.class_ids = sorted({cid for _, cid in labels.values()})
        index = {cid: i for i, cid in enumerate(self.class_ids)}
        self._set_classes(class_names[cid] for cid in self.class_ids)

        images_tab = self._table(
            images_path, '<image_id> <image_name>', 2, maxsplit=1)
        split_tab = self._table(split_path, '<image_id> <is_training_image>',
                                2)
        splits = split_tab.by_key()
        want = '1' if self.split == 'train' else '0'
        # each image id and each image once (a repeat would add an item
        # with another line's label / split)
        images_tab.by_key(0, 'image id')
        images_tab.by_key(1, 'image path', norm=norm_rel_path)
        selected = []
        for lineno, (img_id, rel) in images_tab.rows:
            s_line, (_, flag) = lookup(splits, img_id, split_path, 'image id',
                                       owner)
            if flag not in ('0', '1'):
                raise split_tab.error(
                    s_line, f'is_training_image {flag!r} '
                    'is not 0 or 1')
            if flag != want:
                continue
            _, cid = lookup(labels, img_id, labels_path, 'image id', owner)
            selected.append(
                (img_id, rel, index[cid], f'{images_path}, line {lineno}'))

        return items_with_boxes_and_parts(self, selected, img_dir)
