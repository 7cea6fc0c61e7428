"""Stage descriptions of bottom-up (BU) networks and their top-down mirrors.

One :class:`ArchSpec` describes a BU network as a list of stages (one stage
per spatial resolution). :func:`derive_levels` turns it into the list of
resolution *levels* in processing order, for the BU network and for the
three Top-Down arrangements of Lelekas et al., Sec. 3.3:

* ``'bu'``: the stages as described, fine to coarse.
* ``'td'``: the same stages in reverse order, coarse to fine: every stage
  keeps its resolution, kernels and widths, so the number of channels shrinks
  with depth.
* ``'td_uni'``: as ``'td'`` with every width set to ``uni_channels``.
* ``'td_rev'``: as ``'td'``, but the widths of the stage at depth ``d`` are
  those of the BU stage at depth ``d`` (channels grow with depth, as in the
  BU); kernel sizes stay with the resolution.

Widths, kernels and the per-family details below are facts of the paper and
of its public reference code (giannislelekas/topdown); they reproduce the
paper's Table 1 parameter counts.
"""
from dataclasses import dataclass, field, replace
from typing import Dict, List, Optional, Tuple, Union

BLOCKS = ('conv', 'mlpconv', 'preact', 'basic')
MODES = ('bu', 'td', 'td_uni', 'td_rev')


@dataclass(frozen=True)
class StageSpec:
    """One BU stage: the units working at one spatial resolution.

    Args:
        channels (tuple[int]): output width of each unit. A unit is one
            convolution for ``'conv'`` / ``'mlpconv'`` families and one
            residual block (two 3x3 convolutions) for ``'preact'`` /
            ``'basic'``.
        kernel (int): spatial kernel. ``'conv'``: every unit; ``'mlpconv'``
            (NIN): the first unit, the following ones are 1x1; residual:
            both convolutions of every block.
        factor (int): downsampling factor from the previous stage (BU: max
            pooling for conv families, stride of the first block for
            residual families). Ignored for the first stage.
    """
    channels: Tuple[int, ...]
    kernel: int = 3
    factor: int = 2

    def __post_init__(self):
        object.__setattr__(self, 'channels', tuple(self.channels))


@dataclass(frozen=True)
class StemSpec:
    """Stem of a residual BU network: ``kernel x kernel`` conv with
    ``channels`` outputs and ``stride``, then a 3x3 max pooling with stride
    ``pool`` (``pool=1``: none). Pre-activation stems are a bare conv; basic
    stems are conv-BN-ReLU. In TD networks the stem convolution (stride 1,
    no pooling) is the *input convolution* applied to every input scale."""
    channels: int
    kernel: int = 3
    stride: int = 1
    pool: int = 1

    @property
    def total_stride(self) -> int:
        return self.stride * self.pool


