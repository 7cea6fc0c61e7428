"""tools/misc/list_configs.py: the method x dataset grid of configs/ with a
reason beside every hole, the README's table generated from it, and the
grid following the config files (a config deleted or added changes it)."""
import glob
import importlib.util
import os.path as osp
import re
import shutil

import pytest
import yaml

from mmfg.utils import ConfigError
from ..conftest import REPO, run_tool

TOOL = osp.join(REPO, 'tools', 'misc', 'list_configs.py')
HOLES = osp.join(REPO, 'tools', 'misc', 'grid_holes.yml')
CONFIGS = osp.join(REPO, 'configs')
README_MARKERS = ('<!-- grid:start -->', '<!-- grid:end -->')

# written out here, not imported from the tool: the grid the project asks
# for (5 methods and the proposals stage x 8 fine-grained datasets)
ROWS = {
    'RACNN': ('racnn', ('racnn_', )),
    'Top-Down': ('topdown', ('td_', 'td-uni_', 'td-rev_')),
    'FVE': ('fve', ('fve_', 'fve-only_')),
    'Focus-Longer': ('focus_longer', ('focus-longer_', )),
    'GASA': ('gasa', ('gasa_', )),
    'proposals (detector)': ('proposals', ('', )),
}
DATASETS = {
    'cub': 'CUB',
    'nabirds': 'NABirds',
    'birdsnap': 'Birdsnap',
    'stanford-dogs': 'Stanford Dogs',
    'stanford-cars': 'Stanford Cars',
    'fgvc-aircraft': 'FGVC-Aircraft',
    'flowers102': 'Flowers-102',
    'inat2018': 'iNat2018',
}


def _load_tool():
    spec = importlib.util.spec_from_file_location('list_configs', TOOL)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def tool():
    return _load_tool()


@pytest.fixture(scope='module')
def repo_markdown():
    """One run of the tool on the repository's configs (the slow part)."""
    proc = run_tool([TOOL, '--markdown'])
    return proc


def _table(markdown):
    """{row: [cell, ...]} of the grid table in a Markdown text."""
    rows = {}
    for line in markdown.splitlines():
        cells = [c.strip() for c in line.strip().strip('|').split('|')]
        if line.startswith('|') and cells[0] in ROWS:
            rows[cells[0]] = cells[1:]
    return rows


def test_the_grid_has_no_unexplained_hole(repo_markdown):
    """Every method x dataset cell has a config (found here by its file
    name, independently of the tool's config parsing) or a reason printed
    beside the hole; the tool exits 0."""
    assert repo_markdown.returncode == 0, repo_markdown.stderr
    table = _table(repo_markdown.stdout)
    assert list(table) == list(ROWS)
    lines = repo_markdown.stdout.splitlines()
    header = [c.strip() for c in lines[0].strip('|').split('|')]
    assert header == ['method'] + list(DATASETS.values())
    with open(HOLES) as f:
        holes = yaml.safe_load(f) or {}
    notes = re.findall(r'^(\d+)\. (.+)$', repo_markdown.stdout, re.M)
    for row, (folder, prefixes) in ROWS.items():
        for i, dataset in enumerate(DATASETS):
            cell = table[row][i]
            stems = [
                osp.basename(p)[:-3]
                for p in glob.glob(osp.join(CONFIGS, folder, '*.py'))
            ]
            have = [
                s for s in stems if s.startswith(prefixes) and re.fullmatch(
                    re.escape(dataset) + r'(-.*)?',
                    s.rsplit('_', 1)[-1])
            ]
            if have:
                assert cell == f'yes ({len(have)})', (row, dataset, have)
            else:
                reason = (holes.get(row) or {}).get(dataset)
                assert reason, f'{row} on {dataset}: no config, no reason'
                n = re.fullmatch(r'- \((\d+)\)', cell).group(1)
                assert (n, f'{row} on {DATASETS[dataset]}: {reason}') \
                    in notes


def test_readme_holds_the_generated_table(repo_markdown):
    """README.md's grid, between the two markers, is the tool's output
    (regenerate: python tools/misc/list_configs.py --markdown)."""
    with open(osp.join(REPO, 'README.md')) as f:
        readme = f.read()
    start, end = README_MARKERS
    assert start in readme and end in readme, (
        f'README.md has no {start} ... {end} block: paste the output of '
        'python tools/misc/list_configs.py --markdown between them')
    block = readme.split(start, 1)[1].split(end, 1)[0]
    assert block.strip() == repo_markdown.stdout.strip(), (
        'README.md grid is out of date: paste the output of python '
        'tools/misc/list_configs.py --markdown between the markers')


# -- a small configs tree: the grid follows the files ----------------------
SMALL = {
    'racnn': ['baseline_vgg16_cub-lr50', 'racnn_vgg16_cub-lr50'],
    'topdown': ['bu_resnet18_stanford-dogs', 'td_resnet18_stanford-dogs'],
    'proposals': ['rpn_r18_fpn_1xb8-4000it_flowers102-cam'],
}
FILLED = {('RACNN', 'cub'), ('Top-Down', 'stanford-dogs'),
          ('proposals (detector)', 'flowers102')}


