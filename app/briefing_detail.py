"""Parts 3 to 7 of the briefing pack: the maps (the pages' SVG maps, app.maps, named units), the deadline gauges (a
bar with the target's tick, the figures and the status in words), the F0 curve with its days still filling marked,
facility load and vaccine stock; each from the query its page draws it from (app.queries, app.mapdata)."""
from __future__ import annotations

import re

import pandas as pd

from app import briefing_blocks as B
from app import briefing_chart
from app import formatting as F
from app import mapdata as M
from app import maps
from app import queries as q
from app import stockdata as SD
from app.briefing_sections import Pack


def _printable(svg: str) -> str:
    """A page's map SVG at its own size in pixels (the page scales it to its column with CSS, which print ignores)."""
    box = re.search(r'viewBox="0 0 (\d+(?:\.\d+)?) (\d+(?:\.\d+)?)"', svg)
    return re.sub(r'width="100%" style="[^"]*"', f'width="{box.group(1)}" height="{box.group(2)}"', svg, count=1)


def _nearest_target(p: Pack):
    """The coverage page's default: the nearest target still ahead of the as-of date (else the latest one)."""
    targets = q.deadline_targets(p.snapshot, p.scope, p.as_of)
    targets = targets[targets["cohort"].isin(F.COHORTS)]
    ahead = targets[targets["deadline"].dt.date >= p.as_of]
    return ahead.iloc[0] if len(ahead) else (targets.iloc[-1] if len(targets) else None)


def _map_of(p: Pack, units: pd.DataFrame, communes: pd.DataFrame | None, metric: str, labels: tuple[str, str, str],
            uid: str, trend: str | None = None) -> tuple[str | None, str]:
    """The SVG of the pack's map and what it shows: the districts of the scope, or the communes of a one-district
    pack where the province has commune boundaries."""
    if len(p.scope) == 1 and communes is not None:
        shapes = M.commune_shapes(p.snapshot, p.scope, p.scope[0])
        if not shapes.empty:
            return _printable(maps.district_svg(communes, shapes, metric, *labels, uid=uid, trend=trend)), "xã"
    shapes = q.district_shapes(p.snapshot, p.scope)
    if shapes.empty:
        return None, "huyện"
    return _printable(maps.district_svg(units, shapes, metric, *labels, uid=uid, trend=trend)), "huyện"


def _illustrative(p: Pack, level: str) -> str:
    """What a map of communes must say of the boundaries it draws (the demo's are illustrative: app.mapdata)."""
    said = M.note(p.snapshot) if level == "xã" else None
    return f" {said}" if said else ""


def map_part(p: Pack) -> list[dict]:
    """Part 3: coverage of the nearest target's cohort and dose on the map (the coverage page opens on it)."""
    out = [B.pagebreak(), B.heading("3. Bản đồ bao phủ tiêm chủng")]
    t = _nearest_target(p)
    cohort, dose = (t["cohort"], int(t["dose"])) if t is not None else ("18+", 2)
    units = q.coverage_units(p.snapshot, p.scope, p.as_of, cohort, dose, "start", "coverage")
    communes = (q.coverage_units(p.snapshot, p.scope, p.as_of, cohort, dose, "start", "coverage", p.scope[0])
                if len(p.scope) == 1 else None)
    num_label, den_label, value_label, definition = F.coverage_labels("coverage", cohort, dose, "start")
    svg, level = _map_of(p, units, communes, "coverage", (num_label, den_label, value_label), "bd-bao-phu")
    title = f"Tỷ lệ bao phủ {F.target_short(cohort, dose)} theo {level}"
    out.append(B.heading(title, 2))
    if svg is None:
        return out + [B.para(p.meta["geo_missing_reason"] or "Bản dữ liệu không có ranh giới các đơn vị này.")]
    vax_date = units["as_of_date"].iloc[0] if not units.empty else p.as_of
    return out + [B.svg(svg, 0.72, title), B.note(
        f"{definition} Nguồn: {F.SOURCES['platform']}, số liệu đến ngày {F.date(vax_date)}. Màu càng đậm càng thấp; "
        "ô gạch chéo xám: chưa có số liệu; gạch chéo tím: trên 100%, cần rà soát." + _illustrative(p, level)
        + (f" Theo chỉ tiêu gần nhất còn hạn: {F.dashed(t['title'])} "
           f"({F.deadline_text(t['deadline'], t['original_deadline'])})." if t is not None else ""))]


