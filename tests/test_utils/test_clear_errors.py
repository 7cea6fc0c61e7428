"""``user_message`` / ``is_user_error`` for operating-system errors: the
message and path (``<strerror>: <path>; <fix>``), never the bare errno, and
a deliberate choice of which OSErrors are user errors."""
import errno
import os

import pytest

from mmfg.utils.clear_errors import (OS_ERROR_FIXES, is_user_error,
                                     run_with_clear_errors, user_message)


def test_missing_file_prints_message_and_path_not_errno():
    exc = FileNotFoundError(errno.ENOENT, os.strerror(errno.ENOENT),
                            '/cfg/_base_/nope.py')
    assert is_user_error(exc)
    assert user_message(exc) == ('No such file or directory: '
                                 '/cfg/_base_/nope.py; check the path')


def test_real_os_errors_name_their_path(tmp_path):
    afile = tmp_path / 'afile'
    afile.write_text('x')
    with pytest.raises(OSError) as info:
        os.makedirs(afile / 'sub')
    assert is_user_error(info.value)
    msg = user_message(info.value)
    assert msg.startswith(f'Not a directory: {afile / "sub"}')
    with pytest.raises(OSError) as info:
        open(tmp_path, 'rb')
    assert user_message(info.value) == (f'Is a directory: {tmp_path}; this '
                                        'is a folder; give a file')


@pytest.mark.parametrize('code', [errno.ENOSPC, errno.EDQUOT, errno.EROFS])
def test_full_or_read_only_disk_is_a_user_error(code):
    exc = OSError(code, os.strerror(code), '/w/scalars.json')
    assert is_user_error(exc)
    assert user_message(exc).startswith(
        f'{os.strerror(code)}: /w/scalars.json; ')


def test_permission_error_is_a_user_error():
    exc = PermissionError(errno.EACCES, os.strerror(errno.EACCES), '/ro/w')
    assert is_user_error(exc)
    assert user_message(exc).startswith('Permission denied: /ro/w; ')


def test_other_os_errors_keep_their_traceback():
    assert not is_user_error(OSError(errno.EIO, 'Input/output error', 'x'))
    assert not is_user_error(BrokenPipeError(errno.EPIPE, 'Broken pipe'))
    assert not is_user_error(OSError('a message of its own'))
    assert errno.EIO not in OS_ERROR_FIXES


def test_os_error_with_a_message_of_its_own_keeps_it():
    exc = FileNotFoundError('config file a.py does not exist')
    assert user_message(exc) == 'config file a.py does not exist'


def test_run_with_clear_errors_prints_one_line(capsys):

    def main():
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), '/w/x.log')

    with pytest.raises(SystemExit) as info:
        run_with_clear_errors(main)
    assert info.value.code == 1
    err = capsys.readouterr().err.splitlines()
    assert err[0] == ('error: No space left on device: /w/x.log; the disk '
                      'is full; free some space or choose a path on another '
                      'disk')


def test_ctrl_c_outside_training_is_one_line_and_status_130(
        capsys, monkeypatch):
    """Ctrl-C while a tool builds its datasets/model (before the training
    loop installs its own handler) ends with one line, exit status 130."""
    from mmfg.utils import run_with_clear_errors
    monkeypatch.delenv('MMFG_DEBUG', raising=False)

    def main():
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as info:
        run_with_clear_errors(main)
    assert info.value.code == 130
    assert capsys.readouterr().err == 'stopped by SIGINT (Ctrl-C)\n'
    monkeypatch.setenv('MMFG_DEBUG', '1')
    with pytest.raises(KeyboardInterrupt):
        run_with_clear_errors(main)
