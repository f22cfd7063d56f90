"""Errors are not disguised: a missing table or column is explained as "built by an older version, being rebuilt"
only when the snapshot was built by another model version; on a snapshot of this version it is a bug, and it
surfaces (a typo in app/sql would otherwise show a rebuild that is not happening)."""
import datetime as dt

import duckdb
import pytest

pytest.register_assert_rewrite("conftest_app")
from conftest_app import app_test, open_page

from app import queries as q
from app import stockdata as sd
from etl.settings import load_settings
from etl.snapshots import current_snapshot
from etl.version import MODEL_VERSION

pytest_plugins = ["conftest_app"]
STOCK = "pages/4_Vac_xin_ton_kho.py"
TYPO = ("-- one row: a column that no table has\n"
        "SELECT ngay_cap_nhat FROM meta.snapshot WHERE list_contains($scope, '') AND $as_of IS NOT NULL")


def _without_days_of_stock(data_dir, model_version: str) -> str:
    snapshot = str(current_snapshot(load_settings(data_dir)))
    with duckdb.connect(snapshot) as con:
        con.execute("ALTER TABLE marts.stock_by_lot DROP COLUMN days_of_stock")
        con.execute("UPDATE meta.snapshot SET model_version = ?", [model_version])
    return snapshot


def test_a_snapshot_of_an_older_version_missing_a_column_is_explained(use_data, app_copy):
    _without_days_of_stock(app_copy, "phien_ban_cu")
    use_data(app_copy)
    at = open_page(STOCK)
    (error,) = at.error
    assert error.value.startswith("Bản dữ liệu đang dùng được dựng bởi phiên bản cũ")
    assert "(days_of_stock)" in error.value and "python -m etl run --rebuild" in error.value
    # no server builds (the launcher or the prepare unit does): the sidebar says what to run
    sidebar = "\n".join(i.value for i in at.sidebar.info)
    assert "bản dữ liệu đang dùng do phiên bản cũ dựng và chưa được dựng lại" in sidebar
    assert "python3 -m app.launcher" in sidebar


def test_the_same_column_missing_from_a_current_snapshot_surfaces(use_data, app_copy):
    snapshot = _without_days_of_stock(app_copy, MODEL_VERSION)
    with pytest.raises(duckdb.BinderException, match="days_of_stock"):
        sd.stock_lots(snapshot, q.all_districts(snapshot), dt.date(2022, 3, 14))
    use_data(app_copy)
    at = app_test().run()  # the overview reads the lots too
    assert not at.error, [e.value for e in at.error]  # no rebuild claimed
    assert any("days_of_stock" in e.message for e in at.exception)


def test_a_typo_in_an_app_sql_file_on_a_current_snapshot_surfaces(use_data, app_data, monkeypatch):
    snapshot = q.snapshot_path(load_settings(app_data))
    assert q.snapshot_version(snapshot) == MODEL_VERSION
    real = q._sql
    monkeypatch.setattr(q, "_sql", lambda name: TYPO if name == "stock_summary" else real(name))
    with pytest.raises(duckdb.BinderException, match="ngay_cap_nhat"):
        sd.stock_summary(snapshot, q.all_districts(snapshot), dt.date(2022, 3, 14))
    use_data(app_data)
    at = open_page()
    at.switch_page(STOCK).run()
    assert not at.error, [e.value for e in at.error]
    assert any("ngay_cap_nhat" in e.message for e in at.exception)
