"""The leaderboard table from the published training logs and cost files
(see mmfg/analysis/leaderboard.py; the spec is
experiments/leaderboard/leaderboard.yml).

    python tools/analysis_tools/leaderboard.py
        [--benchmark cluttered-fashion-mnist]
        [--spec experiments/leaderboard/leaderboard.yml]
        [--logs experiments/leaderboard/logs]
        [--results experiments/leaderboard/results]
        [--out FILE] [--check FILE] [--allow-missing]

Prints the Markdown table; ``--out FILE`` rewrites the block between
``<!-- leaderboard:begin -->`` and ``<!-- leaderboard:end -->`` of FILE;
``--check FILE`` exits with status 1 and a diff when that block differs
from the regenerated table. A log from another config, budget or seed, an
unfinished run, two logs for one row and seed, or a seed outside the spec is
refused in one line. ``--allow-missing`` lists rows or seeds not run yet as
such (``not run (0/5 seeds)``, ``(3/5 seeds)``) instead of refusing.

Used by experiments/leaderboard/run.sh (one line per run or row):

    --runs [ROW ...]      row, seed, config, baseline config, epochs, the
                          path the run is published to (a row's `publish`,
                          else -) and the budget's --cfg-options,
                          tab-separated; the runs that publish a checkpoint
                          come first (other rows read it)
    --plan WORK [ROW ...] rows x seeds with status done / partial / todo
    --prerequisites [ROW ...]
                          every dataset folder and file the rows need before
                          they start (the spec's `prepare`: upstream files
                          first), present / missing / pending (published by
                          an earlier run of this selection) / unneeded, with
                          the command that makes it; if one is missing, exit
                          status 2 and one line on stderr naming the first
                          one and its command
"""
import argparse
import difflib
import os.path as osp
import sys

from mmfg.utils import run_with_clear_errors

DEFAULT_SPEC = 'experiments/leaderboard/leaderboard.yml'


def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--benchmark', default='cluttered-fashion-mnist')
    p.add_argument('--spec', default=DEFAULT_SPEC)
    p.add_argument('--logs', default='experiments/leaderboard/logs')
    p.add_argument('--results', default='experiments/leaderboard/results')
    p.add_argument('--out', help='rewrite the leaderboard block of FILE')
    p.add_argument(
        '--check',
        help='exit 1 with a diff if the block of FILE is not the table')
    p.add_argument(
        '--allow-missing',
        action='store_true',
        help='list rows/seeds without a log as not run instead of refusing')
    mode = p.add_mutually_exclusive_group()
    mode.add_argument('--runs', action='store_true')
    mode.add_argument('--plan', metavar='WORK')
    mode.add_argument('--prerequisites', action='store_true')
    p.add_argument(
        '--seeds', nargs='+', type=int, help='only these seeds of the spec')
    p.add_argument(
        'rows',
        nargs='*',
        help='only these rows (--runs, --plan, --prerequisites)')
    return p.parse_args(argv)


def _row_epochs(bench, row):
    if bench['epochs'] != 'own':
        return bench['epochs']
    from mmengine.config import Config
    return Config.fromfile(row['config']).train_cfg.get('max_epochs')


def _seeds(bench, seeds):
    from mmfg.utils import ConfigError
    if not seeds:
        return bench['seeds']
    outside = [s for s in seeds if s not in bench['seeds']]
    if outside:
        raise ConfigError(f'seed(s) {outside} are not among the spec\'s '
                          f'seeds {bench["seeds"]}')
    return seeds


def _runs(rows, seeds):
    """``[(row, seed)]`` in run order: seeds outer (an interrupted sweep has
    whole seeds), rows in spec order, except that the runs whose checkpoint
    is published (a row's ``publish``: the weights other rows start from)
    come first."""
    runs = [(row, seed) for seed in seeds for row in rows]
    first = [(r, s) for r, s in runs
             if r['publish'] and r['publish']['seed'] == s]
    return first + [run for run in runs if run not in first]