def _cases_map(p: Pack, cases: pd.DataFrame) -> list[dict]:
    """F0 over 7 days per 100.000 by district (or by commune, in a one-district pack), with the direction."""
    communes = M.cases_communes(p.snapshot, p.scope, p.as_of, p.scope[0]) if len(p.scope) == 1 else None
    svg, level = _map_of(p, cases[cases["unit_level"] == "district"], communes, "rate",
                         ("F0 mới 7 ngày", "Dân số đầu kỳ", "F0 7 ngày /100.000 dân"), "bd-f0", trend="trend_direction")
    if svg is None:
        return []
    title = f"F0 mới 7 ngày /100.000 dân theo {level}"
    return [B.heading(title, 2), B.svg(svg, 0.62, title),
            B.note(f"F0 mới 7 ngày đến ngày báo cáo {F.date(cases['report_date'].iloc[0])} trên 100.000 dân (dân số "
                   "đầu kỳ); mũi tên: xu hướng so với 7 ngày trước đó (ngày chưa đủ xã báo cáo không tính). Màu càng "
                   f"đậm càng nhiều F0. Nguồn: {F.SOURCES['cases']}." + _illustrative(p, level))]


def deadline_part(p: Pack) -> list[dict]:
    """Part 4: each target of the directives, the scope's unit (the province, or each district) against it."""
    out = [B.heading("4. Tiến độ thực hiện chỉ tiêu")]
    targets = q.deadline_targets(p.snapshot, p.scope, p.as_of)
    if targets.empty:
        return out + [B.para("Bản dữ liệu chưa có chỉ tiêu bao phủ tiêm chủng nào (tệp chỉ tiêu theo văn bản chỉ "
                             "đạo).")]
    rows, matrix, judged = [], {}, None
    for t in targets.itertuples():
        units = q.deadline_units(p.snapshot, p.scope, p.as_of, t.target_id)
        if units.empty:
            continue
        judged = units["as_of_date"].iloc[0]
        shown = units[units["unit_level"] == "province"] if p.whole else p.own(units, "unit_code")
        name = f"{F.target_short(t.cohort, t.dose)}, {F.deadline_text(t.deadline, t.original_deadline)}"
        column = f"{F.target_short(t.cohort, t.dose)}, hạn {F.date(t.deadline)}"
        for _, r in shown.iterrows():
            rows.append([name, r["unit_name"], B.bar(r["achieved_pct"], r["threshold_pct"]),
                         F.pct(r["achieved_pct"]), F.pct(r["threshold_pct"]),
                         {"runs": B.runs((F.DEADLINE_STATUS.get(r["status"], r["status"]), True))},
                         F.num(r["people_needed"]), F.target_status_note(r, brief=True)])
        for _, r in units[units["unit_level"] == "district"].iterrows():
            matrix.setdefault(r["unit_name"], {})[column] = (
                f"{F.pct(r['achieved_pct'])} {F.DEADLINE_STATUS.get(r['status'], r['status'])}")
    out.append(B.grid(["Chỉ tiêu, hạn", "Đơn vị", "Mức đạt (vạch đen: yêu cầu)", "Đã đạt", "Yêu cầu", "Tình trạng",
                       "Còn thiếu (người)", "Căn cứ"], rows, ["l", "l", "l", "r", "r", "l", "r", "l"],
                      [-34, 0, -26, 0, 0, -19, -15, 1]))
    out.append(B.note(f"Đánh giá theo số liệu nền tảng tiêm chủng đến ngày {F.date(judged)}; hạn đã qua thì tỷ lệ đạt "
                      f"là tại ngày hạn. Còn thiếu: số người đến nay, 0 khi đã đạt. Dự báo: {F.PROJECTION_METHOD}."))
    if p.whole and matrix:
        columns = list(dict.fromkeys(c for row in matrix.values() for c in row))
        out += [B.heading("Từng huyện: tỷ lệ đã đạt và tình trạng", 2),
                B.grid(["Huyện", *columns], [[name, *(row.get(c, "–") for c in columns)]
                                             for name, row in matrix.items()],
                       ["l", *["l"] * len(columns)], [0, *[1] * len(columns)], 7),
                B.note("Tình trạng: đạt, đúng tiến độ, có nguy cơ trễ hạn, trễ hạn; huyện chưa có dân số không "
                       "đánh giá được (–).")]
    return out


