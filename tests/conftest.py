"""Shared test set-up: tests import their helpers (builders) from this folder."""
import sys
from pathlib import Path

TESTS_DIR = Path(__file__).resolve().parent
if str(TESTS_DIR) not in sys.path:
    sys.path.insert(0, str(TESTS_DIR))


import pytest  # noqa: E402


@pytest.fixture(scope="session")
def tiny_warehouse(tmp_path_factory):
    """A published snapshot of the small hand-made inbox (tests/test_etl_pipeline.base_inbox), built once."""
    from etl import snapshots as S
    from etl.pipeline import Progress, run
    from etl.settings import load_settings
    from test_etl_pipeline import base_inbox

    settings = load_settings(tmp_path_factory.mktemp("tiny") / "data", province="26")
    base_inbox(settings.inbox)
    run(settings, Progress(sink=lambda line: None))
    return S.current_snapshot(settings)


@pytest.fixture(scope="session")
def demo_build(tmp_path_factory, worker_id):
    """The bundled demo (Vĩnh Phúc), written and built by the real ETL once per test run and shared read-only by
    every pytest-xdist worker (a file lock: the first worker builds, the others wait for it). Returns
    (inbox, data_dir): a copy of the inbox as written, with its files' times, and the data directory it was built in."""
    import shutil

    from filelock import FileLock

    from etl.demo import write_demo_inbox
    from etl.pipeline import EXIT_OK, Progress, run
    from etl.settings import load_settings

    shared = tmp_path_factory.getbasetemp()
    if worker_id != "master":
        shared = shared.parent  # the run's folder, above every worker's own
    root = shared / "demo26"
    with FileLock(str(shared / "demo26.lock")):
        if not (root / "built").exists():
            shutil.rmtree(root, ignore_errors=True)
            inbox = root / "inbox_as_written"
            write_demo_inbox(inbox, "26")
            settings = load_settings(root / "data", province="26")
            shutil.copytree(inbox, settings.inbox)  # copy2: the files' times are their arrival times
            lines: list[str] = []
            result = run(settings, Progress(sink=lines.append))
            assert result.exit_code == EXIT_OK, "\n".join(lines[-30:])
            (root / "built").write_text(result.snapshot, encoding="utf-8")
    return root / "inbox_as_written", root / "data"
