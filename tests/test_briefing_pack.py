"""The briefing pack (app/briefing.py) on the hand-made warehouse of conftest_app: its figures are the pages' for the
same snapshot, scope and date (the pages read through AppTest, the pack through its PDF's own text), its font is
embedded and its Vietnamese reads back, its map and chart are vector, a district's pack holds nothing of another
district, and the command line applies the account's scope and writes the audit entry.

Hand-made figures (tests/test_app_pages.py has the sums): 18+ coverage 90,20% / 71,43% / 4,08% on 10/03/2022; 20 new
F0 on 14/03/2022 at Tích Sơn (Thành phố Vĩnh Yên), none in Huyện Tam Đảo; facilities F01 (Vĩnh Yên) 120 patients for
a quota of 100, F02 (Tam Đảo) 20 for 50; stock 1.000 Pfizer (province store) + 450 Moderna (Vĩnh Yên).
"""
from __future__ import annotations

import datetime as dt
import io
import re
import unicodedata

import pypdf
import pytest

pytest.register_assert_rewrite("conftest_app")
from conftest_app import TAM_DAO, VINH_YEN, excel, open_page, table  # noqa: E402

from app import formatting as F  # noqa: E402
from app import queries as q  # noqa: E402
from app.briefing import build_pack  # noqa: E402
from etl.settings import load_settings  # noqa: E402

pytest_plugins = ["conftest_app"]

OVERVIEW = "pages/1_Tong_quan.py"
MY_DISTRICTS = "pages/8_Huyen_cua_toi.py"
AS_OF = dt.date(2022, 3, 14)
GENERATED = dt.datetime(2022, 3, 14, 21, 30)


@pytest.fixture
def app(use_data, app_data):
    return use_data(app_data)


def snapshot_of(data_dir) -> str:
    return q.snapshot_path(load_settings(data_dir))


def pack(data_dir, scope: tuple[str, ...] | None = None, as_of: dt.date = AS_OF) -> bytes:
    snapshot = snapshot_of(data_dir)
    return build_pack(snapshot, scope or q.all_districts(snapshot), as_of, generated_at=GENERATED,
                      requested_by="kiemthu")


def pages_of(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in pypdf.PdfReader(io.BytesIO(pdf)).pages]


def words(text: str) -> str:
    """The text with every run of white space one space (a cell or a sentence may wrap in the PDF)."""
    return " ".join(text.split())


def after(text: str, heading: str) -> str:
    """The text from a heading of the pack on."""
    assert heading in text, heading
    return text[text.index(heading):]


def metric(at, label):
    found = [m for m in at.metric if m.label == label]
    assert found, [m.label for m in at.metric]
    return found[0]


def test_the_province_pack_says_what_the_overview_says(app):
    at = open_page(OVERVIEW)
    text = words(" ".join(pages_of(pack(app))))
    # the headline in the committee's form, word for word
    head = [m.value for m in at.markdown if m.value.startswith("#### ")]
    assert f"Tiêm chủng: {head[0][5:]}" in text
    # each cohort × dose: the overview's coverage and its change over 7 days, in the row of the pack's table
    cohorts = [m for m in at.metric if re.fullmatch(r"(18\+|12–17|5–11) mũi \d", m.label)]
    assert len(cohorts) == 7
    for m in cohorts:
        row = re.search(rf"{re.escape(m.label)} [\d.]+ [\d.]+ (\S+) (\S+)", text)
        assert row and row.groups() == (m.value, m.delta.split()[0]), m.label
    # F0: the same figures under the same names
    for label in ("F0 mới ngày 14/03/2022", "Trung bình 7 ngày (lùi)", "Xu hướng 7 ngày", "F0 7 ngày /100.000 dân"):
        assert f"{label} {metric(at, label).value} " in text, label
    assert metric(at, "F0 7 ngày /100.000 dân").value == "400,0"
    gap = re.search(r"chưa được cấp thuốc: \*\*(\S+)\*\* \((\S+)\)", " ".join(w.value for w in at.warning))
    assert f"F0 chưa được cấp thuốc {gap[1]} ({gap[2]}) tăng so với hôm trước ở: Thành phố Vĩnh Yên" in text
    # the treatment split of seed 001: 40 at home, 5 in facilities of 45 (88,89% and 11,11%)
    assert "F0 đang điều trị 45 tại nhà 40 (88,89%), tại cơ sở y tế 5 (11,11%)" in text
    # facilities: the overview's card (140 of 150 beds, 93,33%, one facility over its quota)
    card = metric(at, "Cơ sở của tỉnh và huyện: đang điều trị so với định mức")
    occupied, quota, over = re.fullmatch(r"(\S+) / (\S+) giường; (\d+) cơ sở vượt", card.delta).groups()
    row = re.search(r"Cơ sở của tỉnh và huyện \d+ \d+ (\S+) \S+ (\S+) (\S+) \S+ (\d+)", text)
    assert row.groups() == (quota, occupied, card.value, over) == ("150", "140", "93,33%", "1")
    # stock: the overview's three cards in one sentence
    soonest = metric(at, "Lô hết hạn sớm nhất")
    assert (f"Liều vắc xin còn hạn: {metric(at, 'Liều vắc xin còn hạn').value}; lô hết hạn sớm nhất: "
            f"{soonest.value} (Pfizer lô FK1, Kho tỉnh (CDC)); liều có thể hết hạn chưa dùng: "
            f"{metric(at, 'Liều có thể hết hạn chưa dùng').value} (1 lô).") in text


