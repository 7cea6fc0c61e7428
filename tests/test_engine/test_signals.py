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
