"""CSV files DuckDB's sniffer will not read although they are regular: lines ending both ways (a correction typed, in
a plain editor, under the header of an exported file, whose lines end CRLF). They load; a CSV really out of shape is
refused with the row where it goes wrong, in Vietnamese, and no machine path.

By hand: Tích Sơn reports 10 new F0 on 09/03/2022 (ca_benh_1.csv), then resends 09/03 with 30 in a one-row file whose
header line ends CRLF and whose row ends LF (ca_benh_gui_lai.csv): staging.cases holds 30 for that day."""
from __future__ import annotations

import datetime as dt

import pytest
from builders import LIEN_BAO, TICH_SON, cases_csv, headers, population_csv, run_and_open, touch

from etl import contracts as C
from etl.pipeline import EXIT_REJECTED, Progress, run
from etl.settings import load_settings, save_province


@pytest.fixture
def settings(tmp_path):
    settings = load_settings(tmp_path / "data", province="26")
    save_province(settings)
    population_csv(settings.inbox / "population/dan_so.csv", [
        [TICH_SON, "đầu kỳ", 10000, 7000, 900, 1100, "Tổng điều tra 2019"],
        [LIEN_BAO, "đầu kỳ", 20000, 14000, 1800, 2200, "Tổng điều tra 2019"]])
    cases_csv(settings.inbox / "cases/ca_benh_1.csv", [
        [commune, f"{day:02d}/03/2022", 10, 0, 10, 0, 0, 0, 0, 10, 10] for day in range(1, 11)
        for commune in (TICH_SON, LIEN_BAO)], when=dt.datetime(2022, 3, 10, 18, 0))
    return settings


def write_bytes(path, data: bytes, when: dt.datetime):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return touch(path, when)


def header() -> bytes:
    return ",".join(headers(C.CASES)).encode("utf-8")


def test_a_resent_file_whose_lines_end_both_ways_loads(settings):
    run_and_open(settings).close()
    write_bytes(settings.inbox / "cases/ca_benh_gui_lai.csv",
                header() + b"\r\n" + f"{TICH_SON},09/03/2022,30,0,30,0,0,0,0,30,30\n".encode(),
                dt.datetime(2022, 3, 11, 9, 0))
    con = run_and_open(settings)
    assert con.execute("SELECT new_f0 FROM staging.cases WHERE commune_code = ? AND report_date = DATE '2022-03-09'",
                       [TICH_SON]).fetchall() == [(30,)]
    assert con.execute("SELECT new_f0 FROM staging.cases WHERE commune_code = ? AND report_date = DATE '2022-03-08'",
                       [TICH_SON]).fetchall() == [(10,)]


@pytest.mark.parametrize("body, says", [
    (b"\r\n" + f"{TICH_SON},09/03/2022,30,0\r\n".encode(), "dòng 2 có 4 cột, dòng tiêu đề có 11 cột"),
    (b"\r\n" + f"{TICH_SON},09/03/2022,30,0,30,0,0,0,0,30,30\r\n".encode()
     + f'{LIEN_BAO},"09/03/2022,30,0,30,0,0,0,0,30,30\n'.encode(), "dấu ngoặc kép chưa đóng hoặc đặt sai"),
])
def test_a_csv_out_of_shape_is_refused_with_its_row(settings, body, says):
    write_bytes(settings.inbox / "cases/ca_benh_sai.csv", header() + body, dt.datetime(2022, 3, 11, 9, 0))
    lines: list[str] = []
    assert run(settings, Progress(sink=lines.append)).exit_code == EXIT_REJECTED
    report = next(settings.quarantine.glob("*ca_benh_sai.csv.loi.txt")).read_text(encoding="utf-8")
    assert 'Tệp "ca_benh_sai.csv"' in report and "không nhận ra cấu trúc tệp CSV" in report and says in report
    assert str(settings.data_dir) not in report and "sniff" not in report
