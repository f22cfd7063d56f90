"""Vietnamese explanations of an allocation: which constraints bind in a proposal, and why a set-up is infeasible
(which constraint, which district, which lot). Never a solver trace: each text is built from the model's own figures.

Every function returns a frame of COLUMNS: kind (a stable code a page or a test can select on), district, lot, text.
"""
from __future__ import annotations

import pandas as pd

from app import formatting as F
from app.allocation_inputs import Lot, Prepared
from app.allocation_model import Built, Solved, build, candidate, usable_rows
from app.allocation_solve import solve_stages

COLUMNS = ["kind", "district", "lot", "text"]
TIGHT = 0.5  # doses: a row whose slack is under half a dose binds
SHORT = 0.5  # people or doses: less than this is nothing (a rounding of the continuous use variables)


def _frame(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=COLUMNS)


def lot_label(lot: Lot) -> str:
    return f"Lô {lot.lot} ({lot.product}) hết hạn {F.date(lot.expiry)}"


def rows_label(rows) -> str:
    """'18+ mũi 3, 12–17 mũi 2' for (cohort, dose) pairs."""
    return ", ".join(f"{F.cohort(c)} {F.dose_label(k)}" for c, k in sorted(rows))


def approval_label(pre: Prepared, product: str) -> str:
    a = pre.approvals[product]
    doses = ", ".join(str(k) for k in sorted(a.doses))
    cohorts = ", ".join(F.cohort(c) for c in a.cohorts)
    source = f" (theo {a.source})" if a.source else ""
    return f"{product} chỉ được dùng cho nhóm {cohorts}, mũi {doses}{source}"


def pace_label(pre: Prepared, district: str, product: str) -> str:
    rate, window = pre.pace.get((district, product), (0.0, 0.0))
    return f"{F.num(rate, 1)} liều/ngày ({F.num(window)} ngày gần nhất)"


def name(pre: Prepared, district: str) -> str:
    return pre.names.get(district, district)


def usable_upper(pre: Prepared, district: str, lot: Lot) -> float:
    """At most this many doses of a lot can a district administer before its expiry: its pace times the days left,
    and no more than the people of the approved cohorts and doses who still need one."""
    rate = pre.pace.get((district, lot.product), (0.0, 0.0))[0]
    people = sum(pre.need[(district, c, k)][0] for c, k in usable_rows(pre, district, lot.product))
    return min(rate * lot.days, people)


def why_not_usable(pre: Prepared, district: str, lot: Lot) -> str:
    """Why a district can take so little of a lot, in words."""
    needs = {(c, k) for (d, c, k) in pre.need if d == district}
    if not needs:
        return f"{name(pre, district)} không còn người cần tiêm"
    if not usable_rows(pre, district, lot.product):
        return f"{name(pre, district)} còn nhu cầu {rows_label(needs)} nhưng {approval_label(pre, lot.product)}"
    rate = pre.pace.get((district, lot.product), (0.0, 0.0))[0]
    if rate <= 0:
        return f"{name(pre, district)} chưa có tốc độ tiêm {lot.product} (0 liều/ngày)"
    people = sum(pre.need[(district, c, k)][0] for c, k in usable_rows(pre, district, lot.product))
    return (f"{name(pre, district)} dùng được tối đa {F.num(usable_upper(pre, district, lot))} liều trước hạn "
            f"(tốc độ {pace_label(pre, district, lot.product)} × {F.num(lot.days)} ngày; nhu cầu "
            f"{F.num(people)} người thuộc nhóm được phép)")


def precheck(pre: Prepared) -> pd.DataFrame:
    """The infeasible set-ups found before solving, one row per offending pinned row, lot or district."""
    rows = []
    codes = {lot.lot: lot for lot in pre.lots}
    excluded_l, excluded_d = set(pre.options.excluded_lots), set(pre.options.excluded_districts)
    per_lot: dict[str, int] = {}
    per_district: dict[str, float] = {}
    for (d, code), vials in sorted(pre.pins.items()):
        where = f"Dòng cố định {name(pre, d)} – lô {code} ({F.num(vials)} lọ)"
        if d not in pre.districts:
            reason = "huyện đã bị loại khỏi phân bổ" if d in excluded_d else "không có huyện này trong danh sách"
            rows.append(("pin_district", d, code, f"{where}: {reason}."))
            continue
        if code not in codes:
            reason = ("lô đã bị loại khỏi phân bổ" if code in excluded_l
                      else "lô không có trong kho tỉnh, đã hết hạn hoặc sản phẩm chưa được phép sử dụng")
            rows.append(("pin_lot", d, code, f"{where}: {reason}."))
            continue
        if vials <= 0:
            continue
        lot = codes[code]
        per_lot[code] = per_lot.get(code, 0) + vials
        per_district[d] = per_district.get(d, 0.0) + vials * lot.doses_per_vial
        low = pre.min_vials.get(d)
        if low and vials < low:
            rows.append(("min_shipment", d, code,
                         f"{where}: dưới mức giao tối thiểu {F.num(low)} lọ của {name(pre, d)}."))
        upper = usable_upper(pre, d, lot)
        if vials * lot.doses_per_vial > upper + lot.doses_per_vial - 1:
            rows.append(("pin_unusable", d, code,
                         f"{where} = {F.num(vials * lot.doses_per_vial)} liều: {lot_label(lot)}, "
                         f"{why_not_usable(pre, d, lot)}; không được giao lô sẽ hết hạn trước khi huyện dùng kịp."))
    for code, vials in sorted(per_lot.items()):
        lot = codes[code]
        if vials > lot.vials:
            rows.append(("pin_stock", "", code,
                         f"Các dòng cố định của lô {code} ({lot.product}) cộng lại {F.num(vials)} lọ, vượt tồn kho "
                         f"tỉnh {F.num(lot.vials)} lọ."))
    for d, doses in sorted(per_district.items()):
        cap = pre.capacity.get(d)
        if cap is not None and doses > max(0.0, cap - pre.own_doses(d)):
            rows.append(("capacity", d, "",
                         f"Các dòng cố định của {name(pre, d)} cộng lại {F.num(doses)} liều, cộng tồn kho huyện "
                         f"{F.num(pre.own_doses(d))} liều vượt sức chứa dây chuyền lạnh {F.num(cap)} liều."))
    return _frame(rows)


