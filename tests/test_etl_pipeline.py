"""The nightly run on tiny hand-made inboxes: what is loaded, refused, replaced and published."""
from __future__ import annotations

import datetime as dt
from pathlib import Path

import duckdb
import pytest

from builders import (DAO_TRU, LIEN_BAO, TICH_SON, district_report_xlsx, platform_csv, population_csv,
                      report_numbers, touch)
from etl import snapshots as S
from etl.archive import Manifest
from etl.pipeline import EXIT_FAILED, EXIT_OK, EXIT_REJECTED, Progress, run
from etl.settings import load_settings
from etl.vnencoding import encode_tcvn3, encode_vni

POPULATION = [
    [TICH_SON, "đầu kỳ", 10000, 7000, 900, 1100, "Tổng điều tra 2019"],
    [TICH_SON, "hiện có", 10500, 7300, 950, 1150, "CDC tỉnh"],
    [LIEN_BAO, "đầu kỳ", 20000, 14000, 1800, 2200, "Tổng điều tra 2019"],
    [LIEN_BAO, "hiện có", 19000, 13500, 1700, 2100, "CDC tỉnh"],
]


def quiet() -> Progress:
    return Progress(sink=lambda line: None)


def base_inbox(inbox: Path) -> None:
    population_csv(inbox / "population/dan_so.csv", POPULATION)
    platform_csv(inbox / "platform/thang3.csv", [
        [TICH_SON, "01/03/2022", "18+", 1, "Pfizer", 10],
        [TICH_SON, "02/03/2022", "18+", 1, "Pfizer", 5],
        [LIEN_BAO, "02/03/2022", "Từ 18 tuổi trở lên", 2, "Moderna", 7],
        [LIEN_BAO, "03/03/2022", "12 - 17 tuổi", 1, "Pfizer", 4],
    ], when=dt.datetime(2022, 3, 4, 1, 0))


def query(settings, sql: str, params: list | None = None):
    path = S.current_snapshot(settings)
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


@pytest.fixture
def settings(tmp_path):
    return load_settings(tmp_path / "data", province="26")


def test_people_vaccinated_is_the_running_sum_of_doses_and_levels_add_up(settings):
    base_inbox(settings.inbox)
    result = run(settings, quiet())
    assert result.exit_code == EXIT_OK and result.status == "published"
    manifest = {r["name"]: r for r in Manifest(settings).files().values()}
    assert (manifest["thang3.csv"]["source"], manifest["thang3.csv"]["rows"]) == ("platform", 4)
    assert manifest["dan_so.csv"]["status"] == "published" and len(manifest["dan_so.csv"]["sha256"]) == 64
    assert (settings.data_dir / manifest["thang3.csv"]["archived_path"]).read_bytes().startswith("Mã xã".encode())
    rows = query(settings, """
        SELECT as_of_date, people_vaccinated, doses_given, population_start, population_current FROM marts.coverage
        WHERE unit_code = ? AND cohort = '18+' AND dose = 1 ORDER BY as_of_date""", [TICH_SON])
    # dense daily from the first dose given (01/03) to the last platform date (03/03)
    assert rows == [
        (dt.date(2022, 3, 1), 10, 10, 7000, 7300),
        (dt.date(2022, 3, 2), 15, 5, 7000, 7300),
        (dt.date(2022, 3, 3), 15, 0, 7000, 7300),
    ]
    district = query(settings, """
        SELECT people_vaccinated, population_start FROM marts.coverage
        WHERE unit_code = '243' AND cohort = '18+' AND dose = 1 AND as_of_date = '2022-03-03'""")
    assert district == [(15, 21000)]  # two communes of Vĩnh Yên have population; the rest none yet
    province = query(settings, """
        SELECT cohort, dose, people_vaccinated FROM marts.coverage
        WHERE unit_level = 'province' AND as_of_date = '2022-03-03' AND people_vaccinated > 0 ORDER BY cohort, dose""")
    assert province == [("12-17", 1, 4), ("18+", 1, 15), ("18+", 2, 7)]


def test_a_later_platform_export_replaces_every_row_of_the_dates_it_contains(settings):
    base_inbox(settings.inbox)
    platform_csv(settings.inbox / "platform/bo_sung.csv", [[TICH_SON, "02/03/2022", "18+", 1, "Pfizer", 6]],
                 when=dt.datetime(2022, 3, 5, 1, 0))
    assert run(settings, quiet()).exit_code == EXIT_OK
    rows = query(settings, """
        SELECT unit_code, dose, people_vaccinated FROM marts.coverage
        WHERE as_of_date = '2022-03-02' AND cohort = '18+' AND unit_level = 'commune' AND people_vaccinated > 0
        ORDER BY unit_code, dose""")
    # 02/03 now comes only from bo_sung.csv: Tích Sơn 10 + 6; Liên Bảo's dose 2 of that date is gone
    assert rows == [(TICH_SON, 1, 16)]
    kept = query(settings, "SELECT count(*) FROM raw.platform_daily WHERE vaccination_date = '2022-03-02'")
    assert kept == [(3,)]  # the replaced rows stay in raw, with their file


