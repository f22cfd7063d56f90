"""Copies of kept snapshots built by an older model version (etl/copies.py): rebuilt with today's code from exactly
the archived files the snapshot lists, beside the live data and never touching it; kept as long as their source."""
from __future__ import annotations

import datetime as dt
import hashlib
import shutil
import time

import duckdb
import pytest

from builders import TICH_SON, platform_csv
from etl import copies
from etl import snapshots as S
from etl.pipeline import Progress, run
from etl.settings import load_settings
from etl.version import MODEL_VERSION
from test_etl_pipeline import base_inbox

OLD = "2022-03-01T000000_000000.duckdb"  # sorts before every snapshot the runs publish


def quiet() -> Progress:
    return Progress(sink=lambda line: None)


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def rows(path, sql: str, params=None) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def older_version(settings, name: str = OLD):
    """The current snapshot copied under `name`, its meta.snapshot saying an older model version built it."""
    target = S.snapshots_dir(settings) / name
    shutil.copy(S.current_snapshot(settings), target)
    with duckdb.connect(str(target)) as con:
        con.execute("UPDATE meta.snapshot SET model_version = '0000older0000000'")
    return target


@pytest.fixture
def settings(tmp_path):
    """Snapshot 1 of the tiny inbox (platform to 03/03), its older-version twin OLD (pinned), then snapshot 2 with a
    later platform export (04/03) and CURRENT on it."""
    settings = load_settings(tmp_path / "data", province="26", keep=1)
    base_inbox(settings.inbox)
    assert run(settings, quiet()).exit_code == 0
    older_version(settings)
    S.pin(settings, OLD, "Giao ban BCĐ tỉnh 04/03/2022")
    platform_csv(settings.inbox / "platform/thang3_b.csv", [[TICH_SON, "04/03/2022", "18+", 1, "Pfizer", 3]],
                 when=dt.datetime(2022, 3, 5, 1, 0))
    assert run(settings, quiet()).exit_code == 0
    return settings


FILES = "SELECT source, file_name, sha256, archived_path FROM meta.files ORDER BY arrival_seq"
TICH_SON_18_D1 = ("SELECT max(as_of_date), max(people_vaccinated) FROM marts.coverage "
                  "WHERE unit_code = ? AND cohort = '18+' AND dose = 1")


def test_a_copy_is_built_from_the_old_snapshots_files_with_todays_code_leaving_the_live_data_alone(settings, capsys):
    live = S.current_snapshot(settings)
    assert live.name != OLD and len(rows(live, FILES)) == 3
    before = {"CURRENT": (settings.warehouse / "CURRENT").read_text(), "live": digest(live),
              "manifest": (settings.archive / "manifest.jsonl").read_text(),
              "runs": (settings.warehouse / "runs.jsonl").read_text()}
    source = S.snapshots_dir(settings) / OLD
    assert copies.comparable(settings, OLD) is None
    assert copies.comparable(settings, live.name) == live
    assert "không cần dựng lại" in copies.status(settings, live.name)
    assert "chưa được dựng lại" in copies.status(settings, OLD)

    assert copies.main(["--data-dir", str(settings.data_dir), OLD]) == 0
    out = capsys.readouterr().out
    for stage in ("== extract", "== load", "== models", "== checks", "== publish", "== finish"):
        assert stage in out
    copy = copies.comparable(settings, OLD)
    assert copy == settings.warehouse / "copies" / f"2022-03-01T000000_000000.{MODEL_VERSION}.duckdb"
    assert rows(copy, "SELECT model_version, copy_of, source_model_version FROM meta.snapshot") == [
        (MODEL_VERSION, OLD, "0000older0000000")]
    assert rows(copy, FILES) == rows(source, FILES) and len(rows(copy, FILES)) == 2  # not the 04/03 export
    # the figures of the files it lists: 10 + 5 doses to 03/03 (the live snapshot has 04/03's 3 more)
    assert rows(copy, TICH_SON_18_D1, [TICH_SON]) == [(dt.date(2022, 3, 3), 15)]
    assert rows(live, TICH_SON_18_D1, [TICH_SON]) == [(dt.date(2022, 3, 4), 18)]
    assert "đã được dựng lại theo định nghĩa hiện hành" in copies.status(settings, OLD)
    after = {"CURRENT": (settings.warehouse / "CURRENT").read_text(), "live": digest(live),
             "manifest": (settings.archive / "manifest.jsonl").read_text(),
             "runs": (settings.warehouse / "runs.jsonl").read_text()}
    assert after == before
    assert not list((settings.warehouse / "copies" / "building").glob("*.duckdb"))
    assert sorted(p.name for p in S.list_snapshots(settings)) == sorted([OLD, live.name])
    # asked again: nothing to do
    assert copies.main(["--data-dir", str(settings.data_dir), OLD]) == 0
    assert copies.comparable(settings, OLD) == copy


