"""The visualizer of ``tools/test.py --show-dir`` / ``--show``: MMPretrain's
``UniversalVisualizer`` whose classification pictures are
:func:`mmfg.visualization.prediction.draw_prediction` (enlarged image,
boxes used, top-k panel) instead of text written over the raw input."""
from typing import Optional, Sequence

import mmcv
import numpy as np
from mmengine.dist import master_only
from mmpretrain.visualization import UniversalVisualizer

from mmfg.registry import VISUALIZERS
from mmfg.structures import PART_BOXES, PART_VALID
from .prediction import draw_prediction


def sample_boxes(data_sample, max_proposals: Optional[int] = None):
    """The boxes a data sample's prediction used, in pixels of its packed
    image, best first: ``part_boxes`` (K, 4) with ``part_valid`` (K,)
    when the pipeline cut part crops, else the ``proposals`` (N, 5) by
    descending score (the first ``max_proposals``), else none.

    Returns:
        tuple: ``(boxes, valid)`` numpy arrays, or ``(None, None)``.
    """
    if PART_BOXES in data_sample:
        boxes = np.asarray(data_sample.get(PART_BOXES).cpu(), np.float32)
        boxes = boxes.reshape(-1, 4)
        valid = data_sample.get(PART_VALID, None)
        if valid is None:
            return boxes, np.ones(len(boxes), bool)
        return boxes, np.asarray(valid.cpu(), bool).reshape(-1)
    if 'proposals' in data_sample:
        props = np.asarray(data_sample.get('proposals').cpu(), np.float32)
        props = props.reshape(-1, props.shape[-1] if props.ndim else 5)
        if props.shape[1] > 4:
            props = props[np.argsort(-props[:, 4], kind='stable')]
        if max_proposals is not None:
            props = props[:max_proposals]
        return props, np.ones(len(props), bool)
    return None, None


@VISUALIZERS.register_module()
class FGVisualizer(UniversalVisualizer):
    """``UniversalVisualizer`` whose :meth:`visualize_cls` draws a readable
    picture (:func:`~mmfg.visualization.prediction.draw_prediction`).

    MMPretrain's ``VisualizationHook`` passes the packed ``inputs`` of each
    sample as an (H, W, C) uint8 array: the image as the pipeline left it,
    before the data preprocessor (so in the loading order, BGR for
    MMCV-loaded colour images, (H, W, 1) for grey ones), at the size the
    model saw; the data sample's boxes (``part_boxes``, ``proposals``) are
    in pixels of that same image.

    Args:
        channel_order (str): 'bgr' (MMCV's ``LoadImageFromFile``, the
            default) or 'rgb': the order of 3-channel images passed in.
        topk (int): classes listed per picture.
        min_side, max_side (int): the drawn image's short side at least,
            long side at most.
        max_proposals (int, optional): proposals (N, 5) drawn when a
            sample has no ``part_boxes`` (the model's ``num_parts``).
        **kwargs: see ``UniversalVisualizer`` (``vis_backends``,
            ``save_dir``, ...).
    """

    def __init__(self,
                 name: str = 'visualizer',
                 channel_order: str = 'bgr',
                 topk: int = 5,
                 min_side: int = 448,
                 max_side: int = 1024,
                 max_proposals: Optional[int] = 5,
                 **kwargs) -> None:
        super().__init__(name=name, **kwargs)
        if channel_order not in ('bgr', 'rgb'):
            raise ValueError("channel_order must be 'bgr' or 'rgb', got "
                             f'{channel_order!r}')
        self.channel_order = channel_order
        self.topk = topk
        self.min_side = min_side
        self.max_side = max_side
        self.max_proposals = max_proposals

    @master_only
    def visualize_cls(self,
                      image: np.ndarray,
                      data_sample,
                      classes: Optional[Sequence[str]] = None,
                      draw_gt: bool = True,
                      draw_pred: bool = True,
                      draw_score: bool = True,
                      resize: Optional[int] = None,
                      rescale_factor: Optional[float] = None,
                      text_cfg: dict = dict(),
                      show: bool = False,
                      wait_time: float = 0,
                      out_file: Optional[str] = None,
                      name: str = '',
                      step: int = 0) -> np.ndarray:
        """Draw ``data_sample``'s prediction on ``image`` (arguments as
        ``UniversalVisualizer.visualize_cls``; ``resize`` sets the short
        side of the drawn image, ``rescale_factor`` its scale, and
        ``text_cfg`` is not used: the text is OpenCV's, at a fixed size).

        Returns:
            np.ndarray: the (H', W', 3) uint8 RGB picture; written to
            ``out_file`` when given, else to the visualizer's backends.
        """
        if self.dataset_meta is not None:
            classes = classes or self.dataset_meta.get('classes', None)
        image = np.asarray(image)
        if image.ndim == 3 and image.shape[2] == 3 \
                and self.channel_order == 'rgb':
            image = image[..., ::-1]
        scores = None
        if draw_pred and 'pred_score' in data_sample:
            scores = np.asarray(data_sample.pred_score.detach().cpu(),
                                np.float64)
        elif draw_pred and 'pred_label' in data_sample:
            # a label without scores: list it alone
            label = int(data_sample.pred_label.reshape(-1)[0])
            scores = np.zeros(max(label + 1, len(classes or ())))
            scores[label] = 1
            draw_score = False
        gt = None
        if draw_gt and 'gt_label' in data_sample \
                and data_sample.gt_label.numel():
            gt = int(data_sample.gt_label.reshape(-1)[0])
        min_side, max_side = self.min_side, self.max_side
        short, long = min(image.shape[:2]), max(image.shape[:2])
        if resize is not None:
            min_side = int(resize)
            max_side = max(max_side, int(round(resize * long / short)))
        elif rescale_factor is not None:
            min_side = int(round(short * rescale_factor))
            max_side = max(min_side, int(round(long * rescale_factor)))
        boxes, valid = sample_boxes(data_sample, self.max_proposals)
        drawn = draw_prediction(
            image,
            scores,
            classes=classes,
            topk=self.topk if draw_pred else 0,
            boxes=boxes,
            box_valid=valid,
            gt_label=gt,
            min_side=min_side,
            max_side=max_side,
            show_scores=draw_score)
        if show:
            self.show(drawn, win_name=name, wait_time=wait_time)
        if out_file is not None:
            mmcv.imwrite(drawn[..., ::-1], out_file)
        else:
            self.add_image(name, drawn, step=step)
        return drawn