@dataclass(frozen=True)
class ArchSpec:
    """A BU network family.

    Args:
        block (str): ``'conv'`` (plain conv-BN-ReLU layers, LeNetFC),
            ``'mlpconv'`` (NIN: kxk conv then 1x1 convs), ``'preact'``
            (pre-activation residual blocks, He et al. 2016b) or ``'basic'``
            (ResNet basic blocks, He et al. 2016a).
        stages (tuple[StageSpec]): fine to coarse.
        stem (StemSpec, optional): residual families only.
        pool_kernel (int): max-pooling kernel between stages of conv
            families (stride = the stage's ``factor``, 'SAME' padding).
        drop_rate (float): dropout after every BU pooling / TD merge (NIN).
        head (str): the classifier the paper uses: ``'conv'`` = 1x1 conv to
            the classes (+BN+ReLU) then global average pooling, no linear
            layer (LeNetFC, NIN); ``'linear'`` = global average pooling then
            one fully-connected layer (ResNets).
        uni_channels (int): width of every unit in the ``'td_uni'``
            arrangement.
        conv_bias (bool): convolutions keep a bias before BN (the reference
            Keras code does, and Table 1 counts them).
    """
    block: str
    stages: Tuple[StageSpec, ...]
    uni_channels: int
    stem: Optional[StemSpec] = None
    pool_kernel: int = 2
    drop_rate: float = 0.
    head: str = 'conv'
    conv_bias: bool = True

    def __post_init__(self):
        if self.block not in BLOCKS:
            raise ValueError(f'block must be one of {BLOCKS}, got '
                             f'{self.block!r}')
        if self.head not in ('conv', 'linear'):
            raise ValueError(f"head must be 'conv' or 'linear', got "
                             f'{self.head!r}')
        stages = tuple(
            s if isinstance(s, StageSpec) else StageSpec(**s)
            for s in self.stages)
        object.__setattr__(self, 'stages', stages)
        if isinstance(self.stem, dict):
            object.__setattr__(self, 'stem', StemSpec(**self.stem))
        if self.residual and self.stem is None:
            raise ValueError(f'{self.block!r} networks need a stem')
        if not self.residual and self.stem is not None:
            raise ValueError('only residual networks have a stem')

    @property
    def residual(self) -> bool:
        return self.block in ('preact', 'basic')

    @property
    def stem_stride(self) -> int:
        return self.stem.total_stride if self.stem is not None else 1

    def stage_factors(self) -> List[int]:
        """Downsampling of every stage's maps w.r.t. the input image."""
        factors, f = [], self.stem_stride
        for i, stage in enumerate(self.stages):
            if i > 0:
                f *= stage.factor
            factors.append(f)
        return factors

    def unit_kernels(self, stage: StageSpec) -> List[int]:
        """Spatial kernel of every unit of ``stage`` for this family."""
        n = len(stage.channels)
        if self.block == 'mlpconv':
            return [stage.kernel] + [1] * (n - 1)
        return [stage.kernel] * n

    def main_path_layers(
            self,
            num_classes: Optional[int] = None) -> List[Tuple[str, int, int]]:
        """``(name, kernel, stride)`` of every conv / pooling layer on the
        longest input-to-output path of the BU network, in order (the layers
        that enter the paper's ERF formula, Sec. 3.2, Eq. 1). Residual
        shortcuts are parallel to it and do not widen the receptive field."""
        layers = []
        if self.stem is not None:
            layers.append(('stem.conv', self.stem.kernel, self.stem.stride))
            if self.stem.pool > 1:
                layers.append(('stem.pool', 3, self.stem.pool))
        for i, stage in enumerate(self.stages):
            first_stride = 1
            if i > 0:
                if self.residual:
                    first_stride = stage.factor
                else:
                    layers.append(
                        (f'stage{i}.pool', self.pool_kernel, stage.factor))
            for j, k in enumerate(self.unit_kernels(stage)):
                s = first_stride if j == 0 else 1
                if self.residual:
                    layers.append((f'stage{i}.block{j}.conv1', k, s))
                    layers.append((f'stage{i}.block{j}.conv2', k, 1))
                else:
                    layers.append((f'stage{i}.conv{j}', k, s))
        if num_classes and self.head == 'conv':
            layers.append(('class_conv', 1, 1))
        return layers


@dataclass(frozen=True)
class LevelSpec:
    """One resolution level of a built network, in processing order.

    ``factor`` is the downsampling of the level's maps w.r.t. the input
    image; ``channels`` and ``kernels`` list its units."""
    channels: Tuple[int, ...]
    kernels: Tuple[int, ...]
    factor: int
    kernel: int = field(default=3)


