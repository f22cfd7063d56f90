"""Huyện của tôi (pages/8_Huyen_cua_toi.py) on the bundled demo: a member sees their two districts and nothing of
another; the committee, the health department and the administrators pick any district; a district account sees its
own. The exceptions shown are the overview's rows for the district on the same date (one query, one definition), and
the figures beside them are the snapshot's, checked by hand with DuckDB."""
from __future__ import annotations

import datetime as dt
import io

import duckdb
import openpyxl
import pytest
from conftest_app import excel, open_page, session_for, table, texts
from filelock import FileLock

from app import figures
from app import widgets as W
from etl.settings import load_settings
from etl.snapshots import current_snapshot

pytest_plugins = ["conftest_app"]

PAGE = "pages/8_Huyen_cua_toi.py"
OVERVIEW = "pages/1_Tong_quan.py"
MEMBER = "uv.nguyenvana"  # the demo's assignments: Thành phố Vĩnh Yên (243) and Thành phố Phúc Yên (244)
VINH_YEN, PHUC_YEN, TAM_DAO, YEN_LAC = "243", "244", "248", "251"
LAST = dt.date(2022, 6, 30)  # the demo's last day: the date a page opens on
MARCH = dt.date(2022, 3, 15)  # targets still at risk (a pace required), facilities over their quota


@pytest.fixture
def demo(use_data, demo_build):
    """The demo's data directory, with the accounts these tests sign in as: created once, under a lock, since the
    state database is shared by every pytest-xdist worker and two creating one account at once would collide."""
    data = use_data(demo_build[1])
    with FileLock(str(data.parent / "accounts.lock")):
        for role, login, district in (("member", MEMBER, None), ("committee", None, None), ("health", None, None),
                                      ("district", "kiemthu.tamdao", TAM_DAO)):
            session_for(role, login, district)
    return data


def sql(data_dir, query: str, *params) -> list[tuple]:
    with duckdb.connect(str(current_snapshot(load_settings(data_dir))), read_only=True) as con:
        return con.execute(query, list(params)).fetchall()


def district_names(data_dir) -> dict[str, str]:
    return dict(sql(data_dir, "SELECT unit_code, unit_name FROM marts.units WHERE unit_level = 'district'"))


def opened(page: str, day: dt.date | None = None, **who):
    """The page for a viewer (app_test's role, login, district), on `day` (else the newest date)."""
    at = open_page(timeout=120, **who)
    if day is not None:
        at.sidebar.date_input(key="as_of").set_value(day).run()
    at.switch_page(page).run(timeout=120)
    assert not at.exception, [e.message for e in at.exception]
    return at


def vn_pct(value: float) -> str:
    return f"{value:.2f}".replace(".", ",") + "%"


def vn_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")


def subheaders(at) -> list[str]:
    return [e.value for e in at.subheader]


def warnings(at) -> list[str]:
    return [e.value for e in at.warning]


def deadline_rows(frame, unit_col: str | None = None, unit: str | None = None) -> dict:
    """{(full title, deadline): people still needed} of a deadline table's Excel file (every row, Excel-only columns
    included), the rows of one unit when named."""
    if unit_col:
        frame = frame[frame[unit_col] == unit]
    return {(r["Chỉ tiêu (đầy đủ)"], r["Hạn"]): r["Còn thiếu (người)"] for _, r in frame.iterrows()}


def test_a_member_sees_both_districts_exceptions_first_and_nothing_of_another(demo):
    names = district_names(demo)
    with figures.recording() as rec:
        at = opened(PAGE, role="member", login=MEMBER)
    assert subheaders(at) == [names[VINH_YEN], names[PHUC_YEN]]
    assert not [s for s in at.selectbox if s.key == "my_district"]  # a member does not pick: both are shown
    # exceptions first, then the district beside the province, for each district in turn
    headings = [e.value for e in at.markdown if e.value.startswith(("**", "#####"))]
    first = headings.index("##### Việc cần xử lý")
    assert headings[first + 1].startswith("**Chỉ tiêu tiêm chủng trễ hạn hoặc có nguy cơ trễ hạn**")
    assert headings.index("**So với toàn tỉnh**") > headings.index("**Báo cáo gửi tỉnh chưa nộp hoặc nộp muộn** "
                                                                   "(chưa nộp 0, nộp muộn 0)")
    # nothing of another district: not in the text, not in a table on screen, not in a table's Excel file
    drawn = [texts(at)]
    tables = [t for t in rec.tables if t["page"] == "Huyện của tôi"]  # the overview was drawn first, on sign-in
    assert tables
    for t in tables:
        drawn.append(t["shown"].astype(str).to_csv())
        book = openpyxl.load_workbook(io.BytesIO(W.excel_bytes(t["frame"], t["cols"])), read_only=True)
        drawn += [str(v) for row in book.worksheets[0].iter_rows(values_only=True) for v in row if v is not None]
        for column in ("unit_code", "district_code"):
            if column in t["shown"].columns:
                assert set(t["shown"][column]) <= {VINH_YEN, PHUC_YEN}, (t["key"], column)
    text = "\n".join(drawn)
    others = [n for c, n in names.items() if c not in (VINH_YEN, PHUC_YEN) and n in text]
    assert others == [] and "Huyện Tam Đảo" not in text and "Huyện Sông Lô" not in text
    # the page's own tables only, each of one of the member's districts (the province stands beside them as totals)
    assert {t["key"] for t in tables} <= {f"my_{kind}_{c}" for kind in ("deadlines", "facilities", "reports")
                                               for c in (VINH_YEN, PHUC_YEN)}


