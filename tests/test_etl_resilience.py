"""A run killed at any stage loses nothing; readers in other processes never see a half-published snapshot."""
from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pytest

from builders import TICH_SON, platform_csv
from etl import snapshots as S
from etl.pipeline import STAGES, Progress, run
from etl.settings import load_settings
from test_etl_pipeline import base_inbox

PROJECT = Path(__file__).resolve().parent.parent


def etl_cli(data_dir: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "etl", "run", "--data-dir", str(data_dir), *args],
        cwd=PROJECT, env={**os.environ, **(env or {})}, capture_output=True, text=True, timeout=120,
    )


def count_new_rows(settings) -> int:
    with duckdb.connect(str(S.current_snapshot(settings)), read_only=True) as con:
        return con.execute("SELECT count(*) FROM raw.platform_daily WHERE vaccination_date = '2022-03-04'").fetchone()[0]


@pytest.mark.parametrize("stage", STAGES)
def test_a_run_killed_at_any_stage_loses_nothing(tmp_path, stage):
    settings = load_settings(tmp_path / "data", province="26")
    base_inbox(settings.inbox)
    first = run(settings, Progress(sink=lambda line: None))
    new_file = settings.inbox / "platform/moi.csv"
    platform_csv(new_file, [[TICH_SON, "04/03/2022", "18+", 1, "Pfizer", 3]], when=dt.datetime(2022, 3, 5))

    killed = etl_cli(settings.data_dir, env={"ETL_FAILPOINT": stage})
    assert killed.returncode == -9, killed.stdout + killed.stderr
    served = S.current_snapshot(settings)
    if STAGES.index(stage) <= STAGES.index("publish"):
        assert served.name == first.snapshot  # killed before the switch: the previous snapshot still serves
    else:
        assert served.name != first.snapshot  # killed just after the switch: the new one serves
    with duckdb.connect(str(served), read_only=True) as con:  # whichever serves opens and answers
        assert con.execute("SELECT count(*) FROM marts.coverage").fetchone()[0] > 0
    assert new_file.exists()  # not yet counted as processed
    assert S.RunLog(settings).runs()[-1]["status"] == "interrupted"

    again = etl_cli(settings.data_dir)
    assert again.returncode == 0, again.stdout + again.stderr
    assert count_new_rows(settings) == 1
    assert not new_file.exists()
    assert not any(S.building_dir(settings).glob("*"))
    assert not list(S.snapshots_dir(settings).glob("*.wal"))
    assert "đã công bố" in again.stdout.splitlines()[-1]  # the one-line summary ends the output


READER = textwrap.dedent("""
    import sys, time, duckdb
    from pathlib import Path
    warehouse = Path(sys.argv[1]); until = time.monotonic() + float(sys.argv[2])
    reads = errors = 0
    while time.monotonic() < until:
        try:
            name = (warehouse / "CURRENT").read_text().strip()
            with duckdb.connect(str(warehouse / "snapshots" / name), read_only=True) as con:
                con.execute("SELECT count(*) FROM marts.coverage").fetchone()
            reads += 1
        except Exception as exc:
            errors += 1
            print("ERROR", type(exc).__name__, exc, file=sys.stderr)
    print(reads, errors)
""")


def test_readers_in_other_processes_never_fail_while_snapshots_are_published(tmp_path):
    settings = load_settings(tmp_path / "data", province="26", keep=1000)
    base_inbox(settings.inbox)
    built = S.current_snapshot(settings) or Path(run(settings, Progress(sink=lambda line: None)).snapshot)
    source = S.current_snapshot(settings)
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(settings.warehouse), "6"],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    publishes = 0
    deadline = dt.datetime.now() + dt.timedelta(seconds=5)
    while dt.datetime.now() < deadline and publishes < 300:
        S.building_dir(settings).mkdir(parents=True, exist_ok=True)
        candidate = S.building_dir(settings) / S.new_snapshot_name()
        shutil.copy(source, candidate)
        S.publish(settings, candidate)
        publishes += 1
    results = [r.communicate(timeout=60) for r in readers]
    assert publishes >= 50 and built
    for out, err in results:
        reads, errors = map(int, out.split())
        assert errors == 0, err
        assert reads > 10


def test_cli_current_exit_codes_and_one_line_summary(tmp_path):
    data = tmp_path / "data"
    none = subprocess.run([sys.executable, "-m", "etl", "current", "--data-dir", str(data)], cwd=PROJECT,
                          capture_output=True, text=True, timeout=60)
    assert none.returncode == 1 and "Chưa có bản dữ liệu" in none.stderr
    settings = load_settings(data, province="26")
    base_inbox(settings.inbox)
    broken = settings.inbox / "cases/hong.csv"
    broken.parent.mkdir(parents=True)
    broken.write_text("không phải bảng\n", encoding="utf-8")
    done = etl_cli(data)
    assert done.returncode == 3, done.stdout
    lines = done.stdout.splitlines()
    assert any(line.startswith("[load] (") and "dan_so.csv" in line for line in lines)  # per file progress
    assert lines[-1].startswith("ETL ") and "1 tệp bị từ chối" in lines[-1]
    current = subprocess.run([sys.executable, "-m", "etl", "current", "--data-dir", str(data)], cwd=PROJECT,
                             capture_output=True, text=True, timeout=60)
    assert current.returncode == 0 and current.stdout.strip() == str(S.current_snapshot(settings))
