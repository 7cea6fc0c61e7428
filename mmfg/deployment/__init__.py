"""ONNX export of mmfg classifiers and onnxruntime parity.

* :func:`export_checkpoint` / :func:`export_onnx` - the graph (torch's
  TorchScript exporter, any opset it writes) with the preprocessing it
  expects in its metadata (:func:`read_metadata`);
* :func:`score_module` - the thin wrappers: preprocessed tensors in,
  softmax class scores (``pred_score`` of ``model.predict``) out;
* :class:`OnnxInputs` / :func:`graph_inputs` - the graph inputs of new
  images (the config's test pipeline, a patch source for part/patch
  models) or of a collated batch;
* :func:`onnx_session`, :func:`run_onnx`, :func:`batch_parity` -
  onnxruntime (CPU) against ``model.test_step``.
"""
from .export import (DEFAULT_OPSET, ExportResult, check_opset,
                     describe_export_error, export_checkpoint, export_onnx,
                     opset_range, read_metadata)
from .inputs import OnnxInputs, build_data_preprocessor, graph_inputs
from .metadata import input_shapes, preprocess_metadata
from .parity import (SCORE_ATOL, Parity, batch_parity, compare_scores,
                     dataset_batches, onnx_session, predict_scores, run_onnx)
from .wrappers import (ImageScores, RoIAlignTwoStreamScores, TwoStreamScores,
                       roi_crops, score_module)

__all__ = [
    'DEFAULT_OPSET', 'ExportResult', 'check_opset', 'describe_export_error',
    'export_checkpoint', 'export_onnx', 'opset_range', 'read_metadata',
    'OnnxInputs', 'build_data_preprocessor', 'graph_inputs', 'input_shapes',
    'preprocess_metadata', 'SCORE_ATOL', 'Parity', 'batch_parity',
    'compare_scores', 'dataset_batches', 'onnx_session', 'predict_scores',
    'run_onnx', 'ImageScores', 'RoIAlignTwoStreamScores', 'TwoStreamScores',
    'roi_crops', 'score_module'
]
