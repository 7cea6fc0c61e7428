"""iNaturalist 2018 (8,142 species) from its COCO-style JSON files."""
import json

from mmengine.fileio import get_text

from mmfg.registry import DATASETS
from mmfg.utils import DataError
from .annotation_table import first_repeat, norm_rel_path
from .base_dataset import SOURCE_KEY, FGVCDataset


@DATASETS.register_module()
class INaturalist2018(FGVCDataset):
    """iNaturalist 2018 competition data, official layout.

    8,142 species, 437,513 train / 24,426 val images (the test set has no
    public labels and is not supported). The annotation files follow COCO::

        {"images": [{"id", "file_name", "width", "height", ...}],
         "annotations": [{"id", "image_id", "category_id"}],
         "categories": [{"id", "name", "supercategory", "kingdom", ...}],
         ...}

    Layout (``train_val2018.tar.gz``, ``train2018.json.tar.gz`` and
    ``val2018.json.tar.gz`` extracted into one folder)::

        inaturalist2018/
        ├── train2018.json
        ├── val2018.json
        ├── categories.json      (optional: un-obfuscated names, released
        │                         later; replaces the names when present)
        └── train_val2018/
            └── <supercategory>/<category_id>/<hash>.jpg ...

    ``file_name`` is relative to data_root (``train_val2018/Plantae/7477/
    3b60c9486db1d2ee875f11a669fbde4b.jpg``). Labels: the category ids of
    the split's ``categories`` list, sorted and mapped to ``0..N-1`` (both
    official files list the same 8,142 categories, ids ``0..8141``, so the
    label is the id). ``metainfo['classes']`` holds the category names.
    Images are not checked one by one at load time (``check_files=False``
    by default; a missing image fails when decoded).

    Args:
        data_root (str): the folder above.
        split (str): 'train' or 'val'.
        **kwargs: see :class:`~mmfg.datasets.base_dataset.FGVCDataset`.
    """
    SPLITS = ('train', 'val')
    CHECK_FILES = False
    LAYOUT = ('{train2018.json, val2018.json, [categories.json], '
              'train_val2018/<supercategory>/<category_id>/<file>.jpg}')
    PREPARE_HINT = ('Download train_val2018.tar.gz, train2018.json.tar.gz '
                    'and val2018.json.tar.gz (https://github.com/visipedia/'
                    'inat_comp/tree/master/2018) and extract them into '
                    'data_root; see docs/datasets.md.')

    def _load_json(self, path):
        try:
            return json.loads(
                get_text(
                    path, encoding='utf-8', backend_args=self.backend_args))
        except (ValueError, UnicodeDecodeError) as exc:
            raise self._data_error(path, f'is not valid JSON ({exc})') \
                from None

    def _records(self, content, key, fields, path):
        if not isinstance(content, dict) or not isinstance(
                content.get(key), list):
            raise self._data_error(
                path, f'has no list "{key}" (a COCO-style '
                'file needs "images", "annotations" and '
                '"categories")')
        out = content[key]
        for i, rec in enumerate(out):
            if not isinstance(rec, dict) or any(f not in rec for f in fields):
                raise self._data_error(
                    path, f'{key}[{i}] = {rec!r:.200} '
                    f'lacks one of {list(fields)}')
        return out

    def load_items(self):
        path = self._require_file(f'{self.split}2018.json')
        content = self._load_json(path)
        images = self._records(content, 'images', ('id', 'file_name'), path)
        anns = self._records(content, 'annotations',
                             ('image_id', 'category_id'), path)
        cats = self._records(content, 'categories', ('id', ), path)

        names = {c['id']: str(c.get('name', c['id'])) for c in cats}
        cat_path = self._path('categories.json')
        if self._isfile(cat_path):
            extra = self._load_json(cat_path)
            if isinstance(extra, dict):
                extra = extra.get('categories')
            if not isinstance(extra, list) or not all(
                    isinstance(c, dict) and 'id' in c and 'name' in c
                    for c in extra):
                raise self._data_error(
                    cat_path, 'must be a list of '
                    '{"id", "name", ...} categories')
            for c in extra:
                if c['id'] in names:
                    names[c['id']] = str(c['name'])
        try:
            cat_ids = sorted(names)
        except TypeError:
            raise self._data_error(path, 'category ids are not all '
                                   'numbers') from None
        index = {cid: i for i, cid in enumerate(cat_ids)}
        self.class_ids = cat_ids
        self._set_classes(names[c] for c in cat_ids)

        label_of = {}
        for i, ann in enumerate(anns):
            if ann['category_id'] not in index:
                raise self._data_error(
                    path, f'annotations[{i}]: category_id '
                    f'{ann["category_id"]!r} is not in "categories"')
            if ann['image_id'] in label_of:
                raise self._data_error(
                    path, f'annotations[{i}]: image {ann["image_id"]!r} has '
                    'a second annotation')
            label_of[ann['image_id']] = index[ann['category_id']]

        for field, what in (('id', 'id'), ('file_name', 'file_name')):
            rep = first_repeat([img[field] for img in images],
                               norm=repr if field == 'id' else norm_rel_path)
            if rep is not None:
                raise self._data_error(
                    path, f'images[{rep[0]}] and images[{rep[1]}] have the '
                    f'same {what} {rep[2]!r}; every image must be listed '
                    'once (a repeat counts it twice and can give it another '
                    'label)')
        items = []
        folders = set()  # top-level image folders (train_val2018)
        for i, img in enumerate(images):
            if img['id'] not in label_of:
                raise DataError(f'{type(self).__name__}: {path}: '
                                f'images[{i}] (id {img["id"]!r}) has no '
                                'annotation')
            rel = str(img['file_name'])
            if '/' in rel:
                folders.add(rel.split('/')[0])
            items.append({
                'img_path': self._path(rel),
                'gt_label': label_of[img['id']],
                SOURCE_KEY: f'{path}, images[{i}]'
            })
        for folder in sorted(folders):
            self._require_dir(folder)
        return items