def test_a_copy_lives_as_long_as_its_source_and_only_for_its_model_version(settings):
    assert copies.build(settings, OLD, quiet()).exit_code == 0
    copy = copies.comparable(settings, OLD)
    stale = copy.with_name("2022-03-01T000000_000000.0123456789abcdef.duckdb")
    shutil.copy(copy, stale)
    orphan = copy.with_name(f"2021-01-01T000000_000000.{MODEL_VERSION}.duckdb")
    shutil.copy(copy, orphan)
    assert S.prune(settings) == [f"copies/{orphan.name}", f"copies/{stale.name}"]
    assert copy.exists() and copies.comparable(settings, OLD) == copy  # its source is pinned: kept
    S.unpin(settings, OLD)
    assert S.prune(settings) == [OLD, f"copies/{copy.name}"]
    assert not copy.exists() and not copy.with_suffix(".json").exists()
    assert copies.comparable(settings, OLD) is None
    assert "không còn trên máy chủ" in copies.status(settings, OLD)


def test_a_copy_whose_archived_file_changed_fails_with_the_reason_and_places_nothing(settings):
    source = S.snapshots_dir(settings) / OLD
    archived = settings.data_dir / rows(source, FILES)[0][3]
    archived.write_bytes(archived.read_bytes() + b"\n")
    result = copies.build(settings, OLD, quiet())
    assert result.exit_code == 1 and "đã bị thay đổi" in result.error
    assert copies.comparable(settings, OLD) is None
    assert "Không dựng lại được" in copies.status(settings, OLD) and "đã bị thay đổi" in copies.status(settings, OLD)
    copies.request(settings, OLD)  # a failed copy is not retried on its own (a page reruns every second)
    assert "Không dựng lại được" in copies.status(settings, OLD)


def test_request_builds_out_of_the_calling_process_once(settings):
    copies.request(settings, OLD)
    copies.request(settings, OLD)  # idempotent: the first is queued or building
    assert copies.comparable(settings, OLD) is None
    assert "đang" in copies.status(settings, OLD)
    deadline = time.monotonic() + 180
    while copies.comparable(settings, OLD) is None and time.monotonic() < deadline:
        time.sleep(0.5)
    assert copies.comparable(settings, OLD) is not None, copies.status(settings, OLD)
    log = (settings.warehouse / "copies" / f"2022-03-01T000000_000000.{MODEL_VERSION}.log").read_text()
    assert log.count("== models") == 1


def test_the_command_line_speaks_vietnamese_and_refuses_an_unknown_snapshot(settings, capsys):
    assert copies.main(["--data-dir", str(settings.data_dir), "khong-co.duckdb"]) == 2
    assert capsys.readouterr().err == (f"Không có bản dữ liệu khong-co.duckdb trong "
                                       f"{settings.warehouse / 'snapshots'}\n")
    with pytest.raises(SystemExit) as shown:
        copies.main(["--help"])
    assert shown.value.code == 0 and "cách dùng: python -m etl.copies" in capsys.readouterr().out


def test_a_briefing_pack_on_an_older_versions_snapshot_is_made_from_its_copy_once_ready(settings, monkeypatch):
    """The briefing was held on OLD (an older model version built it): its pack is refused while the copy is not built
    (the build asked for, the reason in words), then made from the copy."""
    from app import briefing as B
    from app import briefing_queue as Q
    from app.state import open_state

    store = open_state(settings)
    store.create_account("bcd", "Kiểm thử bcd", "committee", None, "mat-khau-kiem-thu", chosen=True,
                         password_hash=store.hash_password("mat-khau-kiem-thu"))
    found = store.briefing(store.briefing_create(login="bcd", address=None, province_code="26",
                                                 held_on=dt.date(2022, 3, 4), label="Giao ban BCĐ tỉnh",
                                                 as_of=dt.date(2022, 3, 3), snapshot=OLD))
    asked, made_from, original = [], [], B.build_pack
    monkeypatch.setattr(copies, "request", lambda s, name, again=False: asked.append(name))
    monkeypatch.setattr(B, "build_pack", lambda snapshot, *a, **k: made_from.append(snapshot) or original(snapshot, *a, **k))
    from app import queries as q

    source = str(S.snapshots_dir(settings) / OLD)
    choice = Q.scopes(source, tuple(q.all_districts(source)))[Q.WHOLE]
    Q.request(settings, found, Q.WHOLE, choice, "bcd", None, start=False)
    assert Q.run_queue(settings) == 0
    refused = store.pack(found.id, Q.WHOLE)
    assert refused.status == "failed" and asked == [OLD] and made_from == []
    assert refused.error.startswith(f"Bản dữ liệu {OLD} do phiên bản cũ của chương trình dựng và chưa được dựng lại")
    assert refused.error.endswith("Tài liệu sẽ được tạo từ bản dựng lại: yêu cầu lại khi bản dựng lại xong.")

    assert copies.build(settings, OLD, quiet()).exit_code == 0
    Q.request(settings, found, Q.WHOLE, choice, "bcd", None, start=False)
    assert Q.run_queue(settings) == 1
    made = store.pack(found.id, Q.WHOLE)
    assert made.status == "done" and made_from == [str(copies.comparable(settings, OLD))]
    assert (settings.data_dir / made.file).read_bytes()[:5] == b"%PDF-"
