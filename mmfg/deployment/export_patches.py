"""Export-time rewrites: the few spots of mmfg's eval code that compute
the same values in a way torch's TorchScript ONNX exporter cannot turn
into a graph valid at every batch size, rewritten for the duration of an
export only (:func:`export_patches`) and restored afterwards.

Each rewrite returns exactly what the original returns (the tests compare
them on random inputs); they differ only in what the tracer sees:

* ``len(tensor)`` is recorded by the tracer as a constant (the example's
  batch size), ``tensor.shape[0]`` as a graph value. Two eval paths use
  ``len``: :meth:`PartSetStream.predict` (FVE: the all-valid slot mask of
  the one slot per image) and the ``'first'`` protocol of
  :meth:`TwoStreamClassifier.combine_crop_scores` (Focus-Longer: the
  batch index of the first valid crop).
* :meth:`GradientTokenizer.gradients` (GASA) repeats the fixed Sobel
  kernel ``x.shape[1]`` times: behind a reshape with a dynamic batch the
  tracer no longer knows that channel count, and the exporter refuses a
  convolution whose kernel has an unknown shape. The rewrite takes the
  count from the module (``embed_dims``, the channels it was built for),
  so the depthwise kernels are constants of the graph.
* ``mmcv.ops.RoIAlign`` (the RoIAlign crops of
  ``RoIAlignFGDataPreprocessor``) carries an ONNX symbolic written for
  opsets 10-12: from opset 13 its ``Squeeze`` is invalid, and from opset
  16 ONNX's ``RoiAlign`` shifts by half a pixel itself (attribute
  ``coordinate_transformation_mode``), so mmcv's own shift would be
  applied twice. The replacement symbolic emits the op as each opset
  defines it.
"""
import contextlib
from typing import Iterator, List, Tuple

import torch
import torch.nn as nn
import torch.nn.functional as F


def _part_set_predict(
        self, local, parts: torch.Tensor,
        valid: torch.Tensor) -> Tuple[torch.Tensor, torch.Tensor]:
    """:meth:`PartSetStream.predict` with ``logits.shape[0]`` for
    ``len(logits)``: ``(B, 1, num_classes)`` and ``(B, 1)`` all True."""
    logits = local.head(self.features(local, parts, valid))
    return logits[:, None], valid.new_ones((logits.shape[0], 1))


def _first_crop_scores(scores: torch.Tensor,
                       valid: torch.Tensor) -> torch.Tensor:
    """The ``'first'`` protocol of
    :meth:`TwoStreamClassifier.combine_crop_scores`: ``(B, S, N)`` scores
    and ``(B, S)`` validity -> the scores of each image's first valid slot
    ``(B, N)`` (zeros without one), by ``gather`` instead of indexing with
    ``arange(len(scores))``."""
    valid = valid.bool()
    idx = valid.to(torch.uint8).argmax(1)  # first maximal index
    picked = scores.gather(1, idx[:, None,
                                  None].expand(-1, 1, scores.shape[-1]))[:, 0]
    return picked * valid.any(1).unsqueeze(-1).to(picked.dtype)


def _combine_crop_scores(original):
    """``combine_crop_scores`` whose ``'first'`` protocol is
    :func:`_first_crop_scores`; the other protocols are the original."""

    def combine(scores, valid, data_samples=None):
        if original.__self__.eval_protocol == 'first':
            original.__self__._check_protocol()
            return _first_crop_scores(scores, valid)
        return original(scores, valid, data_samples)

    return combine


def _static_gradients(self, x: torch.Tensor) -> torch.Tensor:
    """:meth:`GradientTokenizer.gradients` with the channel count of the
    module (``embed_dims`` = ``x.shape[1]``, checked) instead of the
    traced one: ``(B, C, h, w)`` -> ``(B, 2C, h, w)`` ``[Gx, Gy]``."""
    c = self.embed_dims
    if not torch.jit.is_tracing() and x.shape[1] != c:
        raise ValueError(f'GradientTokenizer built for {c} channels got '
                         f'{x.shape[1]}')
    pad = self.sobel_size // 2
    wx = self.sobel_x.to(x.dtype).repeat(c, 1, 1, 1)
    wy = self.sobel_y.to(x.dtype).repeat(c, 1, 1, 1)
    gx = F.conv2d(x, wx, padding=pad, groups=c)
    gy = F.conv2d(x, wy, padding=pad, groups=c)
    return torch.cat([gx, gy], dim=1)


