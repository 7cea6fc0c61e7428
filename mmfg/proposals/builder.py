"""The registry of proposal generators (scope ``mmfg``).

A generator is called as ``gen(inputs, images)`` on a batch, ``inputs``
``(B, C, H, W)`` normalised for the classifier, ``images`` ``(B, C, H, W)``
the same images before normalisation (uint8 or float), and returns a list
of B float32 ``(n_i, 5)`` scored boxes ``x1, y1, x2, y2, score`` in pixels
of the input. Build one from a config dict with :func:`build_generator`.
"""
from typing import Callable

from mmengine.registry import Registry

PROPOSAL_GENERATORS = Registry(
    'proposal generator', scope='mmfg', locations=['mmfg.proposals'])


def build_generator(cfg: dict, **default_args) -> Callable:
    """Build a registered proposal generator (``CAMBoxes``, ``CSParts``,
    ``CentreBoxes``) from ``cfg``; ``default_args`` (e.g. ``model``) are
    passed on."""
    return PROPOSAL_GENERATORS.build(cfg, default_args=default_args)
