"""Export an mmfg classifier to ONNX (onnxruntime-ready).

    python tools/deployment/pytorch2onnx.py CONFIG CHECKPOINT --out model.onnx
        [--shape H W] [--dynamic-batch] [--opset N] [--no-verify]
        [--cfg-options KEY=VALUE ...]

The graph takes the preprocessed inputs and returns the softmax class
scores ``scores`` ``(B, num_classes)`` (what ``model.predict`` gives as
``pred_score``):

* every model: ``inputs`` ``(B, C, H, W)`` float32, the image after the
  config's test pipeline and its data preprocessor (``(x - mean) / std``,
  BGR->RGB when ``to_rgb``);
* part/patch models whose pipeline cuts the crops (FVE, Focus-Longer):
  also ``parts`` ``(B, K, C, h, w)`` (normalised like the image) and
  ``part_valid`` ``(B, K)`` bool;
* part/patch models that cut them with RoIAlign in the model: ``inputs``
  at full resolution and ``boxes`` ``(B, K, 4)`` ``x1, y1, x2, y2`` in its
  pixels (an empty slot: ``x2 <= x1``).

``--shape H W`` sets the image size (default: what the test pipeline
gives); ``--dynamic-batch`` makes the batch axis symbolic (else 1);
``--opset`` is the opset written (default 17; torch's TorchScript exporter
writes 7 to 20). The preprocessing the graph expects (mean/std, channel
order, sizes, part count, crop size, input names, the test pipeline) is
stored as JSON in the model's ``metadata_props`` under ``mmfg``
(``mmfg.deployment.read_metadata``). Unless ``--no-verify``, the graph is
run with onnxruntime (CPU) on random inputs and compared with PyTorch.
A model or opset that cannot be exported ends with one line naming the
operator.
"""
import argparse
import sys

from mmfg.utils import run_with_clear_errors


def parse_args(argv=None):
    from mmengine.config import DictAction
    parser = argparse.ArgumentParser(
        description='Export an mmfg classifier to ONNX')
    parser.add_argument('config', help='model config')
    parser.add_argument('checkpoint', help='checkpoint of that model')
    parser.add_argument('--out', required=True, help='the .onnx file')
    parser.add_argument(
        '--shape',
        type=int,
        nargs=2,
        metavar=('H', 'W'),
        help='image size of the graph (default: the test pipeline\'s)')
    parser.add_argument(
        '--dynamic-batch',
        action='store_true',
        help='symbolic batch axis (default: batch 1)')
    parser.add_argument(
        '--opset', type=int, default=17, help='ONNX opset (default 17)')
    parser.add_argument(
        '--no-verify',
        action='store_true',
        help='skip the onnxruntime check against PyTorch')
    parser.add_argument(
        '--cfg-options',
        nargs='+',
        action=DictAction,
        help='override config settings, e.g. model.eval_protocol=first')
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    from mmfg.deployment import export_checkpoint
    from mmfg.utils import register_all_modules
    register_all_modules()
    result = export_checkpoint(
        args.config,
        args.checkpoint,
        args.out,
        shape=args.shape,
        dynamic_batch=args.dynamic_batch,
        opset=args.opset,
        cfg_options=args.cfg_options,
        verify=not args.no_verify)
    for name, spec in result.input_shapes.items():
        print(f'input  {name}: {spec["shape"]} {spec["dtype"]}')
    print(f'output scores: {result.output_shape} float32 (softmax)')
    meta = result.metadata
    print(f'preprocessing: mean {meta.get("mean")}, std {meta.get("std")}, '
          f'bgr_to_rgb {meta.get("bgr_to_rgb")}')
    if result.max_abs_diff is not None:
        print(f'onnxruntime vs PyTorch on random inputs: max |score diff| '
              f'{result.max_abs_diff:.2e}')
    print(f'wrote {result.path} (opset {result.opset})')


if __name__ == '__main__':
    run_with_clear_errors(main, sys.argv[1:])