@pytest.mark.parametrize("day", [LAST, MARCH], ids=str)
def test_the_exceptions_are_the_overviews_rows_for_the_district_on_the_same_date(demo, day):
    overview = opened(OVERVIEW, day, role="member", login=MEMBER)
    everything = excel(overview, "exc_deadlines")
    page = opened(PAGE, day, role="member", login=MEMBER)
    names = district_names(demo)
    for code in (VINH_YEN, PHUC_YEN):
        mine = excel(page, f"my_deadlines_{code}")
        assert deadline_rows(mine) == deadline_rows(everything, "Đơn vị", names[code]) != {}
        # and the snapshot's own rows, by hand: every target the district missed or is missing, people still needed
        expected = sql(demo, "SELECT t.title, s.people_needed, s.required_daily_pace, s.trailing_7d_pace "
                             "FROM marts.deadline_status s JOIN marts.targets t USING (target_id) "
                             "WHERE s.unit_code = ? AND s.status IN ('at_risk', 'missed') AND s.population > 0 "
                             "AND s.as_of_date = (SELECT max(as_of_date) FROM marts.deadline_status "
                             "WHERE as_of_date <= ?)", code, day)
        assert sorted((t, n) for t, n, _, _ in expected) == sorted(zip(mine["Chỉ tiêu (đầy đủ)"],
                                                                      mine["Còn thiếu (người)"], strict=True))
        shown = table(page, f"my_deadlines_{code}")
        assert sorted(shown["Còn thiếu (người)"]) == sorted(n for _, n, _, _ in expected)
        paces = {(round(r, 1) if r is not None else None, round(p, 1)) for _, _, r, p in expected}
        on_screen = {(None if v != v else round(v, 1), round(p, 1))
                     for v, p in zip(shown["Cần tiêm/ngày"], shown["Đang tiêm/ngày"], strict=True)}
        assert on_screen == paces
        secretary = sql(demo, "SELECT district_secretary FROM marts.assignments WHERE district_code = ?", code)[0][0]
        assert f"Bí thư huyện ủy **{secretary}**" in texts(page)
    if day == MARCH:  # a target still ahead: the pace it needs is drawn beside the pace of the last 7 days
        assert any(v == v for v in table(page, f"my_deadlines_{VINH_YEN}")["Cần tiêm/ngày"])


def test_the_district_beside_the_province_by_hand(demo):
    at = opened(PAGE, role="member", login=MEMBER)
    metrics = {}
    for m in at.metric:
        metrics.setdefault(m.label, []).append((m.value, m.delta))

    def coverage(codes: tuple[str, ...], cohort: str, dose: int) -> str:
        people, population = sql(demo, "SELECT sum(people_vaccinated), sum(population_start) FROM marts.coverage "
                                       "WHERE unit_level = 'district' AND list_contains(?, unit_code) "
                                       "AND cohort = ? AND dose = ? AND as_of_date = (SELECT max(as_of_date) "
                                       "FROM marts.coverage WHERE as_of_date <= ?)",
                                 list(codes), cohort, dose, LAST)[0]
        return vn_pct(100 * people / population)

    every = tuple(district_names(demo))
    for label, cohort, dose in (("18+ mũi 2", "18+", 2), ("18+ mũi 3", "18+", 3), ("12–17 mũi 2", "12-17", 2)):
        assert metrics[label] == [(coverage((c,), cohort, dose), f"toàn tỉnh: {coverage(every, cohort, dose)}")
                                  for c in (VINH_YEN, PHUC_YEN)], label
    # F0 over 7 days per 100.000 people (population at the start of the period), the district's and the province's
    rates = {}
    for code in ("26", VINH_YEN, PHUC_YEN):
        week, population, direction = sql(demo, "SELECT new_f0_7d_sum, population_total, trend_direction "
                                                "FROM marts.cases_metrics WHERE unit_code = ? AND report_date = "
                                                "(SELECT max(report_date) FROM marts.cases_metrics "
                                                "WHERE report_date <= ?)", code, LAST)[0]
        rates[code] = (week, f"{100000 * week / population:.1f}".replace(".", ","), direction)
    assert metrics["F0 7 ngày /100.000 dân"] == [(rates[c][1], f"Tỉnh Vĩnh Phúc: {rates['26'][1]}")
                                                for c in (VINH_YEN, PHUC_YEN)]
    # F0 rising is an exception (a warning), F0 not rising is said in a line
    rising = [c for c in (VINH_YEN, PHUC_YEN) if rates[c][2] == "up"]
    assert rising, "the demo has a member's district with F0 rising on its last day"
    shown = [w for w in warnings(at) if w.startswith("F0 đang tăng")]
    assert len(shown) == len(rising)
    for code, warning in zip(rising, shown, strict=True):
        assert warning.startswith(f"F0 đang tăng: F0 mới 7 ngày đến ngày báo cáo 30/06/2022: {vn_int(rates[code][0])} "
                                  f"ca ({rates[code][1]} /100.000 dân); xu hướng 7 ngày **tăng**")
    captions = "\n".join(e.value for e in at.caption)
    assert captions.count("Không có dấu hiệu F0 tăng") == 2 - len(rising)


