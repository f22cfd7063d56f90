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
    warehouse, stop, count = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    print("ready", flush=True)
    reads = errors = 0
    until = time.monotonic() + 60  # a bound, should the test die before it says stop
    while not stop.exists() and time.monotonic() < until:
        try:
            name = (warehouse / "CURRENT").read_text().strip()
            with duckdb.connect(str(warehouse / "snapshots" / name), read_only=True) as con:
                con.execute("SELECT count(*) FROM marts.coverage").fetchone()
            reads += 1
            count.write_text(str(reads))
        except Exception as exc:
            errors += 1
            print("ERROR", type(exc).__name__, exc, file=sys.stderr)
    print(reads, errors)
""")
PUBLISHES = 60


def test_readers_in_other_processes_never_fail_while_snapshots_are_published(tmp_path):
    """Two processes read the served snapshot in a loop while new ones are published under them — at least 60, and
    until each reader has read at least 10 times — and no read fails. Bounded by counts, not by a time, so a busy
    machine changes nothing but the duration."""
    settings = load_settings(tmp_path / "data", province="26", keep=1000)
    base_inbox(settings.inbox)
    built = S.current_snapshot(settings) or Path(run(settings, Progress(sink=lambda line: None)).snapshot)
    source = S.current_snapshot(settings)
    stop = tmp_path / "stop"
    counts = [tmp_path / f"reads_{i}" for i in range(2)]
    readers = [subprocess.Popen([sys.executable, "-c", READER, str(settings.warehouse), str(stop), str(count)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for count in counts]
    for reader in readers:
        assert reader.stdout.readline().strip() == "ready"

    def reads_so_far() -> int:
        return min(int(c.read_text() or 0) if c.exists() else 0 for c in counts)

    publishes = 0
    while (publishes < PUBLISHES or reads_so_far() < 10) and publishes < 3000:
        S.building_dir(settings).mkdir(parents=True, exist_ok=True)
        candidate = S.building_dir(settings) / S.new_snapshot_name()
        shutil.copy(source, candidate)
        S.publish(settings, candidate)
        publishes += 1
    stop.touch()
    results = [r.communicate(timeout=60) for r in readers]
    assert built and publishes >= PUBLISHES and len(S.list_snapshots(settings)) == publishes + 1
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


def new_platform_file(settings, name: str, day: int, doses: int):
    """A platform export for one more day, d/03/2022, received the day after."""
    return platform_csv(settings.inbox / f"platform/{name}", [[TICH_SON, f"{day:02d}/03/2022", "18+", 1, "Pfizer", doses]],
                        when=dt.datetime(2022, 3, day + 1))


def fail_loading(monkeypatch, name: str, exc: Exception, after_rows: bool = False) -> None:
    """The load of the archived file called `name` raises exc (after writing its rows, with after_rows)."""
    import etl.pipeline as P

    real = P.load_file

    def load_file(con, path, source, registry, file_id):
        if path.name.endswith("__" + name):
            if after_rows:
                real(con, path, source, registry, file_id)
            raise exc
        return real(con, path, source, registry, file_id)

    monkeypatch.setattr(P, "load_file", load_file)


def rows_of_day(settings, day: int) -> tuple[int, int]:
    with duckdb.connect(str(S.current_snapshot(settings)), read_only=True) as con:
        return tuple(con.execute(f"SELECT count(*) FROM raw.{t} WHERE vaccination_date = '2022-03-{day:02d}'").fetchone()[0]
                     for t in ("platform_daily", "platform_products"))


def test_a_file_whose_load_fails_unexpectedly_is_excluded_and_later_nights_publish(tmp_path, monkeypatch):
    import duckdb as db

    from etl.archive import Manifest
    from etl.pipeline import EXIT_OK, EXIT_REJECTED

    settings = load_settings(tmp_path / "data", province="26")
    base_inbox(settings.inbox)
    jam = new_platform_file(settings, "moi.csv", 4, 3)
    content = jam.read_bytes()
    fail_loading(monkeypatch, "moi.csv", db.CatalogException("Catalog Error: Table with name _khong_co does not exist!"))
    lines: list[str] = []
    first = run(settings, Progress(sink=lines.append))
    assert (first.exit_code, first.status) == (EXIT_REJECTED, "published_with_rejections")
    assert rows_of_day(settings, 3) == (1, 1) and rows_of_day(settings, 4) == (0, 0)  # the rest is published
    note = next(settings.quarantine.glob("*.loi.txt")).read_text(encoding="utf-8")
    assert note.startswith('Tệp "moi.csv": lỗi không lường trước khi nạp tệp (CatalogException: Catalog Error: Table')
    logged = S.RunLog(settings).runs()[-1]["files_rejected"]
    assert [r["file"] for r in logged] == ["platform/moi.csv"]
    assert logged[0]["traceback"].startswith("Traceback (most recent call last)")
    assert "CatalogException" in logged[0]["traceback"] and "in load_file" in logged[0]["traceback"]
    assert any(line.startswith("[load] Traceback (most recent call last)") for line in lines)
    record = next(r for r in Manifest(settings).files().values() if r["name"] == "moi.csv")
    assert record["status"] == "excluded"
    assert (settings.data_dir / record["archived_path"]).read_bytes() == content  # the archive keeps it untouched
    assert not jam.exists()

    # the next nights publish, the cause not yet fixed
    new_platform_file(settings, "n5.csv", 5, 2)
    quiet = Progress(sink=lambda line: None)
    second = run(settings, quiet)
    assert (second.exit_code, second.status, second.accepted) == (EXIT_OK, "published", ["platform/n5.csv"])
    assert rows_of_day(settings, 5) == (1, 1)
    assert run(settings, quiet).status == "nothing_new"

    # after the upgrade that fixes it, a rebuild tries the excluded file again
    monkeypatch.undo()
    rebuilt = run(settings, quiet, rebuild=True)
    assert (rebuilt.exit_code, rebuilt.accepted) == (EXIT_OK, ["platform/moi.csv"])
    assert rows_of_day(settings, 4) == (1, 1)
    assert Manifest(settings).files()[(record["source"], record["sha256"])]["status"] == "published"


def test_a_file_that_fails_half_way_leaves_none_of_its_rows(tmp_path, monkeypatch):
    settings = load_settings(tmp_path / "data", province="26")
    base_inbox(settings.inbox)
    new_platform_file(settings, "moi.csv", 4, 3)
    fail_loading(monkeypatch, "moi.csv", RuntimeError("hỏng sau khi đã ghi"), after_rows=True)
    assert run(settings, Progress(sink=lambda line: None)).exit_code == 3
    assert rows_of_day(settings, 4) == (0, 0)
    assert rows_of_day(settings, 3) == (1, 1)


def test_running_out_of_memory_fails_the_run_and_keeps_the_file_for_the_next_night(tmp_path, monkeypatch):
    import duckdb as db

    settings = load_settings(tmp_path / "data", province="26")
    base_inbox(settings.inbox)
    first = run(settings, Progress(sink=lambda line: None))
    new_file = new_platform_file(settings, "moi.csv", 4, 3)
    fail_loading(monkeypatch, "moi.csv", db.OutOfMemoryException("Out of Memory Error: failed to allocate"))
    failed = run(settings, Progress(sink=lambda line: None))
    assert (failed.exit_code, failed.status, failed.rejected) == (1, "failed", [])
    assert S.current_snapshot(settings).name == first.snapshot
    assert new_file.exists() and not settings.quarantine.exists()  # not the file's fault: nothing refused
    monkeypatch.undo()
    assert run(settings, Progress(sink=lambda line: None)).exit_code == 0
    assert rows_of_day(settings, 4) == (1, 1)


def test_a_failed_run_keeps_its_whole_traceback_in_the_run_log_and_its_output(tmp_path, monkeypatch):
    import etl.pipeline as P

    settings = load_settings(tmp_path / "data", province="26")
    base_inbox(settings.inbox)
    long_reason = "mô hình hỏng: " + "x" * 3000

    def broken_model(con, progress):
        raise ValueError(long_reason)

    monkeypatch.setattr(P, "run_models", broken_model)
    lines: list[str] = []
    failed = run(settings, Progress(sink=lines.append))
    assert failed.exit_code == 1
    end = S.RunLog(settings).runs()[-1]
    assert end["status"] == "failed" and end["error"] == f"ValueError: {long_reason}"
    assert end["traceback"].startswith("Traceback (most recent call last)")
    assert "in broken_model" in end["traceback"] and end["traceback"].rstrip().endswith(long_reason)
    assert f"[models] LỖI: ValueError: {long_reason}" in lines
    assert any(line.startswith("[models] Traceback") and "in broken_model" in line for line in lines)
