"""Run a real tool script (``tools/train.py``, ``tools/test.py``) as
``__main__`` once per argument list, in one interpreter, so that a batch of
mistakes that fail within the first second pays torch's and mmfg's imports
once. Each run is exactly ``python SCRIPT ARGS...`` (``runpy`` with
``sys.argv`` set); an exception that escapes the tool is printed as the
interpreter would print it (a traceback).

    python tests/test_tools/tool_cases.py SCRIPT CASES.json RESULTS.json

``CASES.json``: a list of argument lists; ``RESULTS.json``: one
``{"rc": exit status, "stdout": text, "stderr": text}`` per case.
"""
import contextlib
import io
import json
import runpy
import sys
import traceback


def run_case(script, args):
    out, err = io.StringIO(), io.StringIO()
    rc = 0
    sys.argv = [script] + list(args)
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            runpy.run_path(script, run_name='__main__')
        except SystemExit as exc:
            code = exc.code
            rc = code if isinstance(code, int) else (0 if code is None else 1)
            if code is not None and not isinstance(code, int):
                print(code, file=err)
        except BaseException:  # noqa: BLE001 - what the interpreter shows
            traceback.print_exc(file=err)
            rc = 1
    return dict(rc=rc, stdout=out.getvalue(), stderr=err.getvalue())


def main():
    script, cases, results = sys.argv[1:4]
    with open(cases) as f:
        cases = json.load(f)
    results_list = [run_case(script, args) for args in cases]
    with open(results, 'w') as f:
        json.dump(results_list, f)


if __name__ == '__main__':
    main()
