"""How files are received, identified and ordered: identity is (source, sha256) whatever the name or folder, every
arriving file ends loaded, quarantined with a note, or recognised as already loaded, and arrival order decides which
of two files for the same key wins."""
from __future__ import annotations

import datetime as dt
import json
import shutil

import pytest

from builders import TICH_SON, district_report_xlsx, platform_csv, report_numbers
from etl.archive import Manifest
from etl.pipeline import EXIT_OK, EXIT_REJECTED, Progress, run
from etl.settings import load_settings
from test_etl_pipeline import base_inbox, query, quiet


@pytest.fixture
def settings(tmp_path):
    return load_settings(tmp_path / "data", province="26")


def notes(settings) -> list[str]:
    return sorted(p.read_text(encoding="utf-8") for p in settings.quarantine.glob("*.loi.txt"))


def vinh_yen_report(path, d18_1: int, when: dt.datetime):
    """Thành phố Vĩnh Yên's report for 14/03/2022 (a Monday, due that day): Tích Sơn's 18+ dose 1 is d18_1."""
    return district_report_xlsx(path, "Thành phố Vĩnh Yên", "14/03/2022",
                                [["Tích Sơn", *report_numbers(7000, d18_1, 5000, 1000)]], when=when)


def test_a_report_refused_at_the_inbox_root_then_moved_into_its_folder_is_loaded(settings):
    base_inbox(settings.inbox)
    stray = vinh_yen_report(settings.inbox / "vinh_yen.xlsx", 6000, dt.datetime(2022, 3, 14, 16, 0))
    content = stray.read_bytes()
    assert run(settings, quiet()).exit_code == EXIT_REJECTED
    assert "không xác định được nguồn dữ liệu" in notes(settings)[0]
    # as the note asks, the district (or an officer) puts the same file into its folder
    moved = settings.inbox / "district_reports/vinh_yen.xlsx"
    moved.parent.mkdir(parents=True, exist_ok=True)
    moved.write_bytes(content)
    lines: list[str] = []
    result = run(settings, Progress(sink=lines.append))
    assert (result.exit_code, result.accepted) == (EXIT_OK, ["district_reports/vinh_yen.xlsx"])
    assert query(settings, "SELECT commune_code, d18_1 FROM staging.district_reports") == [(TICH_SON, 6000)]
    assert not any("đã nhận trước đây" in line for line in lines)
    assert not moved.exists()


def test_every_empty_file_is_quarantined_with_a_note(settings):
    base_inbox(settings.inbox)
    empty = ["cases/ca_benh.csv", "stock/kho.csv", "platform/trong.csv", "trong.xlsx"]
    for rel in empty:
        path = settings.inbox / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"")
    result = run(settings, quiet())
    assert (result.exit_code, result.status) == (EXIT_REJECTED, "published_with_rejections")
    assert sorted(r["file"] for r in result.rejected) == sorted(empty)
    texts = notes(settings)
    assert len(texts) == 4 and all("tệp rỗng" in t for t in texts)
    assert sorted(t.split('"')[1] for t in texts) == ["ca_benh.csv", "kho.csv", "trong.csv", "trong.xlsx"]
    assert not [p for p in settings.inbox.rglob("*") if p.is_file()]


def test_a_file_already_loaded_for_its_source_is_logged_and_removed_under_any_name(settings):
    base_inbox(settings.inbox)
    assert run(settings, quiet()).exit_code == EXIT_OK
    archived = settings.data_dir / next(r for r in Manifest(settings).files().values()
                                        if r["name"] == "thang3.csv")["archived_path"]
    again = settings.inbox / "platform/gui_lai.csv"
    again.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(archived, again)
    lines: list[str] = []
    result = run(settings, Progress(sink=lines.append))
    assert (result.exit_code, result.status) == (EXIT_OK, "nothing_new")
    assert any("platform/gui_lai.csv: đúng tệp này đã được nạp cho nguồn platform" in line and '"thang3.csv"' in line
               for line in lines)
    assert not again.exists()


def test_the_same_content_for_another_source_is_judged_for_that_source(settings):
    base_inbox(settings.inbox)
    assert run(settings, quiet()).exit_code == EXIT_OK
    elsewhere = settings.inbox / "cases/thang3.csv"
    elsewhere.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(settings.data_dir / next(r for r in Manifest(settings).files().values()
                                          if r["name"] == "thang3.csv")["archived_path"], elsewhere)
    result = run(settings, quiet())
    assert (result.exit_code, result.status) == (EXIT_REJECTED, "rejected_only")
    assert "thiếu cột bắt buộc" in notes(settings)[0]
    keys = sorted((source, name) for (source, _), name in
                  ((k, r["name"]) for k, r in Manifest(settings).files().items()))
    assert keys == [("cases", "thang3.csv"), ("platform", "thang3.csv"), ("population", "dan_so.csv")]


def test_a_file_sent_again_after_quarantine_is_judged_again(settings):
    base_inbox(settings.inbox)
    wrong = platform_csv(settings.inbox / "platform/sai.csv", [["Xã Không Có", "04/03/2022", "18+", 1, "Pfizer", 2]],
                         when=dt.datetime(2022, 3, 5))
    content = wrong.read_bytes()
    assert run(settings, quiet()).exit_code == EXIT_REJECTED
    wrong.write_bytes(content)
    result = run(settings, quiet())
    assert (result.exit_code, result.status) == (EXIT_REJECTED, "rejected_only")
    assert len(notes(settings)) == 2 and all('Tệp "sai.csv"' in t for t in notes(settings))
    assert not wrong.exists()


