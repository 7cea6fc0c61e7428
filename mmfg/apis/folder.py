"""A folder of images in, one prediction per image out (tools/inference.py).

* :func:`list_images`: the image files of a folder, sorted, optionally
  recursive, with clear errors for a missing, empty or image-less folder;
* :func:`prediction_record` / :func:`error_record`: one image's row;
* :func:`open_writer`: CSV or JSON chosen by the output's extension,
  written as the rows come (to ``<out>.partial``, renamed to ``<out>``
  when the run ends normally).

Rows (CSV columns / JSON keys, in this order): ``path`` (relative to the
folder, ``/``-separated), ``pred_label``, ``pred_class``, ``pred_score``,
``topk_labels``, ``topk_classes``, ``topk_scores`` (best first),
``patch_boxes`` (part/patch models only: the boxes whose crops the model
saw, best first, ``x1 y1 x2 y2 score`` in pixels of the original image),
``width``, ``height`` (of the upright original image) and ``error`` (empty
unless the image could not be classified; then only ``path`` and ``error``
are set). CSV writes lists joined by ``;`` (a box as 5 numbers separated by
spaces), JSON as lists.
"""
import csv
import json
import math
import os
import os.path as osp
from typing import IO, TYPE_CHECKING, List, Optional, Sequence

import numpy as np

from mmfg.utils.errors import ConfigError, DataError

if TYPE_CHECKING:  # pragma: no cover
    from .batch_cam import InferencerCAM
    from .inferencer import FGInferencer

#: the image file extensions listed (case-insensitive): those of
#: mmpretrain's ``CustomDataset`` and mmfg's datasets, plus ``.tiff``,
#: ``.webp``, ``.gif`` and ``.pbm``
IMAGE_EXTENSIONS = ('.jpg', '.jpeg', '.png', '.bmp', '.ppm', '.pgm', '.pbm',
                    '.tif', '.tiff', '.webp', '.gif')
#: output formats, by extension
OUTPUT_FORMATS = ('.csv', '.json')


def _hidden(name: str) -> bool:
    return name.startswith('.')


def list_images(folder: str,
                recursive: bool = False,
                extensions: Sequence[str] = IMAGE_EXTENSIONS) -> List[str]:
    """The image files of ``folder``: paths ``osp.join(folder, rel)`` sorted
    by ``rel`` (the path relative to the folder, ``/``-separated).

    Files are chosen by extension (case-insensitive, :data:`IMAGE_EXTENSIONS`
    by default). Hidden files and folders (names starting with ``.``, e.g.
    macOS ``._photo.jpg`` resource files) are skipped. With ``recursive``
    the subfolders are searched too (symbolic links to folders are not
    followed).

    Raises:
        FileNotFoundError: the folder does not exist.
        NotADirectoryError: it is a file.
        DataError: it is empty, or holds no image file (naming the folder
            and the extensions looked for).
    """
    exts = tuple(e.lower() for e in extensions)
    if not osp.exists(folder):
        raise FileNotFoundError(f'image folder {folder} does not exist')
    if not osp.isdir(folder):
        raise NotADirectoryError(
            f'{folder} is a file, not a folder; give the folder of the '
            'images (one image: demo/image_demo.py)')
    found, has_subfolders, has_entries = [], False, False
    for root, dirs, files in os.walk(folder):
        has_entries = has_entries or bool(dirs or files)
        dirs[:] = sorted(d for d in dirs if not _hidden(d))
        has_subfolders = has_subfolders or bool(dirs)
        rel_root = osp.relpath(root, folder)
        for name in files:
            if _hidden(name) or not name.lower().endswith(exts):
                continue
            rel = name if rel_root == '.' else osp.join(rel_root, name)
            found.append(rel.replace(os.sep, '/'))
        if not recursive:
            break
    if not has_entries:
        raise DataError(f'image folder {folder} is empty; put image files '
                        f'({" ".join(exts)}) in it')
    if not found:
        hint = ''
        if has_subfolders and not recursive:
            hint = ' (its subfolders were not searched: add --recursive)'
        raise DataError(f'image folder {folder} holds no image file '
                        f'({" ".join(exts)}){hint}')
    return [osp.join(folder, rel) for rel in sorted(found)]


def relative_name(path: str, folder: str) -> str:
    """``path`` relative to ``folder``, ``/``-separated."""
    return osp.relpath(path, folder).replace(os.sep, '/')


