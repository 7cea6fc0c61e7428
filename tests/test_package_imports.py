"""The import graph of the ``mmfg`` package has no cycle, and every module
imports in a fresh interpreter, leaves first.

The graph is read from the source with ``ast``: an arrow ``A -> B`` for
every ``import``/``from ... import`` of an mmfg module in ``A``, including
those inside functions (a lazy import hides a cycle, it does not remove
it), and for the packages whose ``__init__.py`` such an import runs.
"""
import ast
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def module_files(root, package='mmfg'):
    """``{dotted module name: path}`` of every ``.py`` under
    ``root/package`` (a package is named by its ``__init__.py``)."""
    files = {}
    for path in sorted((Path(root) / package).rglob('*.py')):
        parts = path.relative_to(root).with_suffix('').parts
        if parts[-1] == '__init__':
            parts = parts[:-1]
        files['.'.join(parts)] = path
    return files


def _imported_names(node, module, is_package):
    """Dotted names an import statement of ``module`` may load."""
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = node.module or ''
    if node.level:
        parts = module.split('.')
        if not is_package:
            parts = parts[:-1]
        parts = parts[:len(parts) - node.level + 1]
        base = '.'.join(parts + ([base] if base else []))
    return [base] + [f'{base}.{alias.name}' for alias in node.names]


def _loaded_modules(name, importer, files):
    """The mmfg modules importing ``name`` runs: ``name`` and the packages
    above it (``a.b.c`` runs ``a/__init__.py`` and ``a/b/__init__.py``),
    except the packages that hold ``importer``."""
    parts = name.split('.')
    for i in range(2, len(parts) + 1):
        target = '.'.join(parts[:i])
        inside = importer == target or importer.startswith(target + '.')
        if target in files and not inside:
            yield target


def import_graph(root, package='mmfg', lazy=True):
    """``{module: set of mmfg modules it imports}``; with ``lazy`` the
    imports inside functions count too."""
    files = module_files(root, package)
    functions = (ast.FunctionDef, ast.AsyncFunctionDef)
    graph = {}
    for module, path in files.items():
        is_package = path.name == '__init__.py'
        targets = set()
        stack = [(ast.parse(path.read_text()), False)]
        while stack:
            node, in_function = stack.pop()
            for child in ast.iter_child_nodes(node):
                stack.append((child, in_function
                              or isinstance(child, functions)))
                if not isinstance(child, (ast.Import, ast.ImportFrom)):
                    continue
                if in_function and not lazy:
                    continue
                for name in _imported_names(child, module, is_package):
                    if name in files:
                        targets.update(_loaded_modules(name, module, files))
        graph[module] = targets
    return graph


def find_cycles(graph):
    """The cycles of ``graph``: one list of modules per strongly connected
    component of more than one module (Tarjan), each closed as a path."""
    index, low, stack, on_stack, cycles = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                cycles.append(_path_through(graph, set(component)))

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 10 * len(graph)))
    try:
        for v in sorted(graph):
            if v not in index:
                visit(v)
    finally:
        sys.setrecursionlimit(limit)
    return cycles


def _path_through(graph, component):
    """A closed path ``a -> ... -> a`` inside ``component`` (breadth first
    from its first module back to it)."""
    start = min(component)
    parents, frontier = {start: None}, [start]
    while frontier:
        nxt = []
        for v in frontier:
            for w in sorted(graph[v] & component):
                if w == start:
                    path = [v]
                    while parents[path[-1]] is not None:
                        path.append(parents[path[-1]])
                    return path[::-1] + [start]
                if w not in parents:
                    parents[w] = v
                    nxt.append(w)
        frontier = nxt
    return sorted(component)


def dependency_order(graph):
    """The modules of ``graph`` (acyclic), each after the ones it imports."""
    order, done = [], set()

    def visit(v):
        if v in done:
            return
        done.add(v)
        for w in sorted(graph[v]):
            visit(w)
        order.append(v)

    for v in sorted(graph):
        visit(v)
    return order