def test_district_report_with_names_vietnamese_numbers_merged_header_and_totals_row(settings):
    base_inbox(settings.inbox)
    district_report_xlsx(settings.inbox / "district_reports/vinh_yen_14_3.xlsx", "TP. Vĩnh Yên", "14/03/2022", [
        ["P. Tích Sơn", *report_numbers(7000, "6.990", 6800, "5.000,0")],
        ["Lien Bao", *report_numbers(14000, 13900, "13.500", 11000)],
    ])
    assert run(settings, quiet()).exit_code == EXIT_OK
    rows = query(settings, """
        SELECT commune_code, district_code, report_date, pop_start_18, d18_1, d18_2, d18_3, unvax_pregnant
        FROM staging.district_reports ORDER BY commune_code""")
    assert rows == [
        (TICH_SON, "243", dt.date(2022, 3, 14), 7000, 6990, 6800, 5000, 0),
        (LIEN_BAO, "243", dt.date(2022, 3, 14), 14000, 13900, 13500, 11000, 0),
    ]  # the "Tổng cộng" row is not a commune


@pytest.mark.parametrize("encode", [encode_tcvn3, encode_vni], ids=["TCVN3", "VNI"])
def test_legacy_encoded_report_is_converted_to_unicode(settings, encode):
    base_inbox(settings.inbox)
    district_report_xlsx(settings.inbox / "district_reports/tam_dao.xlsx", "Huyện Tam Đảo", "14/03/2022",
                         [["Xã Đạo Trù", *report_numbers(3500, 3400, 3300, 2000)]], text_fn=encode)
    assert run(settings, quiet()).exit_code == EXIT_OK
    assert query(settings, "SELECT commune_code, district_code, d18_1 FROM staging.district_reports") == [
        (DAO_TRU, "248", 3400)]
    log = query(settings, "SELECT string_agg(line, '\n') FROM meta.run_log")[0][0]
    assert "ô chuyển từ mã TCVN3/VNI" in log


def test_a_resent_report_wins_and_the_first_stays_in_history(settings):
    base_inbox(settings.inbox)
    rows = [["Tích Sơn", *report_numbers(7000, 6000, 5000, 1000)]]
    district_report_xlsx(settings.inbox / "district_reports/vy.xlsx", "Thành phố Vĩnh Yên", dt.date(2022, 3, 14), rows,
                         when=dt.datetime(2022, 3, 14, 16, 0))
    corrected = [["Tích Sơn", *report_numbers(7000, 6100, 5000, 1000)]]
    district_report_xlsx(settings.inbox / "district_reports/vy_sua.xlsx", "Vinh Yen", "14/03/2022", corrected,
                         when=dt.datetime(2022, 3, 15, 9, 0))
    assert run(settings, quiet()).exit_code == EXIT_OK
    assert query(settings, "SELECT d18_1 FROM staging.district_reports") == [(6100,)]
    assert query(settings, "SELECT d18_1 FROM raw.district_reports ORDER BY d18_1") == [(6000,), (6100,)]
    assert query(settings, """SELECT files_received, status FROM marts.report_submissions
                              WHERE unit_code = '243' AND report_kind = 'district_report'""") == [(2, "on_time")]  # the first one was on time


def _quarantine_report(settings) -> str:
    reports = sorted(settings.quarantine.glob("*.loi.txt"))
    assert len(reports) == 1
    return reports[0].read_text(encoding="utf-8")


def test_a_broken_file_is_quarantined_while_the_others_load(settings):
    base_inbox(settings.inbox)
    broken = settings.inbox / "district_reports/hong.xlsx"
    broken.parent.mkdir(parents=True, exist_ok=True)
    broken.write_bytes(b"PK\x03\x04 this is not a workbook")
    result = run(settings, quiet())
    assert result.exit_code == EXIT_REJECTED and result.status == "published_with_rejections"
    assert 'Tệp "hong.xlsx"' in _quarantine_report(settings)
    assert (settings.quarantine / next(settings.quarantine.glob("*__hong.xlsx")).name).read_bytes().startswith(b"PK")
    assert query(settings, "SELECT count(*) FROM raw.platform_daily") == [(4,)]
    assert not broken.exists()  # it left the inbox for quarantine; the archive keeps a copy too
    assert len(list((settings.archive / "district_reports").glob("*__hong.xlsx"))) == 1