def topk_of(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the ``k`` best scores, best first (ties: lower index)."""
    return np.argsort(-np.asarray(scores), kind='stable')[:k]


def prediction_record(path: str,
                      result: dict,
                      topk: int,
                      classes: Optional[Sequence[str]] = None,
                      size: Optional[Sequence[int]] = None) -> dict:
    """One image's row from an :class:`~mmfg.apis.FGInferencer` result.

    Args:
        path (str): the image's name in the output (relative path).
        result (dict): ``pred_label``, ``pred_score``, ``pred_scores``
            ``(num_classes,)``, optional ``pred_class`` and ``patch_boxes``
            ``(K, 5)``.
        topk (int): how many classes the ``topk_*`` fields list.
        classes (Sequence[str], optional): class names.
        size (tuple[int, int], optional): ``(width, height)`` of the image.

    Returns:
        dict: plain Python values (numpy converted), keys as the module
        docstring lists (``patch_boxes`` only when the result has it).
    """
    scores = np.asarray(result['pred_scores'], np.float64).reshape(-1)
    order = topk_of(scores, topk)
    label = int(result['pred_label'])
    name = result.get('pred_class')
    if name is None and classes is not None:
        name = classes[label]
    record = dict(
        path=path,
        pred_label=label,
        pred_class=None if name is None else str(name),
        pred_score=float(result['pred_score']),
        topk_labels=[int(i) for i in order],
        topk_classes=None
        if classes is None else [str(classes[i]) for i in order],
        topk_scores=[float(scores[i]) for i in order])
    if result.get('patch_boxes') is not None:
        boxes = np.asarray(result['patch_boxes'], np.float64).reshape(-1, 5)
        # coordinates to 1/100 pixel (float32 noise such as 1.6e-15 gone)
        record['patch_boxes'] = [[round(v, 2)
                                  for v in box[:4]] + [round(box[4], 6)]
                                 for box in boxes.tolist()]
    record['width'] = None if size is None else int(size[0])
    record['height'] = None if size is None else int(size[1])
    record['error'] = None
    return record


def error_record(path: str, message: str) -> dict:
    """The row of an image that could not be classified."""
    return dict(path=path, error=message)


def _fields(with_boxes: bool) -> List[str]:
    fields = [
        'path', 'pred_label', 'pred_class', 'pred_score', 'topk_labels',
        'topk_classes', 'topk_scores'
    ]
    if with_boxes:
        fields.append('patch_boxes')
    return fields + ['width', 'height', 'error']


def _number(x: float, digits: int) -> str:
    return f'{x:.{digits}f}' if math.isfinite(x) else str(x)


def _csv_cell(key: str, value) -> str:
    if value is None:
        return ''
    if key == 'pred_score':
        return _number(value, 6)
    if key == 'topk_scores':
        return ';'.join(_number(v, 6) for v in value)
    if key == 'patch_boxes':
        return ';'.join(' '.join([_number(v, 2)
                                  for v in box[:4]] + [_number(box[4], 4)])
                        for box in value)
    if isinstance(value, (list, tuple)):
        return ';'.join(str(v) for v in value)
    return str(value)


class PredictionWriter:
    """Writes rows to ``<out>.partial`` as they come; :meth:`close` renames
    it to ``out`` (a run that stops early leaves the ``.partial`` file with
    the rows written so far, never an ``out`` that looks complete).

    Args:
        out (str): ``.csv`` or ``.json`` file (its folder is created).
        with_boxes (bool): add the ``patch_boxes`` field.
    """

    def __init__(self, out: str, with_boxes: bool = False) -> None:
        self.out = out
        self.partial = out + '.partial'
        self.fields = _fields(with_boxes)
        self.rows = 0
        folder = osp.dirname(osp.abspath(out))
        os.makedirs(folder, exist_ok=True)
        self.file: IO[str] = open(
            self.partial, 'w', newline='', encoding='utf-8')
        self.start()

    def start(self) -> None:
        pass

    def write(self, record: dict) -> None:
        raise NotImplementedError

    def finish(self) -> None:
        pass

    def close(self) -> None:
        """Finish the file and give it its final name."""
        self.finish()
        self.file.close()
        os.replace(self.partial, self.out)

    def abort(self) -> None:
        """Close the ``.partial`` file as it is (after a failure)."""
        if not self.file.closed:
            self.file.close()


class CSVWriter(PredictionWriter):
    """One CSV row per image, a header line first."""

    def start(self) -> None:
        self.csv = csv.writer(self.file)
        self.csv.writerow(self.fields)

    def write(self, record: dict) -> None:
        self.csv.writerow([_csv_cell(k, record.get(k)) for k in self.fields])
        self.file.flush()
        self.rows += 1


class JSONWriter(PredictionWriter):
    """A JSON list of one object per image (keys in the CSV's order)."""

    def start(self) -> None:
        self.file.write('[')

    def write(self, record: dict) -> None:
        row = {k: record.get(k) for k in self.fields}
        self.file.write(('\n' if self.rows == 0 else ',\n') +
                        json.dumps(to_builtin(row), ensure_ascii=False))
        self.file.flush()
        self.rows += 1

    def finish(self) -> None:
        self.file.write('\n]\n' if self.rows else ']\n')


def to_builtin(value: object) -> object:
    """numpy scalars/arrays (also inside dicts, lists, tuples) -> Python
    numbers and lists, for ``json``."""
    if isinstance(value, dict):
        return {str(k): to_builtin(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_builtin(v) for v in value]
    if isinstance(value, np.ndarray):
        return to_builtin(value.tolist())
    if isinstance(value, np.generic):
        return value.item()
    return value


def check_output(out: str) -> str:
    """The output format (``'.csv'`` or ``'.json'``) of the file name
    ``out``.

    Raises:
        ConfigError: another extension.
    """
    ext = osp.splitext(out)[1].lower()
    if ext not in OUTPUT_FORMATS:
        raise ConfigError(f'--out {out}: the file name must end in .csv or '
                          '.json (the extension chooses the format)')
    return ext


def open_writer(out: str, with_boxes: bool = False) -> PredictionWriter:
    """A :class:`CSVWriter` or :class:`JSONWriter` by the extension of
    ``out`` (see :func:`check_output`)."""
    ext = check_output(out)
    cls = CSVWriter if ext == '.csv' else JSONWriter
    return cls(out, with_boxes=with_boxes)


def picture_names(names: Sequence[str]) -> List[str]:
    """Output names of the pictures of ``names`` (relative paths): the
    relative path with ``.png`` in place of its extension (``a/b.jpg`` ->
    ``a/b.png``); the whole name plus ``.png`` for names two images would
    share (``b.jpg`` and ``b.png`` -> ``b.jpg.png``, ``b.png.png``)."""
    stems = [osp.splitext(n)[0] + '.png' for n in names]
    count = {}
    for stem in stems:
        count[stem] = count.get(stem, 0) + 1
    return [
        stem if count[stem] == 1 else name + '.png'
        for stem, name in zip(stems, names)
    ]


def per_image_error(exc: BaseException) -> bool:
    """Whether ``exc`` concerns one image (a file that is missing, empty,
    not an image, truncated, unreadable; a patch source without boxes for
    it) rather than the whole run (the config, checkpoint, options, a bug)."""
    from mmfg.utils.clear_errors import is_user_error
    from mmfg.utils.errors import CheckpointError, TrainingError

    return isinstance(exc, Exception) and is_user_error(exc) and \
        not isinstance(exc, (ConfigError, CheckpointError, TrainingError))


# a batch of images whose network inputs differ in size (torch's collate)
_MIXED_SIZES = 'stack expects each tensor to be equal size'


class FolderInference:
    """Classify a list of image files in batches, writing one row per image
    in order (``tools/inference.py``).

    Batching: up to ``batch_size`` consecutive images per inferencer call.
    If the images of a batch reach the network at different sizes (a test
    pipeline that keeps each image's size), that batch is run one image at
    a time and from then on only images of the same original size share a
    batch (padding them to a common size would change the predictions of a
    fully convolutional model).

    Failures: an error of one image (:func:`per_image_error`) gives a
    ``warning:`` line on stderr and an error row, and the other images of
    its batch are run again one by one; with ``strict`` it is raised
    instead. Any other error is raised at once.

    Args:
        inferencer (FGInferencer): the model.
        paths (Sequence[str]): image files, in output order.
        names (Sequence[str]): their names in the rows (relative paths).
        writer (PredictionWriter): where the rows go.
        topk (int): classes listed per row.
        batch_size (int): images per inferencer call.
        strict (bool): raise the first per-image error.
        cam (InferencerCAM, optional): record and save CAM overlays to
            ``cam_dir``.
        cam_dir, show_dir (str, optional): folders of the CAM overlays and
            of the prediction pictures
            (:func:`mmfg.visualization.prediction.save_prediction`), one
            PNG per image named by :func:`picture_names`.
        progress (bool): an MMEngine progress bar on stderr.

    After :meth:`run`: ``done`` (images classified) and ``failed`` (list of
    ``(name, message)``).
    """

    def __init__(self,
                 inferencer: 'FGInferencer',
                 paths: Sequence[str],
                 names: Sequence[str],
                 writer: PredictionWriter,
                 topk: int = 5,
                 batch_size: int = 16,
                 strict: bool = False,
                 cam: Optional['InferencerCAM'] = None,
                 cam_dir: Optional[str] = None,
                 show_dir: Optional[str] = None,
                 progress: bool = True) -> None:
        self.inferencer = inferencer
        self.paths = list(paths)
        self.names = list(names)
        self.pictures = picture_names(self.names)
        self.writer = writer
        self.topk = topk
        self.batch_size = batch_size
        self.strict = strict
        self.cam = cam
        self.cam_dir = cam_dir
        self.show_dir = show_dir
        self.progress = progress
        self.classes = inferencer.classes
        self.by_size = False
        self.failed: List[tuple] = []
        self.done = 0
        self.bar = None

    def run(self) -> None:
        """Classify every image, writing the rows in order."""
        import sys

        from .image_io import image_size

        if self.progress:
            from mmengine.utils import ProgressBar
            self.bar = ProgressBar(len(self.paths), file=sys.stderr)
        try:
            pending = []
            for i, path in enumerate(self.paths):
                try:
                    size = image_size(path)
                except Exception as exc:  # noqa: BLE001 - see _failed
                    self._flush(pending)
                    pending = []
                    self._failed([i], exc)
                    continue
                if pending and (len(pending) >= self.batch_size or
                                (self.by_size and size != pending[-1][1])):
                    self._flush(pending)
                    pending = []
                pending.append((i, size))
            self._flush(pending)
        finally:
            if self.bar is not None:  # end the bar's line
                sys.stderr.write('\n')

    def _flush(self, batch) -> None:
        if not batch:
            return
        if self.by_size and len({s for _, s in batch}) > 1:
            start = 0
            for end in range(1, len(batch) + 1):
                if end == len(batch) or batch[end][1] != batch[start][1]:
                    self._flush(batch[start:end])
                    start = end
            return
        paths = [self.paths[i] for i, _ in batch]
        try:
            results = self._infer(paths)
        except RuntimeError as exc:
            if _MIXED_SIZES not in str(exc) or len(batch) == 1:
                raise
            self.by_size = True
            for item in batch:
                self._flush([item])
            return
        except Exception as exc:  # noqa: BLE001 - filtered in _failed
            if len(batch) == 1 or not per_image_error(exc):
                self._failed([i for i, _ in batch], exc)
            else:  # find the image(s) that failed
                for item in batch:
                    self._flush([item])
            return
        maps = None
        if self.cam is not None:
            maps = self.cam.maps([r['pred_label'] for r in results])
        for k, ((i, size), result) in enumerate(zip(batch, results)):
            self._write(i, size, result, None if maps is None else maps[k])

    def _infer(self, paths):
        if self.cam is None:
            return self.inferencer(
                paths, batch_size=len(paths), show_progress=False)
        with self.cam.recording():
            return self.inferencer(
                paths, batch_size=len(paths), show_progress=False)

    def _failed(self, indices, exc) -> None:
        import sys

        from mmfg.utils.clear_errors import user_message

        if self.strict or not per_image_error(exc):
            raise exc
        message = user_message(exc)
        for i in indices:
            print(
                f'\nwarning: skipped {self.names[i]}: {message}',
                file=sys.stderr)
            self.writer.write(error_record(self.names[i], message))
            self.failed.append((self.names[i], message))
            if self.bar is not None:
                self.bar.update()

    def _write(self, i, size, result, cam_map) -> None:
        record = prediction_record(
            self.names[i], result, self.topk, classes=self.classes, size=size)
        if self.show_dir or cam_map is not None:
            self._pictures(i, result, cam_map)
        self.writer.write(record)
        self.done += 1
        if self.bar is not None:
            self.bar.update()

    def _pictures(self, i, result, cam_map) -> None:
        import cv2

        from mmfg.visualization.prediction import display_size
        img = self.inferencer.load_image(self.paths[i])
        name = self.pictures[i]
        if self.show_dir:
            from mmfg.visualization.prediction import save_prediction
            save_prediction(
                osp.join(self.show_dir, name),
                img,
                result['pred_scores'],
                classes=self.classes,
                topk=self.topk,
                boxes=result.get('patch_boxes'))
        if cam_map is not None and self.cam_dir:
            from .batch_cam import overlay_cam
            base = img if cam_map['whole'] else cam_map['input']
            out_h, out_w, interp = display_size(*base.shape[:2])
            picture = overlay_cam(
                base, cam_map['cam'], (out_h, out_w), interpolation=interp)
            path = osp.join(self.cam_dir, name)
            os.makedirs(osp.dirname(osp.abspath(path)), exist_ok=True)
            ok, data = cv2.imencode('.png', picture)
            if not ok:  # pragma: no cover - a uint8 BGR image always encodes
                raise RuntimeError(f'cannot encode the picture {path}')
            with open(path, 'wb') as f:
                f.write(data.tobytes())