def test_the_province_packs_exceptions_are_the_overviews_rows(app):
    at = open_page(OVERVIEW)
    text = words(" ".join(pages_of(pack(app))))
    # every row of the overview's deadline table (its Excel file: the screen shows the first 10 of 18)
    deadlines = excel(at, "exc_deadlines")
    missed = (deadlines["Tình trạng"] == "trễ hạn").sum()
    assert (len(deadlines), missed) == (18, 6)
    assert (f"Chỉ tiêu tiêm chủng trễ hạn hoặc có nguy cơ trễ hạn ({len(deadlines)}: trễ hạn {missed}, có nguy cơ "
            f"{len(deadlines) - missed})") in text
    for r in deadlines.to_dict("records"):
        assert (f"{r['Chỉ tiêu']} {r['Đơn vị']} {r['Tình trạng']} {F.date(r['Hạn'])} {F.pct(r['Yêu cầu'])} "
                f"{F.pct(r['Đã đạt'])} {F.num(r['Còn thiếu (người)'])} {F.date(r['Dự kiến đạt'])}") in text, r
    for r in table(at, "exc_facilities").to_dict("records"):
        assert (f"{r['Cơ sở']} {r['Địa bàn']} {F.num(r['Đang điều trị'])} {F.num(r['Định mức'])} "
                f"{F.pct(r['% định mức'])} vượt định mức") in text
    for r in table(at, "exc_lots").to_dict("records"):
        assert (f"{r['Kho']} {r['Vắc xin']} {r['Số lô']} {F.date(r['Hạn dùng'])} {F.num(r['Liều còn'])} "
                f"{F.num(r['Có nguy cơ hủy'])}") in text
    rec = excel(at, "exc_reconciliation")
    assert len(rec) == 3
    for r in rec.to_dict("records"):
        assert (f"{r['Huyện']} {F.date(r['Ngày báo cáo'])} {r['Nhóm tuổi']} {r['Mũi']} {F.num(r['Huyện báo cáo'])} "
                f"{F.num(r['Nền tảng'])} {F.pct(r['Báo cáo / nền tảng'])}") in text
    # the pack's tables add up to the overview's totals: patients in every facility, doses of every vaccine
    facilities = re.findall(r"(?:Bệnh viện dã chiến số 1|Khu điều trị tập trung Tam Đảo) (?:Thành phố Vĩnh Yên|Huyện "
                            r"Tam Đảo) ([\d.]+) ([\d.]+) ", after(text, "Từng cơ sở (2 cơ sở)"))
    assert len(facilities) == 2
    assert metric(at, "Cơ sở của tỉnh và huyện: đang điều trị so với định mức").delta.startswith(
        f"{F.num(sum(int(o) for o, _ in facilities))} / {F.num(sum(int(b) for _, b in facilities))} giường")
    doses = re.findall(r"(?:Pfizer|Moderna) ([\d.]+) \d\d/\d\d/\d{4}", after(text, "7. Vắc xin tồn kho"))
    assert F.num(sum(int(d.replace(".", "")) for d in doses)) == metric(at, "Liều vắc xin còn hạn").value == "1.450"


