"""What changed since the last briefing (app/changes.py, app/briefing_changes.py) on two snapshots of one data
directory, built by two ETL runs of hand-made files: the second run brings a resent platform export and a resent cases
file (a district corrected days already briefed) and a few more days.

Vĩnh Phúc: Tích Sơn and Liên Bảo (Thành phố Vĩnh Yên, 243), Đạo Trù (Huyện Tam Đảo, 248). Dân số đầu kỳ: 10.000 /
20.000 / 5.000 in all; 18+ 7.000 / 14.000 / 3.500; 12–17 900 / 1.800 / 450; 5–11 1.100 / 2.200 / 550.

Run 1 (snapshot A, briefed with data to 10/03/2022):
  platform xuat_1.csv: 18+ mũi 1 on 03/01 (6.000 / 12.000 / 3.000), 18+ mũi 2 on 01/02 (5.000 / 10.000 / 2.000);
  Đạo Trù 5–11 mũi 1 550 on 04/01 and 5–11 mũi 2 100 on 05/03; Đạo Trù 18+ mũi 1 10 on 10/03.
  cases ca_benh_1.csv, 01–10/03: Tích Sơn 10 new F0 a day, Liên Bảo 0, Đạo Trù 2.
Run 2 (snapshot B, data to 14/03/2022) adds:
  platform xuat_2.csv: 04/01 resent with Đạo Trù 12–17 mũi 1 450 (was 0), 01/02 resent with Liên Bảo 18+ mũi 2
  10.500 (was 10.000) and Đạo Trù 12–17 mũi 2 450 (was 0); new: Liên Bảo 18+ mũi 1 3.000 and mũi 2 4.450 on 12/03,
  Đạo Trù 18+ mũi 1 10 on 14/03.
  cases ca_benh_2.csv, 08–14/03: resends 08–10/03 with Tích Sơn 09/03 corrected 10 → 30; 11–14/03 Tích Sơn 20 a day,
  Liên Bảo 0, Đạo Trù 2.

By hand:
- 18+ mũi 2, Vĩnh Yên: A 15.000 / 21.000 = 71,43%; B 5.000 + 10.500 + 4.450 = 19.950 / 21.000 = 95,00% (+23,57 điểm
  %): the target 95% by 31/12/2021 (people needed 19.950) reached on 12/03/2022, 71 days late: "trễ hạn" → "trễ hạn —
  đạt ngày 12/03/2022, trễ 71 ngày". Province: A 17.000 / 24.500 = 69,39%; B 21.950 / 24.500 = 89,59% (+20,20).
- F0 7 days per 100.000: A (04–10/03) Vĩnh Yên 70 / 30.000 = 233,3, Tam Đảo 14 / 5.000 = 280,0, province 84 / 35.000 =
  240,0; B (08–14/03) Vĩnh Yên 10 + 30 + 10 + 4 × 20 = 130 / 30.000 = 433,3 (+200,0 ▲), Tam Đảo 280,0 (±0),
  province 144 / 35.000 = 411,4 (+171,4 ▲).
- Tam Đảo 5–11 mũi 2 (95% by 30/06/2022): on 10/03 100 given in the last 7 days, the pace is enough (đúng tiến độ); on
  14/03 none in the last 7 days: có nguy cơ trễ hạn, a new exception. Tam Đảo 12–17 mũi 2 (99% by 31/03/2022, and 95%
  by 28/02/2022): 450 / 450 on 01/02 once revised: both met, two resolved exceptions.
- Revisions (days up to 10/03): 04/01 Tam Đảo 12–17 mũi 1 0 → 450, 01/02 Vĩnh Yên 18+ mũi 2 15.000 → 15.500, 01/02
  Tam Đảo 12–17 mũi 2 0 → 450 (xuat_2.csv); 09/03 Vĩnh Yên F0 mới 10 → 30 (ca_benh_2.csv).
"""
from __future__ import annotations

import datetime as dt
import io

import pypdf
import pytest
from builders import DAO_TRU, LIEN_BAO, TICH_SON, cases_csv, platform_csv, population_csv

