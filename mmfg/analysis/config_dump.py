"""Config dumps read as text, never executed.

MMEngine writes the merged config of every run twice: into the text log
(after ``Config:``) and as ``<timestamp>/vis_data/config.py``. Both are
Python text of top-level ``name = dict(...)`` assignments
(``Config.pretty_text``). Executing them would run whatever a damaged or
crafted dump holds, so they are parsed with :mod:`ast` and only literal
values are evaluated (:func:`safe_value`); anything else is kept as its
source text (:class:`Expr`). Used by :mod:`mmfg.analysis.results` (a run's
``train_cfg``) and :mod:`mmfg.analysis.leaderboard` (a log's run fields).
"""
import ast

from mmfg.utils import DataError


class Expr(str):
    """Source text of a config value that is not a literal (compared as
    text)."""


def safe_value(node):
    """The value of an expression node of a config dump: constants, lists,
    tuples, sets, dict displays and ``dict(key=...)`` calls, signs on
    numbers; anything else is kept as its source text (:class:`Expr`).
    Nothing is executed."""
    if isinstance(node, ast.Constant):
        return node.value
    if isinstance(node, (ast.List, ast.Tuple)):
        vals = [safe_value(e) for e in node.elts]
        return vals if isinstance(node, ast.List) else tuple(vals)
    if isinstance(node, ast.Dict) and None not in node.keys:
        return {
            safe_value(k): safe_value(v)
            for k, v in zip(node.keys, node.values)
        }
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            and node.func.id == 'dict' and not node.args
            and all(kw.arg for kw in node.keywords)):
        return {kw.arg: safe_value(kw.value) for kw in node.keywords}
    signed = isinstance(node, ast.UnaryOp) and isinstance(
        node.op, (ast.USub, ast.UAdd))
    if signed and isinstance(node.operand, ast.Constant) and isinstance(
            node.operand.value, (int, float)):
        v = node.operand.value
        return -v if isinstance(node.op, ast.USub) else v
    return Expr(ast.unparse(node))


def parse_config_dump(text, where):
    """``{name: value}`` of the top-level ``name = ...`` assignments of a
    config dump (MMEngine's ``Config.pretty_text``), read by parsing the
    text (:func:`safe_value`), never executed."""
    try:
        tree = ast.parse(text, filename=str(where))
    except SyntaxError as exc:
        raise DataError(f'{where}: the config dump is not valid Python '
                        f'text (line {exc.lineno}: {exc.msg}); the log is '
                        'damaged') from None
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1 and \
                isinstance(node.targets[0], ast.Name):
            out[node.targets[0].id] = safe_value(node.value)
    return out
