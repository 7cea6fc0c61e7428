# mmdeploy 1.3.x: single-image classifiers (plain mmpretrain models, RACNN,
# Top-Down, GASA) through mmdeploy's mmpretrain Classification task. Part/patch
# models (FVE, Focus-Longer) take crops as a second input, which that task
# cannot feed: export them with tools/deployment/pytorch2onnx.py.
codebase_config = dict(type='mmpretrain', task='Classification')
backend_config = dict(type='onnxruntime')
onnx_config = dict(
    type='onnx',
    export_params=True,
    keep_initializers_as_inputs=False,
    opset_version=18,
    save_file='end2end.onnx',
    input_names=['input'],
    output_names=['output'],
    input_shape=None,
    optimize=True)
