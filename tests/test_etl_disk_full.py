"""The disk fills while a snapshot is written: the run fails and says why, nothing is published or lost, the snapshot
served stays, and the next run with room publishes. For real where the test can mount a small tmpfs under the build
folder (root, as CI runs), else with ENOSPC injected at the build's write."""
from __future__ import annotations

import contextlib
import errno
import subprocess

import pytest
from test_etl_pipeline import base_inbox
from test_etl_resilience import new_platform_file, rows_of_day

from etl import snapshots as S
from etl.pipeline import Progress, run
from etl.settings import load_settings


@contextlib.contextmanager
def full_disk_under(folder, monkeypatch):
    """`folder` on a 256 KiB tmpfs (a snapshot takes megabytes) while the block runs; if mounting is not allowed, the
    first write of a database file there fails with ENOSPC instead."""
    folder.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    if not mounted:
        import duckdb

        real = duckdb.connect

        def connect(database=":memory:", *args, **kwargs):
            if str(database).startswith(str(folder)):
                raise OSError(errno.ENOSPC, "No space left on device", str(database))
            return real(database, *args, **kwargs)

        monkeypatch.setattr(duckdb, "connect", connect)
    try:
        yield mounted
    finally:
        if mounted:
            subprocess.run(["umount", "-l", str(folder)], check=True)
        else:
            monkeypatch.undo()


def test_a_disk_that_fills_while_the_snapshot_is_written_fails_the_run_and_the_next_one_publishes(tmp_path,
                                                                                                   monkeypatch):
    settings = load_settings(tmp_path / "data", province="26")
    base_inbox(settings.inbox)
    first = run(settings, Progress(sink=lambda line: None))
    assert first.exit_code == 0
    new_file = new_platform_file(settings, "moi.csv", 4, 3)
    lines = []
    with full_disk_under(S.building_dir(settings), monkeypatch):
        failed = run(settings, Progress(sink=lines.append))
    assert (failed.exit_code, failed.status, failed.rejected) == (1, "failed", [])
    assert S.current_snapshot(settings).name == first.snapshot  # yesterday's keeps serving
    assert len(S.list_snapshots(settings)) == 1
    assert new_file.exists() and not settings.quarantine.exists()  # not the file's fault: nothing refused or lost
    said = "\n".join(lines) + (failed.error or "")
    assert "dung lượng" in said or "No space left" in said, said
    runs = S.RunLog(settings).runs()
    assert runs[-1]["status"] == "failed" and "traceback" in runs[-1]
    again = run(settings, Progress(sink=lambda line: None))
    assert again.exit_code == 0 and S.current_snapshot(settings).name == again.snapshot != first.snapshot
    assert rows_of_day(settings, 4) == (1, 1)
    assert not any(S.building_dir(settings).iterdir())  # what the failed build left was cleaned


@pytest.mark.parametrize("code", [errno.ENOSPC, errno.EDQUOT])
def test_no_space_is_the_environment_not_the_file(code):
    from etl.pipeline import _not_the_files_fault

    assert _not_the_files_fault(OSError(code, "No space left on device"))
    assert not _not_the_files_fault(OSError(errno.ENOENT, "No such file"))
