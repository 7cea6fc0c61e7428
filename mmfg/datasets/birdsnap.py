"""Birdsnap (500 North American bird species) with boxes and 17 parts."""
import numpy as np

from mmfg.registry import DATASETS
from .annotation_table import box_problem, norm_rel_path
from .base_dataset import SOURCE_KEY, FGVCDataset, rel_join

BOX_COLUMNS = ('bb_x1', 'bb_y1', 'bb_x2', 'bb_y2')
#: values of a part coordinate that mean "part not annotated / not visible"
MISSING_VALUES = ('', 'null', 'none', 'nan', 'na', 'n/a')


@DATASETS.register_module()
class Birdsnap(FGVCDataset):
    """Birdsnap v1.1, official layout.

    49,829 images of 500 species (URLs; ``get_birdsnap.py`` downloads them
    from Flickr, and some are gone for good). ``test_images.txt`` lists the
    2,443 test images of the paper; every other image of ``images.txt`` is a
    training image. Boxes and 17 part locations per image.

    Layout (``birdsnap.tgz`` extracted, then ``python get_birdsnap.py`` run
    inside ``birdsnap/``)::

        birdsnap/
        ├── species.txt        tab-separated, header
        │                      id  common  scientific  dir
        ├── images.txt         tab-separated, header
        │                      url md5 path species_id bb_x1 bb_y1 bb_x2
        │                      bb_y2 back_x back_y beak_x beak_y ...
        │                      (17 parts: back beak belly breast crown
        │                      forehead left_cheek left_eye left_leg
        │                      left_wing nape right_cheek right_eye
        │                      right_leg right_wing tail throat)
        ├── test_images.txt    header "path", then one images.txt path a line
        ├── get_birdsnap.py
        └── download/images/<dir>/<file>.jpg    (path = <dir>/<file>.jpg)

    Columns are found by their header names. Labels: species ids of
    ``species.txt`` sorted and mapped to ``0..N-1`` (ids 1..500, so
    label = id - 1); class names are the common names. ``gt_bboxes`` is
    ``[[bb_x1, bb_y1, bb_x2, bb_y2]]`` (1, 4); ``gt_keypoints`` is
    ``(1, 17, 3)`` ``[x, y, visible]`` in header order; a part whose
    coordinates are empty / ``null`` / ``NA`` (not annotated) is
    ``[0, 0, 0]``.

    Images that failed to download: with the default
    ``missing_images='error'`` the loader lists them; pass
    ``missing_images='skip'`` to train on what was downloaded.

    Args:
        data_root (str): the ``birdsnap`` folder.
        split (str): 'train' or 'test'.
        with_bbox (bool): add ``gt_bboxes`` (default True).
        with_parts (bool): add ``gt_keypoints`` (default True).
        **kwargs: see :class:`~mmfg.datasets.base_dataset.FGVCDataset`.
    """
    SPLITS = ('train', 'test')
    HAS_BBOX = True
    HAS_PARTS = True
    NUM_PARTS = 17
    LAYOUT = ('birdsnap/{species.txt, images.txt, test_images.txt, '
              'download/images/<species dir>/<file>.jpg}')
    PREPARE_HINT = ('Download birdsnap.tgz (http://thomasberg.org/datasets/'
                    'birdsnap/1.1/birdsnap.tgz), extract it and run '
                    'python get_birdsnap.py in the birdsnap folder; see '
                    'docs/datasets.md.')

    @staticmethod
    def _columns(table, names):
        header = table.header or []
        missing = [n for n in names if n not in header]
        if missing:
            raise table.error(
                1, f'the header lacks column(s) {missing} '
                f'(header: {header})')
        return [header.index(n) for n in names]

    def load_items(self):
        img_dir = self._require_dir('download/images')
        species_path = self._require_file('species.txt')
        images_path = self._require_file('images.txt')
        test_path = self._require_file('test_images.txt')

        species = self._table(
            species_path,
            'id<TAB>common<TAB>scientific<TAB>dir', (2, None),
            sep='\t',
            header=True)
        id_col, name_col = self._columns(species, ('id', 'common'))
        names = {}
        for lineno, fields in species.rows:
            sid = species.int(lineno, fields[id_col], 'species id')
            if sid in names:
                raise species.error(lineno, f'species id {sid} appears '
                                    'again')
            names[sid] = fields[name_col]
        ids = sorted(names)
        index = {sid: i for i, sid in enumerate(ids)}
        self._set_classes(names[s] for s in ids)

        test_tab = self._table(test_path, 'path', 1, maxsplit=0, header=True)
        test_tab.by_key(0, 'image path', norm=norm_rel_path)
        test_paths = {
            norm_rel_path(fields[0].strip()): lineno
            for lineno, fields in test_tab.rows
        }

        images = self._table(
            images_path, 'url<TAB>md5<TAB>path<TAB>species_id<TAB>bb_x1 ... '
            '<TAB><part>_x<TAB><part>_y ...', (4, None),
            sep='\t',
            header=True)
        path_col, sp_col = self._columns(images, ('path', 'species_id'))
        box_cols = (
            self._columns(images, BOX_COLUMNS) if self.with_bbox else None)
        part_cols = self._part_columns(images) if self.with_parts else None
        images.by_key(path_col, 'image path', norm=norm_rel_path)

        items = []
        listed = set()
        for lineno, fields in images.rows:
            if len(fields) != len(images.header):
                raise images.error(
                    lineno, f'{len(fields)} fields but the '
                    f'header has {len(images.header)}')
            rel = fields[path_col]
            listed.add(norm_rel_path(rel))
            if (norm_rel_path(rel) in test_paths) != (self.split == 'test'):
                continue
            sid = images.int(lineno, fields[sp_col], 'species_id')
            if sid not in index:
                raise images.error(
                    lineno, f'species_id {sid} is not in '
                    f'{species_path}')
            info = dict(
                img_path=rel_join(
                    img_dir, rel, backend_args=self.backend_args),
                gt_label=index[sid])
            info[SOURCE_KEY] = f'{images_path}, line {lineno}'
            if box_cols is not None:
                box = [
                    images.float(lineno, fields[c], n)
                    for c, n in zip(box_cols, BOX_COLUMNS)
                ]
                problem = box_problem(box)
                if problem:
                    raise images.error(lineno, problem)
                info['gt_bboxes'] = np.array([box], dtype=np.float32)
            if part_cols is not None:
                info['gt_keypoints'] = self._parts(images, lineno, fields,
                                                   part_cols)[None]
            items.append(info)
        unknown = [p for p in test_paths if p not in listed]
        if unknown:
            raise test_tab.error(
                test_paths[unknown[0]],
                f'{len(unknown)} test path(s) are not in '
                f'{images_path}, e.g. {unknown[:3]}')
        return items

    def _part_columns(self, table):
        header = table.header or []
        names = [
            h[:-2] for h in header
            if h.endswith('_x') and not h.startswith('bb_')
        ]
        cols = [self._columns(table, (f'{n}_x', f'{n}_y')) for n in names]
        if len(cols) != self.NUM_PARTS:
            raise table.error(
                1, f'the header has {len(cols)} <part>_x/_y '
                f'column pairs, {type(self).__name__} expects '
                f'{self.NUM_PARTS}')
        self.part_names = names
        return cols

    @staticmethod
    def _parts(table, lineno, fields, part_cols):
        parts = np.zeros((len(part_cols), 3), dtype=np.float32)
        for row, (cx, cy) in enumerate(part_cols):
            vx, vy = fields[cx], fields[cy]
            if vx.lower() in MISSING_VALUES or vy.lower() in MISSING_VALUES:
                continue
            x = table.float(lineno, vx, table.header[cx])
            y = table.float(lineno, vy, table.header[cy])
            if x < 0 or y < 0:
                continue  # negative = not annotated
            parts[row] = (x, y, 1)
        return parts
