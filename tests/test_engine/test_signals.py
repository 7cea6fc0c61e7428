"""mmfg/engine/signals.py: SIGINT/SIGTERM become StopTraining (exit status
128 + signal), held while a checkpoint is written."""
import os
import signal

import pytest

from mmfg.engine.signals import StopTraining, deferred, stop_on_signals


@pytest.mark.parametrize('sig,status', [(signal.SIGINT, 130),
                                        (signal.SIGTERM, 143)])
def test_signal_raises_stop_training(sig, status):
    before = signal.getsignal(sig)
    with pytest.raises(StopTraining) as info:
        with stop_on_signals():
            os.kill(os.getpid(), sig)
            for _ in range(10**6):  # the handler runs between bytecodes
                pass
    assert info.value.exit_status == status
    assert signal.getsignal(sig) is before  # restored


def test_signal_waits_for_the_checkpoint():
    done = []
    with pytest.raises(StopTraining) as info:
        with stop_on_signals():
            with deferred():
                os.kill(os.getpid(), signal.SIGTERM)
                for _ in range(10**5):
                    pass
                done.append('saved')
            done.append('not reached')
    assert done == ['saved']
    assert info.value.signum == signal.SIGTERM


def test_peer_lost_ends_a_torchrun_process_with_one_line():
    """A process of a torchrun job whose peer died (gloo: "Connection reset
    by peer") waits for torchrun's SIGTERM and, if none comes, ends with
    one line and status 1, never a traceback."""
    import subprocess
    import sys

    from mmfg.engine.signals import peer_lost
    assert peer_lost(
        RuntimeError('[gloo/transport/tcp/pair.cc:538] Read error '
                     '[127.0.0.1]:1436: Connection reset by peer'))
    assert not peer_lost(RuntimeError('CUDA out of memory'))
    assert not peer_lost(ValueError('Connection reset by peer'))
    proc = subprocess.run([
        sys.executable, '-c', 'from mmfg.engine.signals import '
        'await_launcher_stop; await_launcher_stop(0.2)'
    ],
                          capture_output=True,
                          text=True,
                          timeout=60)
    assert proc.returncode == 1
    assert proc.stderr.startswith('error: another process of this '
                                  'distributed job went away')
    assert 'Traceback' not in proc.stderr