def roi_align_symbolic(g, input, rois, output_size, spatial_scale,
                       sampling_ratio, pool_mode, aligned):
    """ONNX ``RoiAlign`` for ``mmcv.ops.RoIAlign`` at the exporter's opset
    (10 or later): ``rois (N, 5)`` ``[batch index, x1, y1, x2, y2]`` ->
    ``(N, C, out_h, out_w)``. ``aligned`` (half-pixel) is the attribute
    ``coordinate_transformation_mode='half_pixel'`` from opset 16 and a
    shift of the boxes by ``-0.5 / spatial_scale`` before (where the op
    has no such attribute). Before opset 16 ONNX's ``RoiAlign`` also
    widens a box narrower than one feature pixel to one pixel (mmcv's
    aligned op does not): such boxes need opset 16 or later to match."""
    opset = g.opset
    if opset < 10:
        from torch.onnx.errors import SymbolicValueError
        raise SymbolicValueError('RoiAlign needs ONNX opset 10 or later',
                                 input)
    batch_idx = g.op(
        'Gather',
        rois,
        g.op('Constant', value_t=torch.tensor(0, dtype=torch.long)),
        axis_i=1)
    batch_idx = g.op(
        'Cast', batch_idx, to_i=torch.onnx.TensorProtoDataType.INT64)
    boxes = g.op(
        'Gather',
        rois,
        g.op('Constant', value_t=torch.tensor([1, 2, 3, 4])),
        axis_i=1)
    attrs = dict(
        output_height_i=output_size[0],
        output_width_i=output_size[1],
        spatial_scale_f=spatial_scale,
        sampling_ratio_i=max(0, sampling_ratio),
        mode_s=pool_mode)
    if opset >= 16:
        attrs['coordinate_transformation_mode_s'] = ('half_pixel' if aligned
                                                     else 'output_half_pixel')
    elif aligned:
        boxes = g.op(
            'Sub', boxes,
            g.op(
                'Constant',
                value_t=torch.tensor([0.5 / spatial_scale],
                                     dtype=torch.float32)))
    return g.op('RoiAlign', input, boxes, batch_idx, **attrs)


@contextlib.contextmanager
def export_patches(model: nn.Module) -> Iterator[List[str]]:
    """Within the block, ``model``'s modules use the export-time rewrites
    of this module (instance attributes, and mmcv's RoIAlign symbolic);
    everything is restored on exit, also after an exception. Yields the
    names of the rewrites applied."""
    from mmfg.models.classifiers.local_streams import PartSetStream
    from mmfg.models.classifiers.two_stream import TwoStreamClassifier
    from mmfg.models.layers.gradient_tokens import GradientTokenizer
    undo, applied = [], []

    def set_attr(obj, name, value):
        had = name in vars(obj)
        old = vars(obj).get(name)
        setattr(obj, name, value)
        undo.append((obj, name, had, old))

    try:
        for module in model.modules():
            if isinstance(module, GradientTokenizer):
                set_attr(module, 'gradients',
                         _static_gradients.__get__(module))
                applied.append('GradientTokenizer.gradients')
            if isinstance(module, TwoStreamClassifier):
                set_attr(module, 'combine_crop_scores',
                         _combine_crop_scores(module.combine_crop_scores))
                applied.append('TwoStreamClassifier.combine_crop_scores')
                if isinstance(module.local_stream, PartSetStream):
                    stream = module.local_stream
                    set_attr(stream, 'predict',
                             _part_set_predict.__get__(stream))
                    applied.append('PartSetStream.predict')
        if any(
                type(m).__name__ == 'RoIAlign'
                and type(m).__module__.startswith('mmcv.')
                for m in model.modules()):
            from mmcv.ops.roi_align import RoIAlignFunction
            set_attr(RoIAlignFunction, 'symbolic',
                     staticmethod(roi_align_symbolic))
            applied.append('mmcv RoIAlign symbolic')
        yield sorted(set(applied))
    finally:
        for obj, name, had, old in reversed(undo):
            if had:
                setattr(obj, name, old)
            else:
                delattr(obj, name)
