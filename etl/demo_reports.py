"""District report forms (biểu mẫu) of the demo: one workbook per district per weekly report date.

Each district types its form its own way, as real districts do: unit names with or without diacritics or
abbreviated, GSO codes, numbers as Vietnamese text, a report date typed as text or as a date cell, legacy
TCVN3/VNI fonts. The figures follow the platform within a few % for most communes, 12–25% off for a few, and
one district inflates dose 3.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from etl import contracts as C
from etl.demo_base import Province, Receipts, base_name, commune_label, district_label, dmy, rng_for, vn_number
from etl.demo_vax import Vax

REPORT_DATES = [dt.date(2022, 4, 25) + dt.timedelta(weeks=k) for k in range(10)]
DOSE_COLS = {("18+", k): f"d18_{k}" for k in (1, 2, 3, 4)} | {("12-17", 1): "d12_1", ("12-17", 2): "d12_2"} \
    | {("5-11", 1): "d5_1", ("5-11", 2): "d5_2"}
REASON_SHARES = (0.35, 0.25, 0.15, 0.25)
POP_SUFFIX = {"18+": "18", "12-17": "12_17", "5-11": "5_11"}
# Cells a district corrects in a re-sent form (positions after the commune column): d18_2, d18_3, d12_2, d5_1
# and two priority-group counts; dose 1 and the reasons stay as sent, so "reasons = unvaccinated" holds in both.
SLIP_COLUMNS = (7, 8, 11, 13, 19, 20)


@dataclass(frozen=True)
class Style:
    unit_title: str = "full"       # full | short | ascii
    date_cell: bool = False        # report date in its own date cell instead of text
    commune: str = "full"          # how communes are written (see demo_base.commune_label)
    encoding: str | None = None    # tcvn3 | vni
    text_numbers: float = 0.0      # share of number cells typed as Vietnamese text ("1.234")
    header_variant: int = 0        # which alias spelling of the headers
    blanks: bool = False           # a few cells left empty
    decimal_comma: bool = False    # a count typed as "12,0"
    inflate_d3: bool = False       # dose 3 reported above the platform


# Vĩnh Phúc: which district types its form how. The mountain districts 248/253 also lag on coverage, and
# Sông Lô hides its booster lag by over-reporting dose 3.
VP_STYLES = {
    "243": Style(unit_title="short", date_cell=True, commune="short"),
    "244": Style(commune="code", text_numbers=1.0),
    "246": Style(encoding="tcvn3", header_variant=1),
    "247": Style(unit_title="ascii", commune="ascii", blanks=True),
    "248": Style(unit_title="short", date_cell=True),
    "249": Style(header_variant=1, decimal_comma=True, commune="short"),
    "251": Style(encoding="vni", header_variant=1, date_cell=True),
    "252": Style(commune="plain", blanks=True),
    "253": Style(text_numbers=0.2, blanks=True, inflate_d3=True),
}
VP_MISSING = ("248", dt.date(2022, 5, 16))
VP_LATE = ("252", dt.date(2022, 5, 30))
VP_RESENT = (("247", dt.date(2022, 5, 9)), ("253", dt.date(2022, 6, 13)), ("244", dt.date(2022, 6, 27)))


def _styles(province: Province) -> dict[str, Style]:
    if province.calibrated:
        return VP_STYLES
    cycle = list(VP_STYLES.values())
    return {code: cycle[k % len(cycle)] for k, code in enumerate(province.districts["code"])}


def _incidents(province: Province):
    if province.calibrated:
        return VP_MISSING, VP_LATE, VP_RESENT
    codes = list(province.districts["code"])
    missing, late, *resent = [(codes[k % len(codes)], REPORT_DATES[w]) for k, w in ((4, 3), (7, 5), (3, 2), (8, 7), (1, 9))]
    return missing, late, tuple(resent)


def _header(column: C.Column, variant: int) -> tuple[str | None, str]:
    """(group, label) for the sheet: the contract alias 'Group › Label' split over two header rows.
    Variant 1 picks spellings without '≥', which legacy TCVN3/VNI fonts cannot type."""
    pairs = [a.split(" › ") for a in column.aliases]
    if len(pairs[0]) == 1:
        return None, pairs[0][0]
    groups = list(dict.fromkeys(g for g, _ in pairs))
    if len(groups) == 1:
        return groups[0], pairs[min(2 * variant, len(pairs) - 1)][1]
    group = groups[min(variant, len(groups) - 1)]
    return group, next(lab for g, lab in pairs if g == group)


def report_values(province: Province, vax: Vax, seed: int) -> dict[tuple[str, dt.date], np.ndarray]:
    """(district, report date) -> (communes of the district, report columns) integers, as the district reports."""
    rng = rng_for(seed, "district_reports")
    styles = _styles(province)
    com = province.communes
    names = [c.name for c in C.DISTRICT_REPORT.columns[1:]]
    # A few communes misreport every week (12–25% off): e.g. residents only, or a wrong denominator.
    off = np.ones(province.n)
    bad = np.zeros(province.n, dtype=bool)
    bad[rng.choice(province.n, size=max(3, province.n // 25), replace=False)] = True
    off[bad] = np.where(rng.random(bad.sum()) < 0.5, rng.uniform(0.75, 0.88, bad.sum()), rng.uniform(1.12, 1.25, bad.sum()))
    people = {s: vax.people(s) for s in DOSE_COLS}
    out = {}
    for date in REPORT_DATES:
        t = vax.day(date)
        noise = off * np.clip(rng.normal(1.0, 0.012, province.n), 0.97, 1.03)
        v = {"pop_start_18": com["pop_18"], "pop_start_12_17": com["pop_12_17"], "pop_start_5_11": com["pop_5_11"],
             "pop_current_18": com["cur_18"], "pop_current_12_17": com["cur_12_17"], "pop_current_5_11": com["cur_5_11"]}
        v = {k: np.asarray(x, dtype=np.int64) for k, x in v.items()}
        for series, col in DOSE_COLS.items():
            platform = people[series][:, t]
            reported = np.round(platform * noise * rng.normal(1.0, 0.002, province.n)).astype(np.int64)
            # Districts do not write more people than live there unless the platform itself does, except the
            # communes that misreport.
            ceiling = np.maximum(v[f"pop_start_{POP_SUFFIX[series[0]]}"], platform)
            v[col] = np.where(bad, reported, np.minimum(reported, ceiling))
        v["d12_3"] = np.zeros(province.n, dtype=np.int64)
        inflate = np.array([styles[d].inflate_d3 for d in com["district_code"]])
        v["d18_3"] = np.where(inflate, np.round(v["d18_3"] * rng.uniform(1.08, 1.14, province.n)), v["d18_3"]).astype(np.int64)
        for prefix, doses in (("d18", 4), ("d12", 3), ("d5", 2)):
            for k in range(2, doses + 1):
                v[f"{prefix}_{k}"] = np.minimum(v[f"{prefix}_{k}"], v[f"{prefix}_{k - 1}"])
        unvax = np.maximum(v["pop_start_18"] + v["pop_start_12_17"] - v["d18_1"] - v["d12_1"], 0)
        shares = rng.dirichlet(np.array(REASON_SHARES) * 20, province.n)
        reasons = rng.multinomial(unvax, shares)
        for k, col in enumerate(("unvax_refused", "unvax_deferred", "unvax_contraindicated", "unvax_unknown")):
            v[col] = reasons[:, k]
        v["unvax_over50"] = rng.binomial(unvax, 0.30)
        v["unvax_comorbid"] = rng.binomial(unvax, 0.20)
        v["unvax_pregnant"] = rng.binomial(unvax, 0.04)
        table = np.stack([v[n] for n in names], axis=1)
        for code, idx in com.groupby("district_code").indices.items():
            out[(code, date)] = table[idx]
    return out


def _workbook(path: Path, province: Province, district: str, date: dt.date, values: np.ndarray, style: Style,
              rng: np.random.Generator) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    from etl.vnencoding import encode_tcvn3, encode_vni

    enc = {"tcvn3": encode_tcvn3, "vni": encode_vni}.get(style.encoding, lambda s: s)
    d = province.districts.set_index("code").loc[district]
    communes = province.communes[province.communes["district_code"] == district]
    wb = Workbook()
    ws = wb.active
    ws.title = "Bao cao"
    columns = C.DISTRICT_REPORT.columns
    width = len(columns) + 1
    unit_word = base_name(d["name"], d["type"])
    ws["A1"] = enc(f"UBND {d['type'].upper()} {unit_word.upper()}")
    ws.cell(1, width - 8, enc("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"))
    ws["A2"] = enc("BÁO CÁO KẾT QUẢ TIÊM VẮC XIN PHÒNG COVID-19")
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=width)
    ws["A3"] = enc("Đơn vị: " if style.unit_title != "ascii" else "Don vi: ") + enc(
        district_label(district, d["name"], d["type"], style.unit_title))
    if style.date_cell:
        ws["A4"] = enc("Số liệu đến ngày:")
        ws["C4"] = date
        ws["C4"].number_format = "dd/mm/yyyy"
    else:
        ws["A4"] = enc(f"Số liệu đến ngày {dmy(date)}")
    for cell in ("A1", "A2", "A3", "A4"):
        ws[cell].font = Font(bold=True)
    top, sub = 6, 7
    ws.cell(top, 1, "STT")
    ws.merge_cells(start_row=top, start_column=1, end_row=sub, end_column=1)
    heads = [_header(c, style.header_variant) for c in columns]
    col = 2
    while col - 2 < len(heads):
        group, label = heads[col - 2]
        if group is None:
            ws.cell(top, col, enc(label))
            ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
            col += 1
            continue
        span = 1
        while col - 2 + span < len(heads) and heads[col - 2 + span][0] == group:
            span += 1
        ws.cell(top, col, enc(group))
        ws.merge_cells(start_row=top, start_column=col, end_row=top, end_column=col + span - 1)
        for k in range(span):
            ws.cell(sub, col + k, enc(heads[col - 2 + k][1]))
        col += span
    for r in (top, sub):
        for c in range(1, width + 1):
            ws.cell(r, c).alignment = Alignment(wrap_text=True, horizontal="center", vertical="center")
            ws.cell(r, c).font = Font(bold=True)
    cells = values.astype(object)
    if style.blanks:
        for _ in range(int(rng.integers(1, 4))):
            cells[rng.integers(0, len(cells)), rng.integers(6, cells.shape[1])] = None
    body = sub + 1
    for i, row in enumerate(communes.itertuples()):
        ws.cell(body + i, 1, i + 1)
        ws.cell(body + i, 2, enc(commune_label(row, style.commune)))
        for j, value in enumerate(cells[i]):
            if value is not None and rng.random() < style.text_numbers:
                value = vn_number(value)
            ws.cell(body + i, 3 + j, value)
    if style.decimal_comma:
        i, j = int(rng.integers(0, len(cells))), int(rng.integers(6, cells.shape[1]))
        if cells[i, j] is not None:
            ws.cell(body + i, 3 + j, f"{cells[i, j]},0")
    total_row = body + len(communes)
    ws.cell(total_row, 2, enc("Tổng cộng")).font = Font(bold=True)
    for j in range(cells.shape[1]):
        total = int(sum(v for v in cells[:, j] if v is not None))
        ws.cell(total_row, 3 + j, vn_number(total) if style.text_numbers >= 1 else total).font = Font(bold=True)
    ws.column_dimensions["A"].width = 5
    ws.column_dimensions["B"].width = 24
    for c in range(3, width + 1):
        ws.column_dimensions[get_column_letter(c)].width = 11
    ws.row_dimensions[sub].height = 45
    wb.save(path)


def _file_name(province: Province, district: str, date: dt.date, k: int, resent: bool) -> str:
    from etl.textnorm import norm_key

    d = province.districts.set_index("code").loc[district]
    slug = norm_key(base_name(d["name"], d["type"])).replace(" ", "_")
    patterns = (f"BC_tiem_chung_{slug}_{date:%d%m%Y}", f"Bao cao tiem vac xin {slug} {date:%d.%m}",
                f"{district}_{date:%Y-%m-%d}_bieu_mau", f"bieu mau tuan {date:%d-%m-%Y} {slug}")
    name = patterns[k % len(patterns)]
    return name + (" (sua lai)" if resent and k % 2 else "_bo_sung" if resent else "") + ".xlsx"


def write_district_reports(folder: Path, province: Province, vax: Vax, seed: int, receipts: Receipts,
                           progress) -> dict:
    rng = rng_for(seed, "district_report_files")
    values = report_values(province, vax, seed)
    styles = _styles(province)
    missing, late, resent = _incidents(province)
    folder.mkdir(parents=True, exist_ok=True)
    codes = list(province.districts["code"])
    files = rows = 0
    jobs = [(date, k, code) for date in REPORT_DATES for k, code in enumerate(codes) if (code, date) != missing]
    for n_done, (date, k, code) in enumerate(jobs):
        final = values[(code, date)]
        sent = dt.datetime.combine(date, dt.time(15, 0)) + dt.timedelta(minutes=int(rng.integers(0, 150)))
        if (code, date) == late:
            sent = dt.datetime.combine(date + dt.timedelta(days=3), dt.time(10, 20))
        first = final
        if (code, date) in resent:
            # The first send had slips the district corrected: a few counts off by a digit or a fifth.
            first = final.copy()
            for i in rng.choice(len(first), size=min(3, len(first)), replace=False):
                j = int(rng.choice(SLIP_COLUMNS))
                first[i, j] = int(max(first[i, j], 11) * rng.choice([0.8, 1.2, 10]))
        path = folder / _file_name(province, code, date, k, False)
        _workbook(path, province, code, date, first, styles[code], rng)
        receipts.stamp(path, sent)
        files, rows = files + 1, rows + len(first)
        if (code, date) in resent:
            path = folder / _file_name(province, code, date, k + 1, True)
            _workbook(path, province, code, date, final, styles[code], rng)
            receipts.stamp(path, sent + dt.timedelta(days=1, hours=-5))
            files, rows = files + 1, rows + len(final)
        progress(f"Biểu mẫu huyện: {path.name}", (n_done + 1) / len(jobs))
    return {"files": files, "rows": rows}