def test_an_unknown_unit_is_refused_naming_row_column_and_the_closest_real_unit(settings):
    base_inbox(settings.inbox)
    platform_csv(settings.inbox / "platform/sai_xa.csv", [
        [TICH_SON, "04/03/2022", "18+", 1, "Pfizer", 1],
        ["Xã Đạo Trùu", "04/03/2022", "18+", 1, "Pfizer", 2],
    ], when=dt.datetime(2022, 3, 5))
    result = run(settings, quiet())
    assert result.exit_code == EXIT_REJECTED
    report = _quarantine_report(settings)
    assert 'Tệp "sai_xa.csv"' in report and "dòng 3" in report and 'cột A ("Mã xã")' in report
    assert "Xã Đạo Trù (08914)" in report
    # nothing of the refused file was loaded
    assert query(settings, "SELECT count(*) FROM raw.platform_daily WHERE vaccination_date = '2022-03-04'") == [(0,)]


def test_wrong_type_and_missing_column_are_refused_with_their_place(settings):
    base_inbox(settings.inbox)
    platform_csv(settings.inbox / "platform/chu.csv", [[TICH_SON, "04/03/2022", "18+", 1, "Pfizer", "mười"]],
                 when=dt.datetime(2022, 3, 5))
    cases = settings.inbox / "cases/thieu_cot.csv"
    cases.parent.mkdir(parents=True)
    cases.write_text("Mã xã,Ngày báo cáo,F0 mới\n08707,01/03/2022,3\n", encoding="utf-8")
    touch(cases, dt.datetime(2022, 3, 5))
    assert run(settings, quiet()).exit_code == EXIT_REJECTED
    texts = sorted(p.read_text(encoding="utf-8") for p in settings.quarantine.glob("*.loi.txt"))
    assert any('"chu.csv", dòng 2, cột F ("Số mũi"): "mười" không phải là số nguyên' in t for t in texts)
    assert any('"thieu_cot.csv"' in t and 'thiếu cột bắt buộc' in t and '"Đang điều trị tại nhà"' in t for t in texts)


def test_a_file_outside_any_source_folder_is_quarantined(settings):
    base_inbox(settings.inbox)
    stray = settings.inbox / "bao_cao_khac.xlsx"
    stray.write_bytes(b"x")
    assert run(settings, quiet()).exit_code == EXIT_REJECTED
    assert "không xác định được nguồn dữ liệu" in _quarantine_report(settings)


def test_rerun_with_nothing_new_changes_nothing(settings):
    base_inbox(settings.inbox)
    first = run(settings, quiet())
    snapshots = [p.name for p in S.list_snapshots(settings)]
    manifest = (settings.archive / "manifest.jsonl").read_text(encoding="utf-8")
    again = run(settings, quiet())
    assert again.exit_code == EXIT_OK and again.status == "nothing_new" and again.snapshot is None
    assert [p.name for p in S.list_snapshots(settings)] == snapshots
    assert S.current_snapshot(settings).name == first.snapshot
    assert (settings.archive / "manifest.jsonl").read_text(encoding="utf-8") == manifest
    # the same file sent again is recognised by its checksum and not loaded twice
    base_inbox(settings.inbox)
    third = run(settings, quiet())
    assert third.status == "nothing_new" and not any(settings.inbox.rglob("*.csv"))


def test_an_upgrade_rebuilds_from_the_archive_with_nothing_new(settings, monkeypatch):
    """A snapshot built by older code is rebuilt by the next run even when no file arrived, so that the upgraded
    dashboard never reads tables an older version wrote; the rebuilt snapshot records the new version."""
    import etl.pipeline as P
    from etl.version import MODEL_VERSION, snapshot_version

    base_inbox(settings.inbox)
    first = run(settings, quiet())
    assert snapshot_version(S.current_snapshot(settings)) == MODEL_VERSION
    monkeypatch.setattr(P, "MODEL_VERSION", "phien_ban_moi")
    lines: list[str] = []
    upgraded = run(settings, Progress(sink=lines.append))
    assert upgraded.status == "published" and upgraded.snapshot != first.snapshot and upgraded.accepted == []
    assert any("chương trình đã được cập nhật" in line for line in lines)
    assert snapshot_version(S.current_snapshot(settings)) == "phien_ban_moi"
    # the same data, rebuilt
    assert query(settings, "SELECT sum(doses) FROM raw.platform_daily") == [(26,)]
    # and once rebuilt, nothing new is nothing new again
    assert run(settings, quiet()).status == "nothing_new"


