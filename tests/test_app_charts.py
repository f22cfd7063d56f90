"""The F0 and facility charts, on frames made by hand: what is drawn where, checked trace by trace."""
import datetime as dt

import numpy as np
import pandas as pd
import pytest

from app import charts as C

DAYS = [dt.date(2022, 3, d) for d in range(1, 6)]


def trend(complete: list[bool]) -> pd.DataFrame:
    return pd.DataFrame({
        "report_date": pd.to_datetime(DAYS), "new_f0": [10, 12, 14, 9, 3],
        "new_f0_7d_avg_by_report_date": [None, None, 11.0, 11.5, 10.0], "new_f0_7d_per_100k_by_report_date": [None, None, 220.0, 230.0, 200.0],
        "communes_reporting": [136, 136, 136, 120, 72], "communes_expected": [136] * 5, "is_complete": complete,
        "active_home": [30, 31, 33, 32, 30], "active_facility": [5, 5, 4, 4, 4],
    })


def by_name(fig, name):
    found = [t for t in fig.data if t.name == name]
    assert len(found) == 1, [t.name for t in fig.data]
    return found[0]


def test_incomplete_days_are_hatched_dotted_shaded_and_named():
    fig = C.f0_trend(trend([True, True, True, False, False]))
    full = by_name(fig, "F0 mới trong ngày")
    filling = by_name(fig, "F0 mới, ngày chưa đủ xã báo cáo")
    assert list(full.y) == [10, 12, 14] and list(filling.y) == [9, 3]
    assert filling.marker.pattern.shape == "/" and not full.marker.pattern.shape
    # hover: "05/03/2022: 3 F0 mới (72/136 xã đã báo cáo)", formatted by plotly.js with the Vietnamese separators
    assert list(filling.customdata[1]) == [72, 136] and "%{customdata[0]:,d}/%{customdata[1]:,d} xã" in \
        filling.hovertemplate
    solid = by_name(fig, "Trung bình 7 ngày (lùi)")
    dotted = by_name(fig, "Trung bình 7 ngày, chưa đủ xã báo cáo")
    assert np.isnan(solid.y[3]) and np.isnan(solid.y[4]) and solid.y[2] == 11.0
    # the dotted part starts on the last complete day, so the line is unbroken
    assert np.isnan(dotted.y[1]) and list(dotted.y[2:]) == [11.0, 11.5, 10.0]
    (shade,) = fig.layout.shapes
    # from half a day before the first incomplete day (04/03) to half a day after the last (05/03)
    assert pd.Timestamp(shade.x0) == pd.Timestamp("2022-03-03 12:00")
    assert pd.Timestamp(shade.x1) == pd.Timestamp("2022-03-05 12:00")
    assert fig.layout.annotations[0].text == "chưa đủ xã báo cáo"
    assert fig.layout.xaxis.title.text == "Ngày báo cáo"  # the date basis, on the chart itself
    assert fig.layout.separators == ",."


def test_a_complete_series_has_no_incomplete_marks():
    fig = C.f0_trend(trend([True] * 5))
    assert [t.name for t in fig.data] == ["F0 mới trong ngày", "Trung bình 7 ngày (lùi)"]
    assert not fig.layout.shapes


def test_small_multiples_share_one_scale_and_show_the_province_behind_each_district():
    rows = []
    for code, name, short, rates, done in (("243", "Thành phố Vĩnh Yên", "Vĩnh Yên", [100.0, 150.0, 300.0],
                                            [True, True, False]),
                                           ("248", "Huyện Tam Đảo", "Tam Đảo", [20.0, 10.0, 0.0], [True] * 3)):
        for day, rate, complete, province in zip(DAYS[:3], rates, done, [80.0, 90.0, 120.0], strict=True):
            rows.append({"report_date": pd.Timestamp(day), "unit_code": code, "unit_name": name, "short_name": short,
                         "new_f0_7d_per_100k_by_report_date": rate, "is_complete": complete, "province_new_f0_7d_per_100k_by_report_date": province})
    fig = C.f0_small_multiples(pd.DataFrame(rows), columns=3)
    assert [a.text for a in fig.layout.annotations] == ["Vĩnh Yên", "Tam Đảo"]
    # one scale for every panel: the highest value (300) plus 8%
    assert tuple(fig.layout.yaxis.range) == tuple(fig.layout.yaxis2.range) == pytest.approx((0, 324.0))
    province = [t for t in fig.data if t.name == "Toàn tỉnh"]
    assert len(province) == 2 and list(province[1].y) == [80.0, 90.0, 120.0]
    assert [t.showlegend for t in province] == [True, False]
    district = [t for t in fig.data if t.name == "Huyện"]
    assert np.isnan(district[0].y[2]) and list(district[1].y) == [20.0, 10.0, 0.0]
    (dotted,) = [t for t in fig.data if t.name == "Chưa đủ xã báo cáo"]
    assert np.isnan(dotted.y[0]) and list(dotted.y[1:]) == [150.0, 300.0] and dotted.line.dash == "dot"


def test_active_split_stacks_home_and_facility():
    fig = C.active_split(trend([True] * 5))
    home, facility = fig.data
    assert (home.name, facility.name) == ("Điều trị tại nhà", "Điều trị tại cơ sở")
    assert home.stackgroup == facility.stackgroup == "active"
    assert list(facility.y) == [5, 5, 4, 4, 4] and "%{y:,d}" in facility.hovertemplate


def test_the_deadline_gauge_and_bullets_carry_percent_on_their_axes():
    from types import SimpleNamespace

    row = SimpleNamespace(achieved_pct=71.43, max_achievable_pct=90.0, status="at_risk", threshold_pct=95.0)
    gauge = C.target_gauge(row).data[0]
    assert gauge.gauge.axis.ticksuffix == "%" and gauge.number.suffix == "%"
    assert tuple(gauge.gauge.axis.range) == (0, 100)
    # "100%" at the axis' right end overflows the plot: the side margins hold it (it was cut to "100" at 25 px)
    margin = C.target_gauge(row).layout.margin
    assert margin.l >= 40 and margin.r >= 40 and margin.b >= 20  # and at 1920 px, under the plot
    units = pd.DataFrame({"unit_name": ["Huyện Tam Đảo"], "status": ["at_risk"], "achieved_pct": [71.43],
                          "people_needed": [120], "threshold_pct": [95.0], "max_achievable_pct": [90.0]})
    assert C.target_bullets(units).layout.xaxis.ticksuffix == "%"


def test_small_multiples_of_the_63_provinces_stay_inside_the_figure():
    """The whole country has 63 panels in 21 rows: the last row's domain summed to -1e-16, which plotly refused (the F0
    page failed on the national warehouse)."""
    rows = [{"report_date": pd.Timestamp(DAYS[0]), "unit_code": f"{i:02d}", "unit_name": f"Tỉnh {i}",
             "short_name": f"T{i}", "new_f0_7d_per_100k_by_report_date": 1.0, "is_complete": True,
             "province_new_f0_7d_per_100k_by_report_date": 1.0} for i in range(63)]
    fig = C.f0_small_multiples(pd.DataFrame(rows), columns=3)  # plotly validates every domain here
    domains = [fig.layout[f"yaxis{n}"].domain for n in ["", *map(str, range(2, 64))]]
    assert min(d[0] for d in domains) == 0.0 and max(d[1] for d in domains) == 1.0