def test_care_gaps_growing_are_an_exception(demo):
    day, code, without, monitored = sql(
        demo, "SELECT report_date, unit_code, without_antiviral, not_monitored FROM marts.care_gaps "
              "WHERE unit_level = 'district' AND gap_growing AND unit_code IN (?, ?) "
              "ORDER BY report_date DESC, unit_code LIMIT 1", VINH_YEN, PHUC_YEN)[0]
    at = opened(PAGE, day, role="member", login=MEMBER)
    growing = [w for w in warnings(at) if w.startswith("Tăng so với hôm trước")]
    assert len(growing) == 1
    assert f"chưa được cấp thuốc **{vn_int(without)}**" in growing[0]
    assert f"chưa được theo dõi **{vn_int(monitored)}**" in growing[0]
    assert f"ngày {day:%d/%m/%Y}" in growing[0]


def test_the_committee_picks_any_district_and_sees_its_late_reports(demo):
    names = district_names(demo)
    at = opened(PAGE, role="committee")
    pick = at.selectbox(key="my_district")
    assert pick.label == "Huyện, thành phố" and list(pick.options) == [names[c] for c in sorted(names)]
    assert subheaders(at) == [names[VINH_YEN]]  # one district at a time: the first until another is picked
    pick.set_value(TAM_DAO).run()
    assert not at.exception
    assert subheaders(at) == ["Huyện Tam Đảo"]
    # reports not sent by their due date, judged on the as-of date, by hand
    expected = sql(demo, "SELECT title, due_date, received_date FROM marts.report_submissions "
                         "WHERE district_code = ? AND due_date <= ? "
                         "AND (received_date IS NULL OR received_date > due_date) "
                         "AND NOT (due_date = ? AND (received_date IS NULL OR received_date > ?))",
                   TAM_DAO, LAST, LAST, LAST)  # due on the day itself and not in yet: not late yet
    states = sorted(f"chưa nộp, quá hạn {(LAST - due).days} ngày" if received is None or received > LAST
                    else f"nộp muộn {(received - due).days} ngày" for _, due, received in expected)
    shown = table(at, f"my_reports_{TAM_DAO}")
    assert sorted(shown["Tình trạng"]) == states and "chưa nộp, quá hạn 45 ngày" in states
    missing = sum(s.startswith("chưa nộp") for s in states)
    assert (f"**Báo cáo gửi tỉnh chưa nộp hoặc nộp muộn** (chưa nộp {missing}, nộp muộn {len(states) - missing})"
            in [e.value for e in at.markdown])


def test_facilities_over_quota_are_the_overviews_for_the_district(demo):
    overview = table(opened(OVERVIEW, MARCH, role="health"), "exc_facilities")
    at = opened(PAGE, MARCH, role="health")
    at.selectbox(key="my_district").set_value(YEN_LAC).run()
    expected = sql(demo, "SELECT f.facility_name, f.occupied, f.bed_quota FROM marts.facility_daily f "
                         "WHERE f.district_code = ? AND f.is_open AND f.bed_quota > 0 AND f.occupied > f.bed_quota "
                         "AND f.status_date = "
                         "(SELECT max(status_date) FROM marts.facility_daily WHERE status_date <= ?)", YEN_LAC, MARCH)
    assert expected, "the demo has a facility of Yên Lạc over its quota in March"
    shown = table(at, f"my_facilities_{YEN_LAC}")
    assert sorted(zip(shown["Cơ sở"], shown["Đang điều trị"], shown["Định mức"], strict=True)) == sorted(expected)
    theirs = overview[overview["Địa bàn"] == "Huyện Yên Lạc"]
    assert sorted(zip(theirs["Cơ sở"], theirs["Đang điều trị"], strict=True)) == \
        sorted((n, o) for n, o, _ in expected)
    name, occupied, _ = expected[0]
    assert f"**Cơ sở điều trị của huyện vượt định mức giường** ({vn_int(len(expected))})" in \
        [e.value for e in at.markdown]
    assert occupied > 0 and name


def test_a_district_account_sees_its_own_district(demo):
    at = opened(PAGE, role="district", login="kiemthu.tamdao", district=TAM_DAO)
    assert subheaders(at) == ["Huyện Tam Đảo"]
    assert not [s for s in at.selectbox if s.key == "my_district"]
