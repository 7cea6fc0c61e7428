# mmdeploy 1.3.x deploy config: ONNX Runtime, static 224x224 input, batch 1.
# Under torch >= 2.9 torch.onnx.export defaults to the dynamo exporter, which
# writes opset 18 whatever is asked (docs/deployment.md); ask for 18.
_base_ = ['./_classification_onnxruntime_base.py']
onnx_config = dict(input_shape=[224, 224])
