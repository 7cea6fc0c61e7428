# Stage 1 of the FVE authors' staged protocol (github.com/cvjena/fve_layer,
# DiKorsch/cs_parts; experiments/fve/repro.sh): the global CNN trained
# alone, i.e. noparts_lenetfc_1xb128_cluttered-fashion-mnist.py (LeNetFC +
# GAP on the canvas resized to 56x56) with the scripts' optimiser, Adam
# lr 1e-3 eps 0.1, x0.1 after epochs 4 / 8, 12 epochs. Its weights start
# both CNNs of stage 2 (*-gtparts-adam-stage2.py).
_base_ = [
    '../_base_/models/topdown_lenetfc.py',
    '../_base_/datasets/cluttered-fashion-mnist_bs128_56.py',
    '../_base_/schedules/adam-eps0.1_lr1e-3_step-4-8_12e.py',
    '../_base_/default_runtime.py',
]
model = dict(backbone=dict(mode='bu', num_classes=10))