@pytest.fixture
def small_tree(tmp_path):
    """configs/_base_ and 5 configs; a holes file with a reason for every
    other cell (``reason <row> <dataset>``)."""
    root = tmp_path / 'configs'
    shutil.copytree(osp.join(CONFIGS, '_base_'), root / '_base_')
    for folder, names in SMALL.items():
        (root / folder).mkdir()
        for name in names:
            src = osp.join(CONFIGS, folder, name + '.py')
            shutil.copy(src, root / folder)
    holes = {
        row: {
            d: f'reason {row} {d}'
            for d in DATASETS if (row, d) not in FILLED
        }
        for row in ROWS
    }
    holes_file = tmp_path / 'holes.yml'
    holes_file.write_text(yaml.safe_dump(holes))
    return root, holes_file, holes


def _markdown(tool, capsys, root, holes_file):
    tool.main(['--root', str(root), '--holes', str(holes_file), '--markdown'])
    return capsys.readouterr().out


def test_small_tree_cells_and_reasons(tool, capsys, small_tree):
    root, holes_file, holes = small_tree
    out = _markdown(tool, capsys, root, holes_file)
    table = _table(out)
    names = list(DATASETS)
    assert table['RACNN'][names.index('cub')] == 'yes (1)'  # not baseline_
    assert table['Top-Down'][names.index('stanford-dogs')] == 'yes (1)'
    assert table['proposals (detector)'][names.index('flowers102')] == \
        'yes (1)'
    notes = dict(re.findall(r'^(\d+)\. (.+)$', out, re.M))
    assert len(notes) == len(ROWS) * len(DATASETS) - len(FILLED)
    # each hole points at its own reason
    n = re.fullmatch(r'- \((\d+)\)',
                     table['GASA'][names.index('inat2018')]).group(1)
    assert notes[n] == 'GASA on iNat2018: reason GASA inat2018'
    tool.main(['--root', str(root), '--holes', str(holes_file), '--check'])
    assert '3 cells filled, 45 holes' in capsys.readouterr().out


def test_deleting_a_config_opens_an_unexplained_hole(tool, capsys, small_tree):
    root, holes_file, _ = small_tree
    before = _table(_markdown(tool, capsys, root, holes_file))
    (root / 'racnn' / 'racnn_vgg16_cub-lr50.py').unlink()
    expected = r'1 hole\(s\) without a reason: RACNN / CUB \('
    with pytest.raises(ConfigError, match=expected):
        _markdown(tool, capsys, root, holes_file)
    after = _table(capsys.readouterr().out)
    assert after['RACNN'][0] == 'MISSING' and before['RACNN'][0] == 'yes (1)'
    assert {k: v for k, v in after.items() if k != 'RACNN'} == \
        {k: v for k, v in before.items() if k != 'RACNN'}


def test_adding_a_config_fills_its_cell(tool, capsys, small_tree):
    root, holes_file, holes = small_tree
    for name in ('bu_resnet18_nabirds.py', 'td-uni_resnet18_nabirds.py'):
        shutil.copy(osp.join(CONFIGS, 'topdown', name), root / 'topdown')
    # the reason of the now filled cell is stale: the check says so
    expected = 'reasons left for filled cells: Top-Down / NABirds'
    with pytest.raises(ConfigError, match=expected):
        _markdown(tool, capsys, root, holes_file)
    assert _table(capsys.readouterr().out)['Top-Down'][1] == 'yes (1)'
    del holes['Top-Down']['nabirds']
    holes_file.write_text(yaml.safe_dump(holes))
    tool.main(['--root', str(root), '--holes', str(holes_file), '--check'])
    assert '4 cells filled, 44 holes' in capsys.readouterr().out


def test_a_config_named_after_another_dataset_is_refused(
        tool, capsys, small_tree):
    root, holes_file, _ = small_tree
    # trains on Stanford Dogs, named for Birdsnap
    shutil.copy(root / 'topdown' / 'td_resnet18_stanford-dogs.py',
                root / 'topdown' / 'td_resnet18_birdsnap.py')
    expected = r'topdown/td_resnet18_birdsnap.py \(trains on stanford-dogs\)'
    with pytest.raises(ConfigError, match=expected):
        _markdown(tool, capsys, root, holes_file)


def test_bad_holes_file_and_root(tool, tmp_path):
    holes = tmp_path / 'holes.yml'
    holes.write_text('GASA:\n  imagenet: too big\n')
    with pytest.raises(ConfigError, match="GASA / 'imagenet'"):
        tool.load_holes(str(holes))
    holes.write_text('GASA:\n  cub: "  "\n')
    with pytest.raises(ConfigError, match='GASA / cub: the reason is empty'):
        tool.load_holes(str(holes))
    with pytest.raises(FileNotFoundError, match='give --root'):
        tool.scan(str(tmp_path / 'nowhere'))


def test_cli_unexplained_hole_is_one_error_line(tmp_path):
    """The command line: exit status 1 and one ``error:`` line naming the
    holes and the fix (no traceback)."""
    root = tmp_path / 'configs'
    shutil.copytree(osp.join(CONFIGS, '_base_'), root / '_base_')
    (root / 'gasa').mkdir()
    proc = run_tool([TOOL, '--root', str(root), '--check'])
    assert proc.returncode == 1, proc.stdout + proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line]
    assert errors[0].startswith('error: 48 hole(s) without a reason: '
                                'RACNN / CUB, RACNN / NABirds')
    assert 'holes file' in errors[0] and 'Traceback' not in proc.stderr