def _feasible(pre: Prepared) -> bool:
    return solve_stages(build(pre), ("expiring",)).status == "optimal"


def diagnose(pre: Prepared) -> pd.DataFrame:
    """The solver found no proposal though every pinned row passes precheck(): the pinned rows of one district
    together exceed what it can use before expiry (or hold). Finds the district by solving with its pins alone."""
    rows = []
    by_district: dict[str, dict] = {}
    for (d, code), vials in pre.pins.items():
        by_district.setdefault(d, {})[(d, code)] = vials
    for d, pins in sorted(by_district.items()):
        if _feasible(Prepared(**{**pre.__dict__, "pins": pins})):
            continue
        listed = "; ".join(f"lô {code} {F.num(v)} lọ" for (_, code), v in sorted(pins.items()))
        products = sorted({pre.lot(code).product for (_, code) in pins})
        paces = "; ".join(f"{p} {pace_label(pre, d, p)}" for p in products)
        rows.append(("pins_together", d, "",
                     f"Các dòng cố định của {name(pre, d)} ({listed}) cộng lại vượt số liều huyện dùng được trước "
                     f"hạn của từng lô (tốc độ {paces}) hoặc sức chứa của huyện."))
    if not rows:
        rows.append(("pins_together", "", "",
                     "Các dòng cố định cùng nhau không thực hiện được với tồn kho tỉnh và tốc độ tiêm của các huyện; "
                     "bỏ bớt dòng cố định rồi tính lại."))
    return _frame(rows)


def _tight_pace(pre: Prepared, b: Built, solved: Solved, district: str, lot: Lot):
    """The pace row binding the district's use of a lot's product by the lot's expiry, if one does."""
    for r in b.pace_rows:
        if r.district == district and r.product == lot.product and r.expiry <= lot.expiry \
                and r.limit - solved.row[r.row] < TIGHT:
            return r
    return None


def _unmet(unmet: dict, district: str, rows=None) -> float:
    """People of a district left without a dose (on the given cohort x dose rows); unmet: _unmet_rows()."""
    return sum(n for (d, c, k), n in unmet.items() if d == district and (rows is None or (c, k) in rows))


def _unmet_rows(outcome) -> dict:
    """(district, cohort, dose) -> unmet people of an outcome."""
    need = outcome.need
    return dict(zip(zip(need["district"], need["cohort"], need["dose"]), need["unmet"]))


def _capacity_binds(b: Built, solved: Solved, district: str) -> bool:
    if district not in b.capacity_rows:
        return False
    row, room = b.capacity_rows[district]
    return room - solved.row[row] < TIGHT


def _reason(pre: Prepared, b: Built, solved: Solved, unmet: dict, d: str, lot: Lot) -> tuple[str, str]:
    rows = usable_rows(pre, d, lot.product)
    if not candidate(pre, d, lot):
        needs = {(c, k) for (dd, c, k) in pre.need if dd == d}
        kind = "approval" if needs and not rows else ("no_need" if not needs else "no_pace")
        return kind, why_not_usable(pre, d, lot)
    pace = _tight_pace(pre, b, solved, d, lot)
    if pace is not None:
        return "pace", (f"{name(pre, d)} không kịp dùng với tốc độ {pace_label(pre, d, lot.product)}: tối đa "
                        f"{F.num(pace.limit)} liều {lot.product} đến {F.date(pace.expiry)}")
    if _unmet(unmet, d, set(rows)) < SHORT:
        return "need_met", f"{name(pre, d)} đã đủ liều cho nhu cầu {rows_label(rows)}"
    if _capacity_binds(b, solved, d):
        return "capacity", f"{name(pre, d)} hết sức chứa dây chuyền lạnh ({F.num(pre.capacity[d])} liều)"
    low = pre.min_vials.get(d)
    if low and usable_upper(pre, d, lot) < low * lot.doses_per_vial:
        return "min_shipment", (f"{name(pre, d)} dùng được ít hơn mức giao tối thiểu {F.num(low)} lọ "
                                f"({F.num(low * lot.doses_per_vial)} liều)")
    return "other", f"{name(pre, d)} không nhận thêm lô này (nhu cầu còn lại dùng lô khác)"



