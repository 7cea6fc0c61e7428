# Stage 3 of the FVE authors' staged protocol (github.com/cvjena/fve_layer,
# DiKorsch/cs_parts; run by experiments/fve/repro.sh): the whole model
# end to end, every weight and the GMM statistics from the last stage-2
# checkpoint (load_from; repro.sh sets it), Adam lr 1e-3 eps 0.1, x0.1
# after epochs 4 / 8, 12 epochs; K = 1 GMM component, lambda 0.99 (K = 4 /
# 10: --cfg-options model.local_neck.num_components=K
# model.local_head.in_channels=2*K*32).
_base_ = './fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts-adam.py'
num_gmm = 1
model = dict(
    local_neck=dict(num_components=num_gmm, decay=0.99),
    local_head=dict(in_channels=2 * num_gmm * 32))
load_from = 'work_dirs/fve/repro/fve-k1-stage2_seed0/epoch_6.pth'
