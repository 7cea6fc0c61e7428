# Focus-Longer on Cluttered Fashion-MNIST (CPU): global LeNetFC on the canvas
# at 56x56 + local stream (own LeNetFC, LSTM hidden 64, T = 10, attention, one
# fc) on the ground-truth-box patch at 28x28 (oracle stand-in for proposals,
# see the dataset base). Same schedule as the Cluttered Fashion-MNIST
# baselines: SGD Nesterov lr 0.1, x0.1 after epoch 1, 2 epochs, batch 128.
_base_ = [
    '../_base_/models/focus-longer_lenetfc.py',
    '../_base_/datasets/cluttered-fashion-mnist_gtbox-patch_56-28.py',
    '../_base_/schedules/sgd-nesterov_lr0.1_step-1_2e.py',
    '../_base_/default_runtime.py',
]