pytest.register_assert_rewrite("conftest_app")
from conftest_app import TAM_DAO, VINH_YEN, session_for  # noqa: E402

from app import changes as C  # noqa: E402
from app import queries as q  # noqa: E402
from etl.pipeline import Progress, run  # noqa: E402
from etl.settings import load_settings, save_province  # noqa: E402
from etl.snapshots import current_snapshot  # noqa: E402

pytest_plugins = ["conftest_app"]

A_DAY, B_DAY = dt.date(2022, 3, 10), dt.date(2022, 3, 14)
LABEL = "Giao ban BCĐ tỉnh 11/03/2022"


def first_run(inbox) -> None:
    population_csv(inbox / "population/dan_so.csv", [
        [TICH_SON, "đầu kỳ", 10000, 7000, 900, 1100, "Tổng điều tra 2019"],
        [LIEN_BAO, "đầu kỳ", 20000, 14000, 1800, 2200, "Tổng điều tra 2019"],
        [DAO_TRU, "đầu kỳ", 5000, 3500, 450, 550, "Tổng điều tra 2019"],
    ])
    platform_csv(inbox / "platform/xuat_1.csv", [
        [TICH_SON, "03/01/2022", "18+", 1, "Pfizer", 6000], [LIEN_BAO, "03/01/2022", "18+", 1, "Pfizer", 12000],
        [DAO_TRU, "03/01/2022", "18+", 1, "Pfizer", 3000],
        [DAO_TRU, "04/01/2022", "5-11", 1, "Pfizer", 550],
        [TICH_SON, "01/02/2022", "18+", 2, "Pfizer", 5000], [LIEN_BAO, "01/02/2022", "18+", 2, "Pfizer", 10000],
        [DAO_TRU, "01/02/2022", "18+", 2, "Pfizer", 2000],
        [DAO_TRU, "05/03/2022", "5-11", 2, "Pfizer", 100],
        [DAO_TRU, "10/03/2022", "18+", 1, "Pfizer", 10],
    ], when=dt.datetime(2022, 3, 10, 18, 0))
    cases_csv(inbox / "cases/ca_benh_1.csv", [
        [commune, f"{day:02d}/03/2022", new, 0, new, 0, 0, 0, 0, new, new]
        for day in range(1, 11) for commune, new in ((TICH_SON, 10), (LIEN_BAO, 0), (DAO_TRU, 2))
    ], when=dt.datetime(2022, 3, 10, 20, 0))


def second_run(inbox) -> None:
    platform_csv(inbox / "platform/xuat_2.csv", [
        [DAO_TRU, "04/01/2022", "5-11", 1, "Pfizer", 550], [DAO_TRU, "04/01/2022", "12-17", 1, "Pfizer", 450],
        [TICH_SON, "01/02/2022", "18+", 2, "Pfizer", 5000], [LIEN_BAO, "01/02/2022", "18+", 2, "Pfizer", 10500],
        [DAO_TRU, "01/02/2022", "18+", 2, "Pfizer", 2000], [DAO_TRU, "01/02/2022", "12-17", 2, "Pfizer", 450],
        [LIEN_BAO, "12/03/2022", "18+", 1, "Pfizer", 3000], [LIEN_BAO, "12/03/2022", "18+", 2, "Pfizer", 4450],
        [DAO_TRU, "14/03/2022", "18+", 1, "Pfizer", 10],
    ], when=dt.datetime(2022, 3, 14, 18, 0))
    cases_csv(inbox / "cases/ca_benh_2.csv", [
        [commune, f"{day:02d}/03/2022", new, 0, new, 0, 0, 0, 0, new, new]
        for day in range(8, 15)
        for commune, new in ((TICH_SON, 30 if day == 9 else 10 if day <= 10 else 20), (LIEN_BAO, 0), (DAO_TRU, 2))
    ], when=dt.datetime(2022, 3, 14, 20, 0))


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    """(settings, snapshot A, snapshot B), A pinned by a briefing held on 11/03/2022 with data to 10/03/2022."""
    settings = load_settings(tmp_path_factory.mktemp("changes") / "data", province="26")
    save_province(settings)
    first_run(settings.inbox)
    assert run(settings, Progress(sink=lambda line: None)).snapshot
    a = str(current_snapshot(settings))
    session_for("committee", "kiemthu.giaoban", data_dir=settings.data_dir)
    from app.briefing_queue import state_of

    state_of(settings).briefing_create(login="kiemthu.giaoban", address=None, province_code="26",
                                       held_on=dt.date(2022, 3, 11), label=LABEL, as_of=A_DAY,
                                       snapshot=a.rsplit("/", 1)[-1])
    second_run(settings.inbox)
    assert run(settings, Progress(sink=lambda line: None)).snapshot
    b = str(current_snapshot(settings))
    assert a != b
    return settings, a, b