def test_every_page_is_stamped_and_numbered_and_the_font_embedded(app):
    pdf = pack(app)
    reader = pypdf.PdfReader(io.BytesIO(pdf))
    pages = [page.extract_text() for page in reader.pages]
    run_id = q.snapshot_meta(snapshot_of(app), q.all_districts(snapshot_of(app)))["run_id"]
    for number, text in enumerate(pages, start=1):
        stamp = words(text)
        assert "Phạm vi: Toàn tỉnh" in stamp and f"Trang {number}/{len(pages)}" in stamp
        assert (f"Tỉnh Vĩnh Phúc · số liệu đến ngày 14/03/2022 · bản dữ liệu {run_id} · tạo lúc 21:30 14/03/2022 bởi "
                "kiemthu") in stamp
    assert len(pages) >= 4 and len(pdf) < 5 * 2**20
    assert pack(app) == pdf  # the same snapshot, scope, date and generation time: the same bytes
    fonts = {}
    for page in reader.pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
            fonts[font["/BaseFont"].split("+")[-1]] = "/FontFile2" in descriptor
    # subsets of the shipped fonts, every one embedded: Noto Sans for the text, DejaVu Sans for ≥ ▲ ▼ ►
    assert {"NotoSans-Regular", "NotoSans-Bold", "DejaVuSans"} <= set(fonts) and all(fonts.values())
    text = words(" ".join(pages))
    assert unicodedata.normalize("NFC", text) == text  # each letter one code point, its marks included
    for phrase in ("Chỉ tiêu tiêm chủng trễ hạn hoặc có nguy cơ trễ hạn", "Ủy viên phụ trách", "Bí thư huyện ủy",
                   "Dân số đầu kỳ", "Cơ sở điều trị vượt định mức giường", "Đã tiêm ≥ mũi", "Huyện Tam Đảo",
                   "Lô vắc xin sẽ hết hạn trước khi dùng hết", "(▲ tăng là xấu)"):
        assert phrase in text, phrase


def test_the_maps_and_the_chart_are_vector_with_every_district_named(app):
    pdf = pack(app)
    reader = pypdf.PdfReader(io.BytesIO(pdf))

    def images(resources, seen) -> int:
        found = 0
        for xobject in (resources or {}).get("/XObject", {}).values():
            xobject = xobject.get_object()
            if id(xobject) in seen:
                continue
            seen.add(id(xobject))
            found += xobject.get("/Subtype") == "/Image"
            found += images(xobject.get("/Resources"), seen)
        return found

    assert sum(images(page["/Resources"], set()) for page in reader.pages) == 0
    # the maps' labels are text: every district of the province by the name maps print (TP. Vĩnh Yên, Tam Đảo …)
    map_page = next(words(p.extract_text()) for p in reader.pages if "3. Bản đồ bao phủ tiêm chủng" in p.extract_text())
    names = q.districts(snapshot_of(app), q.all_districts(snapshot_of(app)))["district_name"]
    assert len(names) == 9
    for name in names:
        short = re.sub(r"^(Thành phố |Huyện )", lambda m: "TP. " if m[1] == "Thành phố " else "", name)
        assert short in map_page, short
    assert "Tỷ lệ bao phủ 12–17 mũi 2 theo huyện" in map_page  # the nearest target still ahead: 12–17 mũi 2, 31/03
    text = words(" ".join(p.extract_text() for p in reader.pages))
    assert "F0 mới 7 ngày /100.000 dân theo huyện" in text and "Ngày báo cáo" in text


