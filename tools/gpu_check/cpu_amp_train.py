"""tools/train.py with a CPU stand-in for ``--amp`` (the GPU check's dry run).

    python tools/gpu_check/cpu_amp_train.py CONFIG [train.py options] \
        --cfg-options optim_wrapper.type=CPUAutocastOptimWrapper

MMEngine's AmpOptimWrapper refuses a machine without a GPU, so the dry run
trains under ``torch.autocast('cpu', dtype=torch.bfloat16)`` instead: the
same forward casts as CUDA autocast applies to matmuls/convolutions (in
bfloat16, no loss scaling, which bfloat16's float32 range makes unneeded).
"""
import os.path as osp
import runpy
import sys
from contextlib import contextmanager

import torch
from mmengine.optim import OptimWrapper
from mmengine.registry import OPTIM_WRAPPERS

ROOT = osp.dirname(osp.dirname(osp.dirname(osp.abspath(__file__))))


@OPTIM_WRAPPERS.register_module()
class CPUAutocastOptimWrapper(OptimWrapper):
    """OptimWrapper whose forward runs under CPU autocast (bfloat16)."""

    @contextmanager
    def optim_context(self, model):
        with super().optim_context(model), torch.autocast(
                'cpu', dtype=torch.bfloat16):
            yield


if __name__ == '__main__':
    sys.argv[0] = osp.join(ROOT, 'tools', 'train.py')
    runpy.run_path(sys.argv[0], run_name='__main__')
