"""Imagenette (10 easy ImageNet classes) from its ImageNet-style folders."""
from mmengine.fileio import list_dir_or_file

from mmfg.registry import DATASETS
from mmfg.utils import DataError
from .base_dataset import FGVCDataset, rel_join

#: (wnid, name) of the 10 Imagenette classes, in label order (sorted wnid)
IMAGENETTE_CLASSES = (
    ('n01440764', 'tench'),
    ('n02102040', 'English springer'),
    ('n02979186', 'cassette player'),
    ('n03000684', 'chain saw'),
    ('n03028079', 'church'),
    ('n03394916', 'French horn'),
    ('n03417042', 'garbage truck'),
    ('n03425413', 'gas pump'),
    ('n03445777', 'golf ball'),
    ('n03888605', 'parachute'),
)
IMAGE_EXTENSIONS = ('.jpeg', '.jpg', '.png')


@DATASETS.register_module()
class Imagenette(FGVCDataset):
    """Imagenette (v2, any of the full / 320 px / 160 px releases).

    10 ImageNet classes, 9,469 train / 3,925 val images (imagenette2). The
    Top-Down paper trains ResNet18 on it. The class set is fixed: labels
    follow the sorted wnids below, whatever folders exist, so that every
    release and subset shares one label space.

    ===  =========  ================
    #    wnid       class
    ===  =========  ================
    0    n01440764  tench
    1    n02102040  English springer
    2    n02979186  cassette player
    3    n03000684  chain saw
    4    n03028079  church
    5    n03394916  French horn
    6    n03417042  garbage truck
    7    n03425413  gas pump
    8    n03445777  golf ball
    9    n03888605  parachute
    ===  =========  ================

    Layout (``imagenette2.tgz``, ``imagenette2-320.tgz`` or
    ``imagenette2-160.tgz`` extracted; ``data_root`` is e.g.
    ``imagenette2-320``)::

        imagenette2-320/
        ├── train/
        │   ├── n01440764/*.JPEG
        │   └── ... (10 wnid folders)
        ├── val/
        │   └── <wnid>/*.JPEG
        └── noisy_imagenette.csv   (not used)

    The files are listed from the folders (sorted), so they exist by
    construction. A split folder must hold exactly the 10 wnid folders; a
    missing or foreign one (e.g. an Imagewoof folder) is an error.

    Args:
        data_root (str): the extracted release folder.
        split (str): 'train' or 'val' (the official evaluation split).
        **kwargs: see :class:`~mmfg.datasets.base_dataset.FGVCDataset`.
    """
    SPLITS = ('train', 'val')
    CHECK_FILES = False
    LAYOUT = ('imagenette2[-320|-160]/{train,val}/<wnid>/*.JPEG with the '
              '10 wnids ' + ', '.join(w for w, _ in IMAGENETTE_CLASSES))
    PREPARE_HINT = ('Download imagenette2-320.tgz (https://github.com/'
                    'fastai/imagenette) and extract it; data_root is the '
                    'extracted folder; see docs/datasets.md.')

    def load_items(self):
        split_dir = self._require_dir(self.split)
        self._set_classes(name for _, name in IMAGENETTE_CLASSES)
        wnids = [w for w, _ in IMAGENETTE_CLASSES]
        args = self.backend_args
        present = sorted(
            list_dir_or_file(split_dir, list_file=False, backend_args=args))
        foreign = [d for d in present if d not in wnids]
        missing = [w for w in wnids if w not in present]
        if foreign or missing:
            raise DataError(
                f'{type(self).__name__}: {split_dir} must hold the 10 '
                f'Imagenette class folders; missing: {missing}, not '
                f'Imagenette: {foreign}. {self._layout_msg()}')
        items = []
        for label, wnid in enumerate(wnids):
            folder = rel_join(split_dir, wnid, backend_args=args)
            names = list_dir_or_file(folder, list_dir=False, backend_args=args)
            for name in sorted(names):
                if name.lower().endswith(IMAGE_EXTENSIONS):
                    items.append(
                        dict(
                            img_path=rel_join(folder, name, backend_args=args),
                            gt_label=label))
        return items