def test_the_f0_curve_marks_the_days_still_filling(use_data, complete_data):
    """01–14/03 complete, 15/03 only Tích Sơn so far: one hatched bar, the days named under the chart."""
    from app.briefing_chart import f0_svg

    data = use_data(complete_data)
    snapshot = snapshot_of(data)
    day = dt.date(2022, 3, 15)
    svg = f0_svg(q.cases_trend(snapshot, q.all_districts(snapshot), day, 90))
    assert svg.count('fill="url(#f0-mo)"') == 2  # the bar of 15/03 and its legend swatch
    assert "nền xám: chưa đủ xã báo cáo" in svg and "stroke-dasharray" in svg
    text = words(" ".join(pages_of(pack(data, as_of=day))))
    assert "Chưa đủ báo cáo: 1 ngày, gần nhất 15/03/2022." in text
    assert "F0 mới ngày 15/03/2022 5 chưa đủ xã báo cáo" in text


def test_a_district_pack_is_huyen_cua_toi_and_holds_nothing_of_another_district(app):
    at = open_page(MY_DISTRICTS, role="district", login="kiemthu.vinhyen.pack", district=VINH_YEN)
    pages = pages_of(pack(app, (VINH_YEN,)))
    text = words(" ".join(pages))
    assert "Phạm vi: Thành phố Vĩnh Yên" in text and "Tiêm chủng: 18+ mũi 1 90,95%" in text
    rows = excel(at, f"my_deadlines_{VINH_YEN}").to_dict("records")
    assert len(rows) == 6 and f"trễ hạn hoặc có nguy cơ trễ hạn ({len(rows)}: trễ hạn 2, có nguy cơ 4)" in text
    for r in rows:
        assert (f"{r['Chỉ tiêu']} Thành phố Vĩnh Yên {r['Tình trạng']} {F.date(r['Hạn'])} {F.pct(r['Yêu cầu'])} "
                f"{F.pct(r['Đã đạt'])} {F.num(r['Còn thiếu (người)'])}") in text, r
    # the district's communes on its maps, named
    assert "Tỷ lệ bao phủ 12–17 mũi 2 theo xã" in text and "P. Tích Sơn" in text and "P. Liên Bảo" in text
    # nothing of another district, nor of the province's own rows, store or facilities: the province's name only in
    # the stamp of every page
    snapshot = snapshot_of(app)
    others = q.districts(snapshot, q.all_districts(snapshot))
    others = others[others["district_code"] != VINH_YEN]["district_name"]
    for name in [*others, *(re.sub(r"^(Thành phố|Huyện) ", "", n) for n in others), "Đạo Trù", "Kho tỉnh"]:
        assert name not in text, name
    body = [line for page in pages for line in page.splitlines()
            if not line.startswith(("Ban Chỉ đạo phòng, chống dịch COVID-19 Tỉnh Vĩnh Phúc",
                                    "BAN CHỈ ĐẠO PHÒNG, CHỐNG DỊCH COVID-19 TỈNH VĨNH PHÚC",
                                    "Tỉnh Vĩnh Phúc · số liệu đến ngày"))]
    assert not [line for line in body if "Vĩnh Phúc" in line]
    # the district's own facility and store only: F01 (120 patients) and Moderna MD1 (450 doses)
    assert "Bệnh viện dã chiến số 1 Thành phố Vĩnh Yên 120 100 120,00%" in text
    assert "Thành phố Vĩnh Yên Moderna MD1 31/12/2022 450" in text


def test_two_districts_pack_holds_both_and_no_other(app):
    """A member's pack: the districts assigned, each beside the other, the rest of the province absent."""
    text = words(" ".join(pages_of(pack(app, (VINH_YEN, TAM_DAO)))))
    assert "Phạm vi: Thành phố Vĩnh Yên, Huyện Tam Đảo" in text
    assert "Khu điều trị tập trung Tam Đảo Huyện Tam Đảo 20 50 40,00%" in text
    for name in ("Phúc Yên", "Lập Thạch", "Tam Dương", "Bình Xuyên", "Yên Lạc", "Vĩnh Tường", "Sông Lô", "Kho tỉnh"):
        assert name not in text, name
    # the headline is the two districts' sum: 19.100 + 3.000 people with dose 1 of 21.000 + 3.500
    assert "18+ mũi 1 22.100 24.500 90,20%" in text
