"""The dashboard switched to a briefing's snapshot and as-of date (pages/11_Giao_ban.py, app/briefing_view.py): every
page draws that snapshot, under a banner; a snapshot of an older model version is read through its copy rebuilt with
today's code (etl/copies.py, out of the server process), the live snapshot serving until it is ready.

Hand-computed on the app inbox (tests/conftest_app.py): 18+ population (start) 7.000 + 14.000 + 3.500 = 24.500;
18+ dose 1 by 07/03: 6.000 + 12.000 + 3.000 = 21.000 → 85,71%; by 14/03 (+1.100 on 08/03) 22.100 → 90,20%. The
briefing's original snapshot says 700 fewer for Vĩnh Yên (an "older definition"): 20.300 → 82,86%."""
from __future__ import annotations

import datetime as dt
import shutil
import time

import duckdb
import pytest

pytest.register_assert_rewrite("conftest_app")
from conftest_app import VINH_YEN  # noqa: E402

from app.state import State  # noqa: E402
from etl import copies  # noqa: E402
from etl import snapshots as S  # noqa: E402
from etl.settings import load_settings  # noqa: E402
from etl.version import MODEL_VERSION  # noqa: E402

pytest_plugins = ["conftest_app"]
PAGE = "pages/11_Giao_ban.py"
OVERVIEW = "pages/1_Tong_quan.py"
VIEW = "Xem bảng điều khiển theo số liệu buổi giao ban này"
BACK = "Quay lại số liệu hiện hành"


def older(settings, name: str, sql: str) -> str:
    """The served snapshot copied under `name`, built (it says) by an older model version, then changed by `sql`."""
    target = S.snapshots_dir(settings) / name
    shutil.copy(S.current_snapshot(settings), target)
    with duckdb.connect(str(target)) as con:
        con.execute("UPDATE meta.snapshot SET model_version = '0000older0000000'")
        con.execute(sql)
    return name


def briefing(store: State, snapshot: str, label: str) -> int:
    return store.briefing_create(login="kiemthu.committee", address=None, province_code="26",
                                 held_on=dt.date(2022, 3, 8), label=label, as_of=dt.date(2022, 3, 7), snapshot=snapshot)


def click(at, label: str):
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def test_viewing_a_briefing_serves_its_rebuilt_snapshot_and_date_on_every_page_with_a_banner(app_copy, use_data):
    from conftest_app import open_page, read, session_for, texts

    use_data(app_copy)
    settings = load_settings(app_copy)
    live = S.current_snapshot(settings)
    session_for("committee")  # the account that creates the briefings
    store = State(app_copy / "state" / "state.sqlite3")
    changed = older(settings, "2022-03-08T020000_000000.duckdb",
                    "UPDATE marts.coverage_district SET people_vaccinated = people_vaccinated - 700 WHERE unit_level = "
                    f"'district' AND unit_code = '{VINH_YEN}' AND cohort = '18+' AND dose = 1")
    unreadable = older(settings, "2022-03-08T030000_000000.duckdb",
                       "ALTER TABLE marts.coverage_district RENAME COLUMN people_vaccinated TO nguoi_da_tiem")
    first = briefing(store, changed, "Giao ban BCĐ tỉnh 08/03/2022")
    briefing(store, unreadable, "Giao ban bổ sung 08/03/2022")
    before = ((settings.warehouse / "CURRENT").read_text(), live.stat().st_mtime_ns)

    at = open_page(PAGE, role="committee")
    at.selectbox(key="briefing_pick").set_value(first).run()
    click(at, VIEW)
    # the copy is not ready: asked for (another process builds it), the live snapshot still served, and said so
    shown = texts(at)
    assert "Đang xem số liệu của buổi giao ban «Giao ban BCĐ tỉnh 08/03/2022»" in shown
    assert "vẫn hiển thị số liệu hiện hành" in shown and "dựng lại theo định nghĩa hiện hành" in shown
    assert "Chương trình vừa được cập nhật" not in shown  # the frame's notice of the live snapshot's rebuild
    deadline = time.monotonic() + 240
    while copies.comparable(settings, changed) is None:
        assert time.monotonic() < deadline, copies.status(settings, changed)
        time.sleep(0.5)
    at.switch_page(OVERVIEW).run()
    assert not at.exception, [e.message for e in at.exception]
    shown = texts(at)
    assert "Số liệu đến ngày **07/03/2022**" in shown and "18+ mũi 1 85,71%" in shown
    run_id = duckdb.connect(str(S.snapshots_dir(settings) / changed), read_only=True).execute(
        "SELECT run_id FROM meta.snapshot").fetchone()[0]
    banner = read(at.info[0].value)
    assert banner.startswith("Đang xem số liệu của buổi giao ban «Giao ban BCĐ tỉnh 08/03/2022» (họp ngày "
                             f"08/03/2022): số liệu đến ngày 07/03/2022, bản dữ liệu {changed} (mã {run_id}).")
    assert "tính lại theo định nghĩa hiện hành" in banner
    assert "Số liệu chính khác bản gốc: 18+ mũi 1: 85,71% (bản gốc 82,86%)." in banner
    assert "Chương trình vừa được cập nhật" not in shown
    assert f"{changed.removesuffix('.duckdb')}.{MODEL_VERSION}.duckdb" in str(copies.comparable(settings, changed))

    # the second briefing: its original cannot be read by today's queries
    copies.build(settings, unreadable, copies.Progress(sink=lambda line: None))
    at.switch_page(PAGE).run()
    at.selectbox(key="briefing_pick").set_value(2).run()
    click(at, VIEW)
    banner = read(at.info[0].value)
    assert "«Giao ban bổ sung 08/03/2022»" in banner and "mọi số liệu đều là số tính lại" in banner

    click(at, BACK)
    at.switch_page(OVERVIEW).run()
    shown = texts(at)
    assert "Đang xem số liệu" not in shown and "Số liệu đến ngày **14/03/2022**" in shown and "18+ mũi 1 90,20%" in shown
    assert ((settings.warehouse / "CURRENT").read_text(), live.stat().st_mtime_ns) == before


def test_a_briefing_of_this_model_version_is_served_as_it_is_within_the_viewers_scope(app_copy, use_data):
    from conftest_app import TAM_DAO, open_page, read, session_for, texts

    use_data(app_copy)
    settings = load_settings(app_copy)
    session_for("committee")
    served = S.current_snapshot(settings).name
    number = briefing(State(app_copy / "state" / "state.sqlite3"), served, "Giao ban BCĐ tỉnh 08/03/2022")
    at = open_page(PAGE, role="district", login="kiemthu.tamdao", district=TAM_DAO)
    at.selectbox(key="briefing_pick").set_value(number).run()
    click(at, VIEW)
    at.switch_page(OVERVIEW).run()
    shown = texts(at)
    # Tam Đảo only: Đạo Trù's 3.000 of 3.500 → 85,71%; the snapshot itself, no copy
    assert "Số liệu đến ngày **07/03/2022**" in shown and "18+ mũi 1 85,71%" in shown
    banner = read(at.info[0].value)
    assert f"bản dữ liệu {served}" in banner and "tính lại" not in banner
    assert not (settings.warehouse / "copies").exists()