def whole(two) -> C.Changes:
    settings, a, b = two
    return C.compare(a, A_DAY, LABEL, b, B_DAY, q.all_districts(b))


def test_the_default_baseline_is_the_last_briefing_before(two):
    settings, a, b = two
    base = C.last_briefing(settings, "26", as_of=B_DAY, later=b)
    assert (base.snapshot, base.as_of, base.label, base.reason) == (a, A_DAY, LABEL, None)
    # nothing before it: a briefing's own day and earlier data have no briefing before them
    assert C.last_briefing(settings, "26", as_of=dt.date(2022, 3, 9)).reason == C.NO_BRIEFING
    assert C.last_briefing(settings, "26", before_briefing=base.briefing_id).snapshot is None
    assert C.last_briefing(settings, "26", held_before=dt.date(2022, 3, 11)).reason == C.NO_BRIEFING
    assert C.last_briefing(settings, "26", as_of=A_DAY, later=a).snapshot is None  # the same snapshot and date


def rows(frame, *columns) -> list[tuple]:
    return [tuple(r) for r in frame[list(columns)].itertuples(index=False)]


def test_a_status_change_is_listed_with_both_statuses(two):
    ch = whole(two)
    assert ch.reason is None and ch.total == "26" and list(ch.names)[-1] == "26"
    assert rows(ch.statuses, "unit_name", "about", "text_before", "text_after") == [
        ("Thành phố Vĩnh Yên", "18+ mũi 2, hạn 31/12/2021", "trễ hạn", "trễ hạn — đạt ngày 12/03/2022, trễ 71 ngày"),
        ("Huyện Tam Đảo", "12–17 mũi 2, hạn 31/03/2022", "có nguy cơ trễ hạn", "đạt"),
        ("Huyện Tam Đảo", "12–17 mũi 2, hạn ban đầu 31/01/2022, điều chỉnh 28/02/2022", "trễ hạn", "đạt"),
        ("Huyện Tam Đảo", "5–11 mũi 2, hạn 30/06/2022", "đúng tiến độ", "có nguy cơ trễ hạn"),
    ]


def test_coverage_changes_with_both_values(two):
    ch = whole(two)
    got = {(u, lab): (b, a, c) for u, lab, b, a, c in rows(ch.coverage, "unit_code", "label", "coverage_pct_before",
                                                              "coverage_pct_after", "change_text")}
    assert got[(VINH_YEN, "18+ mũi 2")] == (round(100 * 15000 / 21000, 2), 95.0, "+23,57") == (71.43, 95.0, "+23,57")
    assert got[("26", "18+ mũi 2")] == (round(100 * 17000 / 24500, 2), round(100 * 21950 / 24500, 2), "+20,20")
    assert got[(TAM_DAO, "12–17 mũi 2")] == (0.0, 100.0, "+100,00")
    # the total is the overview's headline, the district "Huyện của tôi"'s: the same query on each side
    for code, scope in ((VINH_YEN, (VINH_YEN,)), ("26", q.all_districts(two[2]))):
        head = q.coverage_headline(two[2], scope, B_DAY, "start")
        mine = ch.coverage[ch.coverage["unit_code"] == code]
        assert list(mine["coverage_pct_after"]) == list(head["coverage_pct"])
    assert "244" not in set(ch.coverage["unit_code"])  # Phúc Yên has no population: nothing to compare