def test_mmfg_has_no_import_cycle():
    cycles = [' -> '.join(c) for c in find_cycles(import_graph(REPO))]
    assert not cycles, 'import cycle(s) in mmfg: ' + '; '.join(cycles)


def test_error_types_are_a_leaf_module():
    """``mmfg.utils.errors`` imports nothing at all, so that any module can
    raise its errors."""
    tree = ast.parse((REPO / 'mmfg' / 'utils' / 'errors.py').read_text())
    imports = [
        ast.unparse(n) for n in ast.walk(tree)
        if isinstance(n, (ast.Import, ast.ImportFrom))
    ]
    assert imports == []


def test_the_cycle_check_finds_a_lazy_cycle(tmp_path):
    """The check sees a cycle closed by an import inside a function and one
    closed through a package's ``__init__.py``."""
    pkg = tmp_path / 'mmfg'
    for name, text in {
            '__init__.py': '',
            'a.py': 'from .b import g\n',
            'b.py': 'def g():\n    from mmfg.a import x\n',
            'sub/__init__.py': 'from .c import y\n',
            'sub/c.py': 'y = 1\n',
            'd.py': 'from mmfg.sub.c import y\n',
            'sub/e.py': 'from mmfg.d import y\n',
    }.items():
        (pkg / name).parent.mkdir(parents=True, exist_ok=True)
        (pkg / name).write_text(text)
    graph = import_graph(tmp_path)
    assert graph['mmfg.d'] == {'mmfg.sub', 'mmfg.sub.c'}
    assert graph['mmfg.sub.e'] == {'mmfg.d'}  # its own package: no arrow
    assert find_cycles(graph) == [['mmfg.a', 'mmfg.b', 'mmfg.a']]
    assert find_cycles(import_graph(tmp_path, lazy=False)) == []
    (pkg / 'sub' / '__init__.py').write_text('from .e import y\n')
    cycles = find_cycles(import_graph(tmp_path))
    assert ['mmfg.d', 'mmfg.sub', 'mmfg.sub.e', 'mmfg.d'] in cycles


def test_every_module_imports_in_dependency_order():
    """In one fresh interpreter, import each mmfg module after the modules
    it imports (leaves first), so each import starts from modules that
    imported on their own."""
    order = dependency_order(import_graph(REPO, lazy=False))
    code = textwrap.dedent(f"""
        import importlib, traceback
        failed = []
        for name in {order!r}:
            try:
                importlib.import_module(name)
            except Exception:
                failed.append(name + ': ' + traceback.format_exc(limit=1))
        print('\\n'.join(failed) or 'ok')
        """)
    out = subprocess.run([sys.executable, '-c', code],
                         cwd=REPO,
                         capture_output=True,
                         text=True,
                         timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().endswith('ok'), out.stdout[-4000:]


def test_light_analysis_modules_do_not_import_the_models():
    """``mmfg.analysis`` resolves its public names lazily (PEP 562): the
    leaderboard tool's library imports no model (it started in ~8 s when the
    package imported ``erf`` and with it every backbone), and every public
    name still resolves to its submodule's object."""
    code = textwrap.dedent("""
        import sys
        import mmfg.analysis.leaderboard
        import mmfg.analysis.results
        loaded = sorted(m for m in sys.modules if m.startswith('mmfg.models'))
        assert not loaded, loaded
        import importlib
        import mmfg.analysis as analysis
        for module, names in analysis._MODULES:
            sub = importlib.import_module('mmfg.analysis.' + module)
            for name in names:
                assert getattr(analysis, name) is getattr(sub, name), name
        assert sorted(analysis.__all__) == sorted(
            n for _, names in analysis._MODULES for n in names)
        try:
            analysis.no_such_name
        except AttributeError as e:
            assert 'no_such_name' in str(e)
        else:
            raise AssertionError('no AttributeError')
        """)
    proc = subprocess.run([sys.executable, '-c', code],
                          capture_output=True,
                          text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
