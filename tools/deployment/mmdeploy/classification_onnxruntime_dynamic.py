# mmdeploy 1.3.x deploy config: ONNX Runtime, dynamic batch (the input size is
# the one of the image given to mmdeploy's torch2onnx; mmfg's small models have
# fully connected heads that fix it).
_base_ = ['./_classification_onnxruntime_base.py']
onnx_config = dict(dynamic_axes={
    'input': {
        0: 'batch'
    },
    'output': {
        0: 'batch'
    }
})
