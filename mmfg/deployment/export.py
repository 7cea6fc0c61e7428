"""ONNX export of an mmfg classifier with torch's TorchScript exporter.

Why the TorchScript exporter (``torch.onnx.export(..., dynamo=False)``)
and not torch 2.11's default dynamo exporter:

* the dynamo exporter cannot export GASA (its decomposition step stops on
  a ``view`` of the attention output: "Cannot view a tensor with shape
  ... as a tensor with shape ...");
* it writes opset 18 or later: a lower requested opset goes through the
  ONNX version converter, which fails on the Top-Down, Focus-Longer and FVE
  graphs (``axes_input_to_attribute``) and then keeps opset 18 with a
  warning, so the requested opset is not the one you get;
* mmcv's RoIAlign (the RoIAlign crops of Focus-Longer) is an autograd
  Function over a compiled op, which the TorchScript exporter maps to ONNX
  ``RoiAlign`` through its symbolic.

The TorchScript exporter writes exactly the requested opset (7 to 20 in
torch 2.11; default :data:`DEFAULT_OPSET`) or fails: such failures end as
ONE :class:`~mmfg.utils.ConfigError` line naming the operator
(:func:`describe_export_error`), never a traceback.
"""
import contextlib
import json
import os
import os.path as osp
import re
import sys
import tempfile
import warnings
from typing import Dict, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import numpy as np
import torch
import torch.nn as nn

from mmfg.utils import ConfigError
from .export_patches import export_patches
from .wrappers import OUTPUT_NAMES, score_module

#: the opset written when none is asked for (LayerNormalization is native
#: from 17; onnxruntime >= 1.11 runs it)
DEFAULT_OPSET = 17
#: metadata_props key of the JSON description (see :func:`read_metadata`)
METADATA_KEY = 'mmfg'
EXPORTER = 'torch.onnx TorchScript exporter (dynamo=False)'


def opset_range() -> Tuple[int, int]:
    """``(lowest, highest)`` opset the installed torch's TorchScript
    exporter writes."""
    from torch.onnx import _constants
    return (_constants.ONNX_MIN_OPSET,
            _constants.ONNX_TORCHSCRIPT_EXPORTER_MAX_OPSET)


def check_opset(opset: int) -> None:
    """Raise a :class:`ConfigError` for an opset the exporter cannot
    write."""
    lo, hi = opset_range()
    if not lo <= int(opset) <= hi:
        raise ConfigError(
            f'--opset {opset}: torch {torch.__version__}\'s TorchScript '
            f'exporter writes opsets {lo} to {hi} (its dynamo exporter, '
            'which writes 18 and later, cannot export GASA); use --opset '
            f'{DEFAULT_OPSET} (the default) or another opset in that range')


def describe_export_error(exc: BaseException, opset: int) -> str:
    """One line for an exporter failure, naming the operator.

    * an ATen operator with no ONNX conversion (at this opset): its name,
      and the opset that has one when torch says so;
    * a conversion that fails on the traced graph: torch's reason and the
      ONNX node kind it stopped at;
    * anything else: the exception type and its first line.
    """
    from torch.onnx.errors import SymbolicValueError, UnsupportedOperatorError
    text = str(exc).strip()
    first = text.splitlines()[0] if text else type(exc).__name__
    op = re.search(r"operator '([\w:.]+)'", text)
    if isinstance(
            exc, UnsupportedOperatorError) or (op and 'not supported' in text):
        name = op.group(1) if op else '?'
        need = re.search(r'added in version (\d+)', text)
        if need:
            return (f'the operator {name} has no ONNX conversion at opset '
                    f'{opset}; it needs opset {need.group(1)}: use --opset '
                    f'{need.group(1)}')
        return (f'the operator {name} cannot be exported to ONNX (opset '
                f'{opset}): torch\'s exporter has no conversion for it; '
                'use a model without it')
    if isinstance(exc, SymbolicValueError):
        kind = re.search(r"containing node has kind '([\w:.]+)'", text)
        reason = re.sub(r'\s*\[Caused by.*', '', first, flags=re.S)
        where = f' (at the {kind.group(1)} node)' if kind else ''
        need = re.search(r'try opset version (\d+)', reason)
        hint = f'; use --opset {need.group(1)}' if need else ''
        return f'ONNX export failed{where}: {reason.rstrip(".")}{hint}'
    op = _symbolic_in_traceback(exc)
    where = f' (converting {op} at opset {opset})' if op else ''
    return (f'ONNX export failed{where}: {type(exc).__name__}: '
            f'{first[:300]}')


def _symbolic_in_traceback(exc: BaseException) -> Optional[str]:
    """The ATen operator whose ONNX conversion raised ``exc``: the node
    torch's exporter was converting (``_run_symbolic_function``), if
    any."""
    op = None
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == '_run_symbolic_function':
            node = frame.f_locals.get('node') or frame.f_locals.get('n')
            try:
                op = node.kind()
            except Exception:  # noqa: BLE001 - best effort
                pass
        tb = tb.tb_next
    return op