def test_two_copies_of_one_file_in_one_run_are_loaded_once(settings):
    base_inbox(settings.inbox)
    shutil.copy2(settings.inbox / "platform/thang3.csv", settings.inbox / "platform/thang3_ban_sao.csv")
    lines: list[str] = []
    result = run(settings, Progress(sink=lines.append))
    assert (result.exit_code, result.accepted) == (EXIT_OK, ["population/dan_so.csv", "platform/thang3.csv"])
    assert query(settings, "SELECT count(*), sum(doses) FROM raw.platform_daily") == [(4, 26)]
    assert any("platform/thang3_ban_sao.csv: cùng nội dung với platform/thang3.csv" in line for line in lines)
    assert not [p for p in settings.inbox.rglob("*") if p.is_file()]


def test_a_resend_wins_by_arrival_even_when_its_file_time_is_older(settings):
    base_inbox(settings.inbox)
    vinh_yen_report(settings.inbox / "district_reports/vy.xlsx", 6000, dt.datetime(2022, 3, 14, 16, 0))
    assert run(settings, quiet()).exit_code == EXIT_OK
    # the correction arrives the next night, but its file time (kept by a copy, or a wrong clock) is older
    vinh_yen_report(settings.inbox / "district_reports/vy_sua.xlsx", 6100, dt.datetime(2022, 3, 14, 15, 0))
    assert run(settings, quiet()).exit_code == EXIT_OK
    assert query(settings, "SELECT d18_1 FROM staging.district_reports") == [(6100,)]
    assert query(settings, "SELECT file_name, arrival_seq FROM meta.files WHERE source = 'district_reports' "
                           "ORDER BY arrival_seq") == [("vy.xlsx", 3), ("vy_sua.xlsx", 4)]
    # timeliness still goes by the file time: the earliest one, 14/03 15:00, on the day it was due
    assert query(settings, """SELECT received_at, files_received, status FROM marts.report_submissions
                              WHERE unit_code = '243' AND report_kind = 'district_report'""") == [
        (dt.datetime(2022, 3, 14, 15, 0), 2, "on_time")]


@pytest.mark.parametrize("times, winner", [
    ((dt.datetime(2022, 3, 15, 9, 0), dt.datetime(2022, 3, 14, 16, 0)), 6000),  # a.xlsx has the later file time
    ((dt.datetime(2022, 3, 14, 16, 0), dt.datetime(2022, 3, 14, 16, 0)), 6100),  # same time: b.xlsx, later by name
], ids=["file time", "then name"])
def test_within_one_run_ties_go_to_file_time_then_name(settings, times, winner):
    base_inbox(settings.inbox)
    vinh_yen_report(settings.inbox / "district_reports/a.xlsx", 6000, times[0])
    vinh_yen_report(settings.inbox / "district_reports/b.xlsx", 6100, times[1])
    assert run(settings, quiet()).exit_code == EXIT_OK
    assert query(settings, "SELECT d18_1 FROM staging.district_reports") == [(winner,)]


def to_legacy_manifest(settings) -> None:
    """Rewrite the manifest as the code before (source, sha256) identities and arrival numbers wrote it: events after
    the first name their file by sha256 alone, no arrival numbers, a refused file is "rejected"."""
    path = settings.archive / "manifest.jsonl"
    legacy = []
    for line in path.read_text(encoding="utf-8").splitlines():
        event = json.loads(line)
        event.pop("seq", None)
        event.pop("traceback", None)
        if event["status"] != "archived":
            event.pop("source")
        if event["status"] == "excluded":
            event["status"] = "rejected"
        legacy.append(json.dumps(event, ensure_ascii=False))
    path.write_text("\n".join(legacy) + "\n", encoding="utf-8")


def test_a_manifest_written_before_identities_included_the_source_still_reads(settings):
    base_inbox(settings.inbox)
    vinh_yen_report(settings.inbox / "district_reports/vy.xlsx", 6000, dt.datetime(2022, 3, 14, 16, 0))
    stray = vinh_yen_report(settings.inbox / "vy_goc.xlsx", 6200, dt.datetime(2022, 3, 16, 8, 0))
    stray_content = stray.read_bytes()
    assert run(settings, quiet()).exit_code == EXIT_REJECTED
    vinh_yen_report(settings.inbox / "district_reports/vy_sua.xlsx", 6100, dt.datetime(2022, 3, 14, 15, 0))
    assert run(settings, quiet()).exit_code == EXIT_OK
    to_legacy_manifest(settings)

    files = Manifest(settings).files()
    # the order that decided before: the run that published a file, then its file time, then its name
    assert sorted((r["seq"], r["name"], r["status"]) for r in files.values()) == [
        (1, "dan_so.csv", "published"), (2, "thang3.csv", "published"), (3, "vy.xlsx", "published"),
        (4, "vy_sua.xlsx", "published"), (5, "vy_goc.xlsx", "excluded")]
    assert {key[0] for key in files} == {"population", "platform", "district_reports", None}

    rebuilt = run(settings, quiet(), rebuild=True)
    assert rebuilt.exit_code == EXIT_OK and rebuilt.accepted == []
    assert query(settings, "SELECT d18_1 FROM staging.district_reports") == [(6100,)]
    # the stray file, refused before the upgrade, is now put into its folder: a new arrival, and the latest
    moved = settings.inbox / "district_reports/vy_goc.xlsx"
    moved.write_bytes(stray_content)
    result = run(settings, quiet())
    assert (result.exit_code, result.accepted) == (EXIT_OK, ["district_reports/vy_goc.xlsx"])
    assert query(settings, "SELECT d18_1 FROM staging.district_reports") == [(6200,)]
    stray_sha = next(sha for source, sha in files if source is None)
    assert Manifest(settings).files()[("district_reports", stray_sha)]["seq"] == 6