def _prerequisites(bench_name, bench, rows, seeds):
    """Print every prerequisite of ``rows`` (one entry per path, the rows
    needing it, its state and command); 2 and one stderr line naming the
    first missing one, else 0."""
    from mmfg.analysis import leaderboard as lb
    pending = {
        row['publish']['to']: f'run {row["name"]} seed {seed}'
        for row, seed in _runs(rows, seeds)
        if row['publish'] and row['publish']['seed'] == seed
    }
    entries, first_error = {}, None
    for row in rows:
        items = lb.row_prerequisites(bench, row, pending)
        first_error = first_error or lb.missing_line(row, items)
        for item in items:
            entry = entries.setdefault(item['path'], dict(item, rows=[]))
            entry['rows'].append(row['name'])
            if lb.STATES.index(item['state']) < lb.STATES.index(
                    entry['state']):
                entry['state'] = item['state']
    print(f'prerequisites of {bench_name} ({len(rows)} rows, seeds '
          f'{" ".join(map(str, seeds))}): {len(entries)}')
    for path, e in entries.items():
        state = e['state']
        if state == 'pending':
            state = f'pending (published by {pending[path]} of this run)'
        elif state == 'unneeded':
            state = 'missing, not needed (what it makes exists)'
        elif state == 'missing' and e['kind'] == 'upstream':
            state = 'missing (an input of the commands below it)'
        names = (f'all {len(rows)} rows' if len(e['rows']) == len(rows)
                 and len(rows) > 1 else ', '.join(e['rows']))
        how = 'get it' if e['kind'] == 'dataset' else 'make it with'
        print(f'{path}\n    {state}; rows: {names}\n    {how}: '
              f'{e["command"]}')
    if first_error:
        print(f'error: {first_error}', file=sys.stderr)
        return 2
    return 0


def main(argv=None):
    args = parse_args(argv)
    from mmfg.analysis import leaderboard as lb
    from mmfg.utils import ConfigError
    spec = lb.load_spec(args.spec)
    bench = lb.get_benchmark(spec, args.benchmark)
    if args.rows and not (args.runs or args.plan or args.prerequisites):
        raise ConfigError('row names go with --runs, --plan or '
                          '--prerequisites')
    rows = lb.get_rows(bench, args.rows)
    by_name = {r['name']: r for r in bench['rows']}
    if args.runs:
        runs = _runs(rows, _seeds(bench, args.seeds))
        for row, seed in runs:
            pub = row['publish']
            print('\t'.join([
                row['name'],
                str(seed), row['config'], by_name[row['baseline']]['config'],
                str(_row_epochs(bench, row)),
                pub['to'] if pub and pub['seed'] == seed else '-',
                ' '.join(lb.budget_options(bench, row))
            ]))
        return 0
    if args.plan:
        seeds = _seeds(bench, args.seeds)
        head = f'status per seed ({" ".join(map(str, seeds))})'
        print(f'{"row":<40} {head:<40} summary')
        for row in rows:
            epochs = _row_epochs(bench, row)
            status = [
                lb.run_status(
                    osp.join(args.plan, f'{row["name"]}_seed{s}'), epochs)
                for s in seeds
            ]
            summary = ', '.join(f'{k} {status.count(k)}'
                                for k in ('done', 'partial', 'todo')
                                if status.count(k))
            print(f'{row["name"]:<40} {" ".join(status):<40} {summary}')
        return 0
    if args.prerequisites:
        return _prerequisites(args.benchmark, bench, rows,
                              _seeds(bench, args.seeds))
    collected = lb.collect(args.benchmark, bench, args.logs, args.results,
                           args.allow_missing)
    table = lb.leaderboard_markdown(args.benchmark, bench, collected)
    if args.check:
        with open(args.check, encoding='utf-8') as f:
            committed = lb.extract_block(f.read(), args.check)
        if committed != table:
            diff = difflib.unified_diff(
                committed.split('\n'),
                table.split('\n'),
                f'{args.check} (committed)',
                'regenerated',
                lineterm='')
            print('\n'.join(diff))
            print(
                f'error: the leaderboard in {args.check} differs from the '
                'table regenerated from the logs; update it with --out',
                file=sys.stderr)
            return 1
        print(f'{args.check}: the leaderboard matches the logs')
        return 0
    if args.out:
        with open(args.out, encoding='utf-8') as f:
            text = f.read()
        with open(args.out, 'w', encoding='utf-8') as f:
            f.write(lb.replace_block(text, table, args.out))
        print(f'leaderboard written to {args.out}')
        return 0
    print(table)
    return 0


if __name__ == '__main__':
    sys.exit(run_with_clear_errors(main))
