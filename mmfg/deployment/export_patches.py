"""Export-time rewrite, for the duration of an export only
(:func:`export_patches`) and restored afterwards:
``mmcv.ops.RoIAlign`` (the RoIAlign crops of
  ``RoIAlignFGDataPreprocessor``) carries an ONNX symbolic written for
  opsets 10-12: from opset 13 its ``Squeeze`` is invalid, and from opset
  16 ONNX's ``RoiAlign`` shifts by half a pixel itself (attribute
  ``coordinate_transformation_mode``), so mmcv's own shift would be
  applied twice. The replacement symbolic emits the op as each opset
  defines it.
"""
import contextlib
from typing import Iterator, List

import torch
import torch.nn as nn


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
    undo, applied = [], []

    def set_attr(obj, name, value):
        had = name in vars(obj)
        old = vars(obj).get(name)
        setattr(obj, name, value)
        undo.append((obj, name, had, old))

    try:
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