def test_a_second_run_while_one_holds_the_data_directory_does_nothing(settings):
    import fcntl

    from etl.pipeline import EXIT_BUSY

    base_inbox(settings.inbox)
    first = run(settings, quiet())
    platform_csv(settings.inbox / "platform/moi.csv", [[TICH_SON, "04/03/2022", "18+", 1, "Pfizer", 1]],
                 when=dt.datetime(2022, 3, 5))
    runs_before = (settings.warehouse / "runs.jsonl").read_text(encoding="utf-8")
    with open(settings.warehouse / "etl.lock", "a+") as held:  # another run, as the OS sees it
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)
        busy = run(settings, quiet())
    assert busy.exit_code == EXIT_BUSY == 4 and busy.status == "busy"
    assert S.current_snapshot(settings).name == first.snapshot
    assert (settings.inbox / "platform/moi.csv").exists()  # left for the next run
    assert (settings.warehouse / "runs.jsonl").read_text(encoding="utf-8") == runs_before
    # once the other run has ended, the next one goes ahead
    assert run(settings, quiet()).status == "published"


def test_a_failed_build_keeps_the_previous_snapshot_and_is_logged(settings, monkeypatch):
    base_inbox(settings.inbox)
    first = run(settings, quiet())
    platform_csv(settings.inbox / "platform/moi.csv", [[TICH_SON, "04/03/2022", "18+", 1, "Pfizer", 1]],
                 when=dt.datetime(2022, 3, 5))
    import etl.pipeline as P

    def boom(con, progress):
        raise RuntimeError("mô hình hỏng")

    monkeypatch.setattr(P, "run_models", boom)
    failed = run(settings, quiet())
    assert failed.exit_code == EXIT_FAILED and failed.status == "failed"
    assert S.current_snapshot(settings).name == first.snapshot
    assert (settings.inbox / "platform/moi.csv").exists()  # not processed: it waits for the next good run
    statuses = [r["status"] for r in S.RunLog(settings).runs()]
    assert statuses == ["published", "failed"]
    assert not S.building_dir(settings).exists() or not any(S.building_dir(settings).iterdir())


def test_retention_keeps_the_newest_and_the_pinned(settings):
    base_inbox(settings.inbox)
    settings = load_settings(settings.data_dir, province="26", keep=2)
    names = []
    for day in range(4, 8):
        platform_csv(settings.inbox / f"platform/n{day}.csv", [[TICH_SON, f"0{day}/03/2022", "18+", 1, "Pfizer", 1]],
                     when=dt.datetime(2022, 3, day + 1))
        names.append(run(settings, quiet()).snapshot)
        if day == 4:
            S.pin(settings, names[0], "Giao ban 05/03/2022")
    kept = [p.name for p in S.list_snapshots(settings)]
    assert kept == [names[0], names[2], names[3]]
    assert S.current_snapshot(settings).name == names[3]


def test_a_report_naming_an_unknown_commune_is_refused_with_sheet_row_column_and_suggestion(settings):
    base_inbox(settings.inbox)
    district_report_xlsx(settings.inbox / "district_reports/tam_dao.xlsx", "Huyện Tam Đảo", "14/03/2022",
                         [["Xã Đạo Trù", *report_numbers(3500, 3400, 3300, 2000)],
                          ["Xã Đạo Tru Thượng", *report_numbers(100, 90, 80, 70)]])
    assert run(settings, quiet()).exit_code == EXIT_REJECTED
    report = _quarantine_report(settings)
    # title rows 1–3, a blank row, the two header rows 5–6: the second commune is on row 8, names in column B
    assert 'Tệp "tam_dao.xlsx", trang "BC tiem chung", dòng 8, cột B ("Xã, phường, thị trấn")' in report
    assert "Xã Đạo Trù (08914)" in report


def test_the_model_version_follows_the_models_not_the_demo(tmp_path, monkeypatch):
    """A change to a model's SQL changes the version (so the next run rebuilds); a change to the demo's generators
    does not (it cannot change what a build makes of the archive)."""
    import shutil

    import etl.version as V

    copy = tmp_path / "etl"
    shutil.copytree(V.ETL_DIR, copy, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(V, "ETL_DIR", copy)
    before = V._digest()
    assert before == V.MODEL_VERSION
    for name in ("demo.py", "firststart.py", "lock.py"):  # the demo, its first start, the lock on the directory
        (copy / name).write_text((copy / name).read_text(encoding="utf-8") + "\n# sửa\n", encoding="utf-8")
        assert V._digest() == before, name
    values = copy / "values.py"  # how a cell is read changes what a build makes of the archive
    values.write_text(values.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert V._digest() != before
    before = V._digest()
    model = copy / "sql/marts/cases_metrics.sql"
    model.write_text(model.read_text(encoding="utf-8") + "\n", encoding="utf-8")
    assert V._digest() != before
