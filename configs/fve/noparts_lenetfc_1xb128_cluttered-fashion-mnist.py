# The "no parts" baseline of the FVE runs: the global stream alone, the same
# network, input and schedule as the global stream of
# fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py (identical to
# configs/focus_longer/global_lenetfc_1xb128_cluttered-fashion-mnist-56.py).
_base_ = '../focus_longer/global_lenetfc_1xb128_cluttered-fashion-mnist-56.py'
