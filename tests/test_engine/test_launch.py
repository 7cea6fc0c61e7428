"""The one-line messages of mmfg/engine/launch.py (torchrun wrapper of
tools/dist_train.sh); the real 2-process kill is in
tests/test_tools/test_kill_resume.py (slow)."""
import signal
import types

from mmfg.engine.launch import describe_failure


class Failure:

    def __init__(self, exitcode, pid):
        self.exitcode = exitcode
        self.pid = pid

    def signal_name(self):
        return signal.Signals(-self.exitcode).name


def failed(**ranks):
    return types.SimpleNamespace(failures={
        int(k[1:]): v
        for k, v in ranks.items()
    })


def test_killed_rank_is_the_cause_not_the_ones_torchrun_stopped():
    msg = describe_failure(
        failed(
            r0=Failure(-signal.SIGTERM, 10), r1=Failure(-signal.SIGKILL, 11)))
    assert msg.startswith('error: process rank 1 (pid 11) was killed by '
                          'SIGKILL; torchrun stopped the other process(es)')
    assert 'run the same command with --resume' in msg


def test_rank_with_its_own_error_line():
    assert describe_failure(failed(r0=Failure(1, 10), r1=Failure(1, 11))) \
        == '(dist: rank 0, 1 stopped with the error above)'


def test_other_exit_status():
    msg = describe_failure(failed(r0=Failure(2, 10)))
    assert msg.startswith('error: process rank 0 (pid 10) failed with exit '
                          'status 2')
