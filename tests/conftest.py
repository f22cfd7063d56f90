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