def test_the_f0_rate_changes_with_its_direction(two):
    ch = whole(two)
    assert rows(ch.f0, "unit_name", "rate_before", "rate_after", "change_text", "direction") == [  # the total first
        ("Tỉnh Vĩnh Phúc", 240.0, round(144 / 35000 * 1e5, 1), "+171,4", "up"),
        ("Thành phố Vĩnh Yên", round(70 / 30000 * 1e5, 1), round(130 / 30000 * 1e5, 1), "+200,0", "up"),
        ("Huyện Tam Đảo", 280.0, 280.0, "±0,0", "flat"),
    ]
    assert rows(ch.f0, "rate_before", "rate_after")[1] == (233.3, 433.3)
    # each unit's rate is the F0 table's (cases_units: the province's row, each district's)
    units = q.cases_units(two[2], q.all_districts(two[2]), B_DAY).set_index("unit_code")
    for code, rate in rows(ch.f0, "unit_code", "rate_after"):
        assert units.loc[code, "new_f0_7d_per_100k_by_report_date"] == rate


def test_new_and_resolved_exceptions(two):
    ch = whole(two)
    assert rows(ch.new_exceptions, "unit_name", "about", "text_before", "text_after") == [
        ("Huyện Tam Đảo", "5–11 mũi 2, hạn 30/06/2022", "đúng tiến độ", "có nguy cơ trễ hạn")]
    assert rows(ch.resolved_exceptions, "unit_name", "target_id", "text_after") == [
        ("Huyện Tam Đảo", "du_mui_12_17_quy1_2022", "đạt"), ("Huyện Tam Đảo", "mui2_12_17_01_2022", "đạt")]
    # keyed as the overview's exceptions are: on each side, the scoped query's rows
    _, a, b = two
    for snapshot, day, listed, absent in ((b, B_DAY, ch.new_exceptions, ch.resolved_exceptions),
                                          (a, A_DAY, ch.resolved_exceptions, ch.new_exceptions)):
        keys = set(zip(*(q.deadline_exceptions(snapshot, q.all_districts(b), day)[c] for c in ("unit_code",
                                                                                               "target_id"))))
        assert set(rows(listed, "unit_code", "target_id")) <= keys
        assert not set(rows(absent, "unit_code", "target_id")) & keys


def test_a_revision_between_two_snapshots_is_listed_with_both_values(two):
    ch = whole(two)
    assert rows(ch.revisions, "day", "unit_name", "what", "before", "after", "change_text", "file_name") == [
        (dt.date(2022, 1, 4), "Huyện Tam Đảo", "Số mũi tiêm 12–17 mũi 1", 0, 450, "+450", "xuat_2.csv"),
        (dt.date(2022, 2, 1), "Thành phố Vĩnh Yên", "Số mũi tiêm 18+ mũi 2", 15000, 15500, "+500", "xuat_2.csv"),
        (dt.date(2022, 2, 1), "Huyện Tam Đảo", "Số mũi tiêm 12–17 mũi 2", 0, 450, "+450", "xuat_2.csv"),
        (dt.date(2022, 3, 9), "Thành phố Vĩnh Yên", "F0 mới", 10, 30, "+20", "ca_benh_2.csv"),
    ]
    assert str(ch.revisions["received_at"].iloc[-1]) == "2022-03-14 20:00:00"
    # days after the earlier as-of date are new, not revised: 11–14/03 are in the later snapshot only
    assert max(ch.revisions["day"]) <= A_DAY