def derive_levels(arch: ArchSpec, mode: str) -> List[LevelSpec]:
    """Levels of the network ``mode`` (see module docstring), in processing
    order: fine to coarse for ``'bu'``, coarse to fine for the TD modes."""
    if mode not in MODES:
        raise ValueError(f'mode must be one of {MODES}, got {mode!r}')
    stages, factors = arch.stages, arch.stage_factors()
    n = len(stages)

    def level(stage: StageSpec, factor: int, channels=None) -> LevelSpec:
        if channels is not None:
            stage = replace(stage, channels=tuple(channels))
        return LevelSpec(stage.channels, tuple(arch.unit_kernels(stage)),
                         factor, stage.kernel)

    if mode == 'bu':
        return [level(s, f) for s, f in zip(stages, factors)]
    # TD: the input pyramid replaces the stem's downsampling (ResNet18's
    # 7x7/2 conv + 3x3/2 pool), so the finest level is at full resolution,
    # as in the reference's Imagenette ResNet18-TD.
    factors = [f // arch.stem_stride for f in factors]
    order = list(range(n - 1, -1, -1))  # coarse (deepest BU stage) first
    if mode == 'td':
        return [level(stages[s], factors[s]) for s in order]
    if mode == 'td_uni':
        return [
            level(stages[s], factors[s],
                  (arch.uni_channels, ) * len(stages[s].channels))
            for s in order
        ]
    # td_rev: depth d (0 = coarsest) gets the widths of BU depth d.
    return [
        level(stages[s], factors[s], stages[d].channels)
        for d, s in enumerate(order)
    ]


ARCH_SPECS: Dict[str, ArchSpec] = {
    # LeNetFC (fully-convolutional LeNet, MNIST), paper Sec. 4.
    'lenetfc':
    ArchSpec(
        block='conv',
        stages=(StageSpec((6, ), 5, 1), StageSpec((16, ), 5,
                                                  2), StageSpec((32, ), 3, 2)),
        pool_kernel=2,
        head='conv',
        uni_channels=16),
    # NIN-light: NIN (Lin et al. 2014) with reduced widths (MNIST).
    'nin-light':
    ArchSpec(
        block='mlpconv',
        stages=(StageSpec((48, 40, 24), 5, 1), StageSpec(
            (48, 48, 48), 5, 2), StageSpec((48, 48), 3, 2)),
        pool_kernel=3,
        drop_rate=0.5,
        head='conv',
        uni_channels=48),
    # NIN (CIFAR-10).
    'nin':
    ArchSpec(
        block='mlpconv',
        stages=(StageSpec((192, 160, 96), 5,
                          1), StageSpec((192, 192, 192), 5,
                                        2), StageSpec((192, 192), 3, 2)),
        pool_kernel=3,
        drop_rate=0.5,
        head='conv',
        uni_channels=192),
    # Pre-activation ResNet32 for CIFAR (n = 5 blocks per stage).
    'resnet32':
    ArchSpec(
        block='preact',
        stem=StemSpec(16, 3),
        stages=(StageSpec((16, ) * 5, 3, 1), StageSpec(
            (32, ) * 5, 3, 2), StageSpec((64, ) * 5, 3, 2)),
        head='linear',
        uni_channels=32),
    # ResNet18 (basic blocks, ImageNet layout: 7x7/2 stem + 3x3/2 max pool),
    # bias-free convolutions as in torchvision / mmpretrain. Not in Table 1;
    # the TD_uni width is our choice.
    'resnet18':
    ArchSpec(
        block='basic',
        stem=StemSpec(64, 7, stride=2, pool=2),
        stages=(StageSpec((64, 64), 3, 1), StageSpec(
            (128, 128), 3, 2), StageSpec((256, 256), 3,
                                         2), StageSpec((512, 512), 3, 2)),
        head='linear',
        uni_channels=128,
        conv_bias=False),
}


def get_arch(arch: Union[str, dict, ArchSpec]) -> ArchSpec:
    """An :class:`ArchSpec` from a name in :data:`ARCH_SPECS`, a dict of
    :class:`ArchSpec` fields (stages / stem as dicts) or a spec."""
    if isinstance(arch, ArchSpec):
        return arch
    if isinstance(arch, str):
        key = arch.lower()
        if key not in ARCH_SPECS:
            raise KeyError(f'unknown Top-Down arch {arch!r}; choose one of '
                           f'{sorted(ARCH_SPECS)} or pass a dict')
        return ARCH_SPECS[key]
    if isinstance(arch, dict):
        return ArchSpec(**arch)
    raise TypeError(f'arch must be a str, dict or ArchSpec, got {type(arch)}')