def cases_part(p: Pack) -> list[dict]:
    """Part 5: the F0 curve (90 days), then F0 by district."""
    out = [B.pagebreak(), B.heading("5. Ca bệnh F0")]
    trend = q.cases_trend(p.snapshot, p.scope, p.as_of, 90)
    if trend.empty:
        return out + [B.para(f"Chưa có báo cáo ca bệnh đến ngày {F.date(p.as_of)}.")]
    incomplete = trend[~trend["is_complete"].fillna(False).astype(bool)]
    last = trend["report_date"].iloc[-1]
    out += [B.heading("F0 mới theo ngày báo cáo", 2), B.svg(briefing_chart.f0_svg(trend), 1.0, "F0 mới theo ngày"),
            B.note(f"{p.where}, {F.num(len(trend))} ngày đến ngày {F.date(last)}, theo ngày báo cáo. Trung bình 7 "
                   f"ngày là trung bình lùi. Nguồn: {F.SOURCES['cases']}; xã chưa báo cáo trong ngày được tính là 0 ca, "
                   "nên ngày chưa đủ xã báo cáo (cột gạch chéo, đường chấm, nền xám) còn tăng thêm và không dùng để "
                   "đánh giá xu hướng."
                   + (f" Chưa đủ báo cáo: {F.num(len(incomplete))} ngày, gần nhất "
                      f"{', '.join(F.date(d) for d in incomplete['report_date'].tail(3))}." if len(incomplete) else ""))]
    units = q.cases_units(p.snapshot, p.scope, p.as_of)
    units = units if p.whole else units[units["unit_level"] == "district"]
    out += _cases_map(p, units) if len(units) else []
    out += [B.heading("F0 theo huyện: 7 ngày gần nhất", 2), B.table(units, {
        "unit_name": B.Col("Đơn vị"), "new_f0_7d_sum": B.Col("F0 mới 7 ngày", "int"),
        "new_f0_7d_per_100k_by_report_date": B.Col("F0 7 ngày /100.000", "num1"),
        "trend_direction": B.Col("Xu hướng", words=F.TREND_ARROW), "trend_date": B.Col("Đến ngày", "date"),
        "active_home": B.Col("Tại nhà", "int"), "active_facility": B.Col("Tại cơ sở", "int"),
        "new_severe": B.Col("Nặng mới", "int"), "deaths": B.Col("Tử vong", "int")}),
        B.note(f"Ngày báo cáo {F.date(units['report_date'].iloc[0]) if len(units) else '–'}; xu hướng so 7 ngày đến "
               "ngày đủ báo cáo gần nhất với 7 ngày trước đó (▲ tăng là xấu); cột Đến ngày: xu hướng của mỗi đơn vị "
               "tính đến ngày nào.")]
    return out


TIER_GROUPS = {"local": "Cơ sở của tỉnh và huyện", "upper": "Bệnh viện tuyến trên"}