def test_a_definition_change_is_never_a_revision(two, monkeypatch):
    """Snapshots of another model version are not compared: the older one waits for its copy (etl.copies)."""
    from etl import copies

    _, a, b = two
    monkeypatch.setattr(C, "MODEL_VERSION", "another-version")
    monkeypatch.setattr(copies, "MODEL_VERSION", "another-version")
    ch = C.compare(a, A_DAY, LABEL, b, B_DAY, (VINH_YEN,), "kiểm thử phiên bản")
    assert ch.reason and "phiên bản" in ch.reason and ch.revisions.empty and ch.statuses.empty
    base = C.last_briefing(two[0], "26", as_of=B_DAY, later=b, ask=False)
    assert base.snapshot is None and base.as_of == A_DAY and "phiên bản cũ" in base.reason
    assert copies.status(two[0], base.snapshot_name) in base.reason  # where its copy stands


def test_a_members_comparison_holds_nothing_outside_their_districts(two):
    _, a, b = two
    ch = C.compare(a, A_DAY, LABEL, b, B_DAY, (VINH_YEN,))
    assert ch.names == {VINH_YEN: "Thành phố Vĩnh Yên"} and ch.total is None
    for frame in (ch.statuses, ch.coverage, ch.f0, ch.new_exceptions, ch.resolved_exceptions, ch.revisions):
        assert set(frame["unit_code"]) <= {VINH_YEN}
        assert "Tam Đảo" not in frame.to_csv() and "Vĩnh Phúc" not in frame.to_csv()
    assert len(ch.revisions) == 2 and len(ch.statuses) == 1 and len(ch.f0) == 1
    # two districts: each, and their sum (never the province's)
    pair = C.compare(a, A_DAY, LABEL, b, B_DAY, (VINH_YEN, "244"))
    assert pair.total == f"{VINH_YEN}+244" and pair.names[pair.total] == "Cộng các huyện"
    assert rows(pair.f0, "unit_code", "rate_after") == [(pair.total, 433.3), (VINH_YEN, 433.3)]
    assert "26" not in set(pair.statuses["unit_code"]) | set(pair.coverage["unit_code"])


def words(text: str) -> str:
    return " ".join(text.split())


def section_of(pdf: bytes) -> str:
    text = words(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages))
    assert "8. Thay đổi từ buổi giao ban trước" in text
    return text[text.index("8. Thay đổi từ buổi giao ban trước"):]


def test_the_packs_section_says_what_the_comparison_says(two):
    from app import formatting as F
    from app.briefing import build_pack

    settings, a, b = two
    since = C.last_briefing(settings, "26", as_of=B_DAY, later=b)
    text = section_of(build_pack(b, q.all_districts(b), B_DAY, generated_at=dt.datetime(2022, 3, 14, 21),
                                 since=since))
    ch = whole(two)
    assert f"«{LABEL}»: số liệu đến ngày 10/03/2022 (bản dữ liệu {ch.earlier.run_id})" in text
    assert f"Chỉ tiêu đổi tình trạng ({len(ch.statuses)})" in text
    for r in ch.statuses.itertuples():
        assert f"{r.unit_name} {r.about} {r.text_before} {r.text_after}" in text
    assert "Việc cần xử lý mới: chỉ tiêu mới trễ hạn hoặc có nguy cơ trễ hạn (1)" in text
    assert "Huyện Tam Đảo 5–11 mũi 2, hạn 30/06/2022 đúng tiến độ có nguy cơ trễ hạn" in text
    for r in ch.coverage[(ch.coverage["unit_code"] == "26") | (ch.coverage["change_pp"] != 0)].itertuples():
        assert f"{r.unit_name} {r.label} {F.pct(r.coverage_pct_before)} {F.pct(r.coverage_pct_after)} " \
               f"{r.change_text}" in text
    assert "Thành phố Vĩnh Yên 18+ mũi 2 71,43% 95,00% +23,57" in text
    for r in ch.f0.itertuples():
        assert (f"{r.unit_name} 10/03/2022 {F.num(r.rate_before, 1)} 14/03/2022 {F.num(r.rate_after, 1)} "
                f"{r.change_text} {F.TREND_ARROW[r.direction]}") in text
    assert "Tỉnh Vĩnh Phúc 10/03/2022 240,0 14/03/2022 411,4 +171,4 ▲ tăng" in text
    assert f"Số liệu đã báo cáo được sửa ({len(ch.revisions)})" in text
    for r in ch.revisions.itertuples():
        assert (f"{F.date(r.day)} {r.unit_name} {r.what} {F.num(r.before)} {F.num(r.after)} {r.change_text} "
                f"{r.file_name} {F.datetime(r.received_at)}") in text
    assert "01/02/2022 Thành phố Vĩnh Yên Số mũi tiêm 18+ mũi 2 15.000 15.500 +500 xuat_2.csv 18:00 14/03/2022" in text