class ExportResult(NamedTuple):
    """What :func:`export_onnx` wrote."""
    path: str
    opset: int
    input_names: List[str]
    input_shapes: Dict[str, List]
    output_shape: List
    metadata: dict
    patches: List[str]
    max_abs_diff: Optional[float]


def example_inputs(wrapper: nn.Module,
                   shapes: Dict[str, Sequence[int]],
                   batch: int = 1,
                   seed: int = 0) -> Tuple[torch.Tensor, ...]:
    """Tracing inputs of ``wrapper`` with the per-image ``shapes`` (``{name:
    shape without the batch}``): random normal images/crops, all crops
    valid, boxes of the whole image (``(W, H)`` of ``inputs``)."""
    gen = torch.Generator().manual_seed(seed)
    out = []
    for name in wrapper.input_names:
        shape = (batch, *shapes[name])
        if name == 'part_valid':
            out.append(torch.ones(shape, dtype=torch.bool))
        elif name == 'boxes':
            h, w = shapes['inputs'][-2:]
            box = torch.tensor([0., 0., w, h])
            out.append(box.expand(*shape).contiguous())
        else:
            out.append(torch.randn(shape, generator=gen))
    return tuple(out)


@contextlib.contextmanager
def _quiet_fds() -> Iterator[None]:
    """Silence the process's stdout and stderr at the file-descriptor
    level: on a failure torch's exporter dumps the whole TorchScript graph
    from C++ (thousands of lines) before raising."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = [os.dup(1), os.dup(2)]
    with open(os.devnull, 'w') as null:
        try:
            os.dup2(null.fileno(), 1)
            os.dup2(null.fileno(), 2)
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            for fd in saved:
                os.close(fd)


def _scores(wrapper: nn.Module, args: Sequence[torch.Tensor]) -> np.ndarray:
    with torch.no_grad():
        return wrapper(*args).cpu().numpy()


def _check_runs(wrapper, args, shapes):
    try:
        out = _scores(wrapper, args)
    except ConfigError:
        raise
    except Exception as exc:  # noqa: BLE001 - the model's own error
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        sizes = ', '.join(f'{k} {tuple(v)}' for k, v in shapes.items())
        raise ConfigError(
            f'the model does not run on inputs of shape {sizes} (per '
            f'image): {first[:200]}; give --shape a size the config allows'
        ) from None
    if out.ndim != 2:
        raise ConfigError(f'the model returns scores of shape {out.shape}; '
                          'expected (B, num_classes)')
    return out


def export_onnx(model: nn.Module,
                out: str,
                shapes: Dict[str, Sequence[int]],
                dynamic_batch: bool = False,
                opset: int = DEFAULT_OPSET,
                metadata: Optional[dict] = None,
                verify: bool = True,
                atol: float = 1e-4) -> ExportResult:
    """Export ``model`` (an mmfg classifier in eval mode) to ``out``.

    Args:
        model: built by :func:`mmfg.apis.init_model`.
        out (str): the ``.onnx`` file (written atomically).
        shapes (dict): per-image shape of every graph input, ``{name:
            shape without the batch}`` (:func:`mmfg.deployment.input_shapes`).
        dynamic_batch (bool): a symbolic batch axis ``batch`` on every
            input and the output (traced at batch 2); else batch 1.
        opset (int): the ONNX opset written.
        metadata (dict, optional): JSON-able description stored under
            the model's ``metadata_props`` key ``'mmfg'``.
        verify (bool): run the graph with onnxruntime (CPU) on random
            inputs at batch 1 (and 3 with ``dynamic_batch``) and compare
            with the wrapper's PyTorch scores.
        atol (float): largest score difference ``verify`` accepts.

    Returns:
        ExportResult.

    Raises:
        ConfigError: an opset out of range, a model that cannot be
            exported (one line naming the operator), a graph that does not
            reproduce the model.
    """
    import onnx

    check_opset(opset)
    model.eval()
    wrapper = score_module(model)
    names = list(wrapper.input_names)
    missing = [n for n in names if n not in shapes]
    if missing:
        raise ConfigError(f'no shape for the graph inputs {missing}')
    batch = 2 if dynamic_batch else 1
    args = example_inputs(wrapper, shapes, batch)
    _check_runs(wrapper, args, {n: shapes[n] for n in names})
    dynamic_axes = None
    if dynamic_batch:
        dynamic_axes = {n: {0: 'batch'} for n in names + list(OUTPUT_NAMES)}
    out_dir = osp.dirname(osp.abspath(out))
    os.makedirs(out_dir, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix='.onnx.partial', dir=out_dir)
    os.close(fd)
    try:
        with export_patches(model) as patches, warnings.catch_warnings():
            warnings.simplefilter('ignore')
            try:
                with _quiet_fds():
                    torch.onnx.export(
                        wrapper,
                        args,
                        tmp,
                        dynamo=False,
                        opset_version=int(opset),
                        input_names=names,
                        output_names=list(OUTPUT_NAMES),
                        dynamic_axes=dynamic_axes,
                        do_constant_folding=True)
            except ConfigError:
                raise
            except Exception as exc:  # noqa: BLE001 - exporter errors
                raise ConfigError(describe_export_error(exc, opset)) from None
            finally:
                # the exporter restores the wrapper's training flag, which
                # reaches the model: keep it in eval mode
                wrapper.eval()
                model.eval()
        proto = onnx.load(tmp)
        got = {o.domain: o.version for o in proto.opset_import}.get('', None)
        if got != int(opset):
            raise ConfigError(f'asked for opset {opset} but the exporter '
                              f'wrote opset {got}')
        out_shape = [
            'batch' if dynamic_batch else batch,
            int(_scores(wrapper, args).shape[1])
        ]
        meta = dict(metadata or {})
        meta.update(
            opset=int(opset),
            exporter=EXPORTER,
            torch=torch.__version__,
            dynamic_batch=bool(dynamic_batch),
            export_rewrites=patches,
            inputs={
                n:
                dict(
                    shape=[
                        'batch' if dynamic_batch else batch,
                        *map(int, shapes[n])
                    ],
                    dtype='bool' if n == 'part_valid' else 'float32')
                for n in names
            },
            outputs=dict(
                scores=dict(
                    shape=out_shape,
                    dtype='float32',
                    meaning='softmax class scores: pred_score of '
                    'model.predict')))
        del proto.metadata_props[:]
        entry = proto.metadata_props.add()
        entry.key, entry.value = METADATA_KEY, json.dumps(meta)
        proto.producer_name = 'mmfg'
        onnx.save(proto, tmp)
        diff = None
        if verify:
            diff = verify_graph(tmp, wrapper, shapes, dynamic_batch, atol)
        os.replace(tmp, out)
    finally:
        if osp.exists(tmp):
            os.remove(tmp)
    return ExportResult(
        path=out,
        opset=int(opset),
        input_names=names,
        input_shapes=meta['inputs'],
        output_shape=out_shape,
        metadata=meta,
        patches=patches,
        max_abs_diff=diff)


def verify_graph(path: str,
                 wrapper: nn.Module,
                 shapes: Dict[str, Sequence[int]],
                 dynamic_batch: bool,
                 atol: float = 1e-4) -> float:
    """Largest ``|onnxruntime - PyTorch|`` score difference of the graph
    at ``path`` on random inputs (batch 1, and 3 with ``dynamic_batch``);
    a :class:`ConfigError` when it exceeds ``atol`` or the graph does not
    run (e.g. a batch size baked into it)."""
    from .parity import onnx_session, run_onnx
    session = onnx_session(path)
    worst = 0.
    for batch in ((1, 3) if dynamic_batch else (1, )):
        args = example_inputs(wrapper, shapes, batch, seed=batch)
        ref = _scores(wrapper, args)
        try:
            got = run_onnx(session, dict(zip(wrapper.input_names, args)))
        except Exception as exc:  # noqa: BLE001 - onnxruntime errors
            first = (str(exc).strip().splitlines() or ['?'])[0]
            raise ConfigError(
                f'the exported graph does not run at batch '
                f'{batch} in onnxruntime: {first[:300]}') from None
        if got.shape != ref.shape:
            raise ConfigError(f'the exported graph gives scores of shape '
                              f'{got.shape} at batch {batch}, PyTorch '
                              f'{ref.shape}')
        diff = float(np.abs(got - ref).max())
        if not diff <= atol:
            raise ConfigError(f'the exported graph differs from PyTorch by '
                              f'{diff:.3g} (> {atol:g}) at batch {batch}')
        worst = max(worst, diff)
    return worst


def read_metadata(path: str) -> dict:
    """The JSON description :func:`export_onnx` stored in an ONNX file
    (``{}`` when there is none)."""
    import onnx
    proto = onnx.load(path, load_external_data=False)
    for entry in proto.metadata_props:
        if entry.key == METADATA_KEY:
            return json.loads(entry.value)
    return {}


def export_checkpoint(config,
                      checkpoint: Optional[str],
                      out: str,
                      shape: Optional[Sequence[int]] = None,
                      dynamic_batch: bool = False,
                      opset: int = DEFAULT_OPSET,
                      cfg_options: Optional[dict] = None,
                      verify: bool = True) -> ExportResult:
    """:func:`export_onnx` of the model of ``config`` with ``checkpoint``
    (None: the freshly initialised weights), its inputs shaped by the
    config's test pipeline (:func:`~mmfg.deployment.metadata.input_shapes`,
    ``shape`` ``(H, W)`` replacing the image size) and its preprocessing
    written into the file
    (:func:`~mmfg.deployment.metadata.preprocess_metadata`)."""
    from mmfg.apis import init_model, load_config
    from mmfg.apis.image_pipeline import check_classifier_config
    from .metadata import input_shapes, preprocess_metadata
    check_opset(opset)
    cfg = load_config(config, cfg_options)
    check_classifier_config(cfg)
    model = init_model(cfg, checkpoint)
    shapes = input_shapes(model, shape)
    meta = preprocess_metadata(model, shapes)
    return export_onnx(
        model,
        out,
        shapes,
        dynamic_batch=dynamic_batch,
        opset=opset,
        metadata=meta,
        verify=verify)