def facilities_part(p: Pack) -> list[dict]:
    """Part 6: beds against the quota by district, and every facility of the pack's districts."""
    out = [B.heading("6. Cơ sở thu dung, điều trị")]
    dist = q.facility_districts(p.snapshot, p.scope, p.as_of)
    if dist.empty:
        return out + [B.para(f"Chưa có báo cáo hoạt động cơ sở điều trị đến ngày {F.date(p.as_of)}.")]
    day = F.date(dist["status_date"].iloc[0])
    if p.whole:  # the overview's cards: the province's and the districts' facilities, and the upper level apart
        load = q.facility_load(p.snapshot, p.scope, p.as_of)
        out += [B.table(load.assign(tier=load["tier_group"].map(TIER_GROUPS)), {
            "tier": B.Col("Cơ sở"), "facilities_reporting": B.Col("Đã báo cáo", "int"),
            "facilities_open": B.Col("Đang hoạt động", "int"), "bed_quota": B.Col("Định mức", "int"),
            "beds_ready": B.Col("Giường sẵn sàng", "int"), "occupied": B.Col("Đang điều trị", "int"),
            "load_vs_quota_pct": B.Col("So với định mức", "pct"), "occupancy_pct": B.Col("Công suất (%)", "pct"),
            "facilities_over_quota": B.Col("Cơ sở vượt định mức", "int")}), B.heading("Theo huyện", 2)]
    out += [B.table(dist.assign(days_text=dist["days_until_full"].map(F.days_until_full)), {
        "unit_name": B.Col("Huyện"), "beds_ready": B.Col("Giường sẵn sàng", "int"), "bed_quota": B.Col("Định mức", "int"),
        "occupied": B.Col("Đang điều trị", "int"), "occupancy_pct": B.Col("Công suất (%)", "pct"),
        "days_text": B.Col("Đến khi đầy", "text"), "escalation": B.Col("Mức cảnh báo", words=F.ESCALATION),
        "beds_ready_below_2x_quota": B.Col("Dưới gấp đôi định mức", "flag", flag_text="chưa đủ")}),
        B.note(f"Ngày {day}; cơ sở của tỉnh, huyện đóng trên địa bàn huyện, không gồm tuyến trên. Công suất = đang "
               "điều trị ÷ giường sẵn sàng; mức cảnh báo theo đang điều trị ÷ định mức. Nguồn: "
               f"{F.SOURCES['facility_status']} và {F.SOURCES['facilities']}.")]
    fac = q.facilities(p.snapshot, p.scope, p.as_of)
    if not p.whole:
        fac = fac[fac["district_name"].isin(list(p.names.values()))]
    if not fac.empty:
        out += [B.heading(f"Từng cơ sở ({B.count(len(fac), 'cơ sở')})", 2), B.table(fac, {
            "facility_name": B.Col("Cơ sở", width=1), "district_name": B.Col("Địa bàn"),
            "occupied": B.Col("Đang điều trị", "int"), "bed_quota": B.Col("Định mức", "int"),
            "load_vs_quota_pct": B.Col("% định mức", "pct"), "beds_ready": B.Col("Giường sẵn sàng", "int"),
            "occupancy_pct": B.Col("Công suất (%)", "pct"), "reported": B.Col("Đã báo cáo", "flag")})]
    return out


def stock_part(p: Pack) -> list[dict]:
    """Part 7: doses on hand by vaccine (the province's pack) or the lots of the districts' own stores."""
    out = [B.heading("7. Vắc xin tồn kho")]
    if p.whole:
        summary = SD.stock_summary(p.snapshot, p.scope, p.as_of)
        if summary.empty:
            return out + [B.para(f"Chưa có sổ theo dõi vắc xin đến ngày {F.date(p.as_of)}.")]
        o = SD.stock_overview(p.snapshot, p.scope, p.as_of)
        out.append(B.para("Liều vắc xin còn hạn: ", (F.num(o["on_hand"]), True), "; lô hết hạn sớm nhất: ",
                          (F.date(o["soonest_expiry"]), True), f" ({o['soonest_product']} lô {o['soonest_lot']}, "
                          f"{o['soonest_store']}); liều có thể hết hạn chưa dùng: ", (F.num(o["doses_at_risk"]), True),
                          f" ({F.num(o['lots_at_risk'])} lô)."))
        return out + [B.table(summary, {
            "product": B.Col("Vắc xin"), "on_hand": B.Col("Liều còn hạn", "int"),
            "soonest_expiry": B.Col("Hạn dùng gần nhất", "date"),
            "doses_at_risk": B.Col("Có nguy cơ hết hạn chưa dùng", "int")}),
            B.note(f"Ngày {F.date(summary['ledger_date'].iloc[0])}; kho tỉnh và kho các huyện. Liều còn hạn: số "
                   "đếm thực tế gần nhất, nếu chưa có thì số dư sổ sách. Nguồn: " + F.SOURCES["stock"] + ".")]
    lots = SD.stock_lots(p.snapshot, p.scope, p.as_of)
    lots = lots[lots["store_code"].isin(list(p.scope))]
    if lots.empty:
        return out + [B.para("Kho của huyện không có lô vắc xin còn hạn trong sổ theo dõi đến ngày "
                             f"{F.date(p.as_of)}.")]
    return out + [B.table(lots, {"store_name": B.Col("Kho"), "product": B.Col("Vắc xin"), "lot": B.Col("Số lô"),
                                 "expiry_date": B.Col("Hạn dùng", "date"), "on_hand": B.Col("Liều còn", "int"),
                                 "doses_at_risk": B.Col("Có nguy cơ hủy", "int")}),
                  B.note(f"Ngày {F.date(lots['ledger_date'].iloc[0])}; kho của huyện (kho tỉnh ở báo cáo toàn tỉnh). "
                         f"Nguồn: {F.SOURCES['stock']}.")]