def test_a_members_pack_section_holds_only_their_district_and_no_baseline_says_so(two):
    from app.briefing import build_pack

    settings, a, b = two
    since = C.last_briefing(settings, "26", as_of=B_DAY, later=b)
    text = section_of(build_pack(b, (VINH_YEN,), B_DAY, generated_at=dt.datetime(2022, 3, 14, 21), since=since))
    assert "09/03/2022 Thành phố Vĩnh Yên F0 mới 10 30 +20 ca_benh_2.csv" in text
    body = text[:text.index("Tỉnh Vĩnh Phúc · số liệu đến ngày")]  # the page's stamp names the province
    assert "Tam Đảo" not in body and "Vĩnh Phúc" not in body and "Số liệu đã báo cáo được sửa (2)" in body
    alone = section_of(build_pack(b, (VINH_YEN,), B_DAY, generated_at=dt.datetime(2022, 3, 14, 21)))
    assert alone.startswith("8. Thay đổi từ buổi giao ban trước Không có buổi giao ban nào trước để so sánh.")


def test_huyen_cua_toi_shows_the_changes_of_the_district_since_the_last_briefing(two, use_data):
    from conftest_app import open_page, table, texts

    settings, a, b = two
    use_data(settings.data_dir)
    at = open_page("pages/8_Huyen_cua_toi.py", role="district", login="kiemthu.vy", district=VINH_YEN)
    shown = texts(at)
    assert "Thay đổi từ buổi giao ban trước" in shown and f"«{LABEL}»" in shown and "Tam Đảo" not in shown
    revised = table(at, f"since_{VINH_YEN}_revisions")
    assert [tuple(r) for r in revised[["Số liệu", "Buổi trước", "Nay", "Tệp gửi lại"]].itertuples(index=False)] == [
        ("Số mũi tiêm 18+ mũi 2", 15000, 15500, "xuat_2.csv"), ("F0 mới", 10, 30, "ca_benh_2.csv")]
    statuses = table(at, f"since_{VINH_YEN}_statuses")
    assert list(statuses.iloc[0]) == ["Thành phố Vĩnh Yên", "18+ mũi 2, hạn 31/12/2021", "trễ hạn",
                                      "trễ hạn — đạt ngày 12/03/2022, trễ 71 ngày"]
    f0 = table(at, f"since_{VINH_YEN}_f0")
    assert list(f0[["Buổi trước", "Nay", "Thay đổi", "Chiều"]].iloc[0]) == [233.3, 433.3, "+200,0", "▲ tăng"]


def test_giao_ban_compares_the_briefing_with_now_and_with_the_briefing_before(two, use_data):
    """The page "Giao ban", briefing of 11/03 (data to 10/03) picked: by default from it to the data viewed (14/03),
    the same revisions as the pack and "Huyện của tôi"; then from the briefing before it, of which there is none."""
    from conftest_app import open_page, table, texts

    settings, a, b = two
    use_data(settings.data_dir)
    at = open_page("pages/11_Giao_ban.py", role="committee", login="kiemthu.giaoban")
    shown = texts(at)
    assert "Thay đổi từ buổi giao ban trước" in shown and "**14/03/2022**" in shown and "**10/03/2022**" in shown
    revised = table(at, "giaoban_since_revisions")
    expected = whole(two).revisions
    assert len(revised) == len(expected) and list(revised["Buổi trước"]) == list(expected["before"])
    at.radio(key="briefing_since").set_value("truoc_do").run()
    assert C.NO_BRIEFING in texts(at)
    with pytest.raises(AssertionError, match="no table"):
        table(at, "giaoban_since_revisions")