def binding(pre: Prepared, b: Built, solved: Solved, outcome) -> pd.DataFrame:
    """What binds in a proposal: lots that still expire and why no district takes more; districts short and why;
    approvals that keep a lot from a cohort in need; cold-chain capacity and minimum shipments; the pinned rows."""
    rows = []
    lots, unmet = outcome.lots.set_index("lot"), _unmet_rows(outcome)
    left_of = lots["left_province"].to_dict()
    for lot in pre.lots:
        expiring = float(lots.loc[lot.lot, "expiring_unused"])
        if expiring < SHORT:
            continue
        left = float(lots.loc[lot.lot, "left_province"])
        rows.append(("lot_expiring", "", lot.lot,
                     f"{lot_label(lot)}: {F.num(expiring)} liều sẽ hết hạn chưa dùng "
                     f"(còn ở kho tỉnh {F.num(left)} liều)."))
        if left >= lot.doses_per_vial:
            for d in pre.districts:
                kind, text = _reason(pre, b, solved, unmet, d, lot)
                rows.append((kind, d, lot.lot, f"{lot_label(lot)}: {text}."))
    for d in pre.districts:
        short = _unmet(unmet, d)
        if short < SHORT:
            continue
        need = outcome.need[(outcome.need["district"] == d) & (outcome.need["unmet"] >= SHORT)]
        parts = [f"{F.cohort(r.cohort)} {F.dose_label(r.dose)}: {F.num(r.unmet)}" for r in need.itertuples()]
        causes = []
        for r in need.itertuples():
            products = sorted(p for p in pre.approvals if (r.cohort, int(r.dose)) in pre.approved(p))
            left = [lot for lot in pre.lots if lot.product in products and left_of[lot.lot] > 0]
            if not left:
                causes.append(f"{F.cohort(r.cohort)} {F.dose_label(r.dose)}: kho tỉnh hết vắc xin được phép "
                              f"({', '.join(products) or 'chưa có sản phẩm nào được phép'})")
                continue
            tight = [lot for lot in left if _tight_pace(pre, b, solved, d, lot) is not None]
            if tight:
                causes.append(f"{F.cohort(r.cohort)} {F.dose_label(r.dose)}: tốc độ tiêm không kịp dùng "
                              f"{', '.join(sorted({t.product for t in tight}))} trước hạn")
            elif _capacity_binds(b, solved, d):
                causes.append("hết sức chứa dây chuyền lạnh")
            else:
                causes.append(f"{F.cohort(r.cohort)} {F.dose_label(r.dose)}: lô còn lại không giao được "
                              "(hạn dùng, mức giao tối thiểu hoặc tốc độ tiêm)")
        rows.append(("district_short", d, "", f"{name(pre, d)} còn thiếu {F.num(short)} người "
                     f"({'; '.join(parts)}): {'; '.join(dict.fromkeys(causes))}."))
    unmet_rows = outcome.need[outcome.need["unmet"] >= SHORT]
    for lot in pre.lots:
        left = float(left_of[lot.lot])
        if left < lot.doses_per_vial:
            continue
        allowed = pre.approved(lot.product)
        blocked = unmet_rows[[(c, int(k)) not in allowed for c, k in zip(unmet_rows["cohort"], unmet_rows["dose"])]]
        if len(blocked):
            wanted = rows_label({(r.cohort, int(r.dose)) for r in blocked.itertuples()})
            where = ", ".join(dict.fromkeys(name(pre, d) for d in blocked["district"]))
            rows.append(("approval_binds", "", lot.lot,
                         f"{lot_label(lot)} còn {F.num(left)} liều ở kho tỉnh nhưng {approval_label(pre, lot.product)}"
                         f": không dùng cho nhu cầu {wanted} còn thiếu ở {where}."))
    for d in pre.districts:
        if _capacity_binds(b, solved, d):
            rows.append(("capacity", d, "", f"{name(pre, d)}: dùng hết sức chứa dây chuyền lạnh "
                         f"{F.num(pre.capacity[d])} liều (kể cả {F.num(pre.own_doses(d))} liều tồn kho huyện)."))
    for (d, code), vials in sorted(pre.pins.items()):
        rows.append(("pinned", d, code, f"Dòng cố định theo người lập kế hoạch: {name(pre, d)} – lô {code}: "
                     f"{F.num(vials)} lọ."))
    return _frame(rows)


def province_lots_left(pre: Prepared, outcome) -> list[str]:
    """Lots kept at the province store for a later allocation (they expire after the horizon)."""
    kept = outcome.lots[outcome.lots["kept_province"] > 0]
    return [f"Lô {r.lot} ({r.product}) hết hạn {F.date(r.expiry)}: giữ lại kho tỉnh {F.num(r.kept_province)} liều "
            f"cho lần phân bổ sau (hết hạn sau {F.date(pre.horizon_end)})." for r in kept.itertuples()]

