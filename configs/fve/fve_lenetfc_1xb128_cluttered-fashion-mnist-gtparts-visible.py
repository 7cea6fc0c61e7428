# FVE, Table 1 "only visible GT parts": the blank crops of invisible parts
# are not encoded (their features are masked out of the GMM update and the
# Fisher vector); otherwise fve_lenetfc_1xb128_cluttered-fashion-mnist-
# gtparts.py.
_base_ = './fve_lenetfc_1xb128_cluttered-fashion-mnist-gtparts.py'
model = dict(local_neck=dict(use_missing_parts=False))
