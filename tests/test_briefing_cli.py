"""`python -m app.briefing` on a copy of the hand-made warehouse of conftest_app: the account's scope applies (a
district account gets its district only, a --district outside the scope is refused in Vietnamese and the attempt
audited), the pack is written whole, and every generation is audited with its scope, as-of date and snapshot."""
from __future__ import annotations

import io

import pypdf
import pytest

pytest.register_assert_rewrite("conftest_app")
from conftest_app import TAM_DAO, TEST_PASSWORD, VINH_YEN  # noqa: E402
from conftest_app import test_password_hash as password_hash  # noqa: E402

from app import queries as q  # noqa: E402
from app.briefing import EVENT, main  # noqa: E402
from app.state import State  # noqa: E402
from etl.settings import load_settings  # noqa: E402

pytest_plugins = ["conftest_app"]


@pytest.fixture
def data(app_copy):
    """A private copy of the warehouse with a committee account, a district account of Vĩnh Yên and a disabled one."""
    store = State(app_copy / "state" / "state.sqlite3")
    for login, role, district in (("bcd.tinh", "committee", None), ("huyen.vinhyen", "district", VINH_YEN),
                                  ("da.khoa", "committee", None)):
        store.create_account(login, f"Kiểm thử {login}", role, district, TEST_PASSWORD, chosen=True,
                             password_hash=password_hash())
    store.set_disabled("da.khoa", True)
    return app_copy


def audit(data_dir, event: str) -> list[dict]:
    return State(data_dir / "state" / "state.sqlite3").audit_log(event=event)


def text_of(path) -> str:
    return " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages).split())


def run_id(data_dir) -> str:
    snapshot = q.snapshot_path(load_settings(data_dir))
    return q.snapshot_meta(snapshot, q.all_districts(snapshot))["run_id"]


def test_a_district_outside_the_accounts_scope_is_refused_and_the_attempt_audited(data, tmp_path, capsys):
    out = tmp_path / "tam_dao.pdf"
    code = main(["--data-dir", str(data), "--login", "huyen.vinhyen", "--district", TAM_DAO, "--out", str(out)])
    assert code == 2 and not out.exists()
    assert capsys.readouterr().err == (f"python -m app.briefing: lỗi: tài khoản huyen.vinhyen không được xem huyện mã "
                                       f"{TAM_DAO} (ngoài phạm vi được phân công)\n")
    refused = audit(data, "scope_refused")
    assert len(refused) == 1 and refused[0]["login"] == "huyen.vinhyen"
    assert refused[0]["detail"]["what"] == "báo cáo giao ban" and refused[0]["detail"]["district"] == TAM_DAO
    assert audit(data, EVENT) == []


def test_a_district_account_gets_its_district_and_the_generation_is_audited(data, tmp_path, capsys):
    out = tmp_path / "dem" / "vinh_yen.pdf"
    assert main(["--data-dir", str(data), "--login", "huyen.vinhyen", "--out", str(out)]) == 0
    text = text_of(out)
    assert "Phạm vi: Thành phố Vĩnh Yên" in text and "Tam Đảo" not in text
    assert "số liệu đến ngày 14/03/2022" in text and "bởi huyen.vinhyen" in text  # the newest date by default
    assert [p.name for p in out.parent.iterdir()] == ["vinh_yen.pdf"]  # written whole, no partial file left
    entry = audit(data, EVENT)
    assert len(entry) == 1 and entry[0]["login"] == "huyen.vinhyen" and entry[0]["address"].startswith("dòng lệnh")
    assert entry[0]["detail"] == {"scope": "Thành phố Vĩnh Yên", "districts": [VINH_YEN], "as_of": "14/03/2022",
                                  "snapshot": run_id(data), "file": str(out), "bytes": out.stat().st_size}
    assert capsys.readouterr().out.startswith(f"Đã tạo {out} (")


def test_the_committee_picks_a_district_and_a_date(data, tmp_path):
    out = tmp_path / "tam_dao.pdf"
    assert main(["--data-dir", str(data), "--login", "BCD.Tinh", "--district", TAM_DAO, "--as-of", "10/03/2022",
                 "--out", str(out)]) == 0
    text = text_of(out)
    assert "Phạm vi: Huyện Tam Đảo" in text and "số liệu đến ngày 10/03/2022" in text
    assert "Thành phố Vĩnh Yên" not in text
    assert audit(data, EVENT)[0]["detail"]["as_of"] == "10/03/2022"


@pytest.mark.parametrize(("args", "reason"), [
    (["--login", "ai.do"], "không có tài khoản ai.do"),
    (["--login", "da.khoa"], "tài khoản da.khoa đã bị khóa"),
    (["--login", "bcd.tinh", "--district", "999"], "tài khoản bcd.tinh không được xem huyện mã 999 (bản dữ liệu không "
                                                   "có huyện này)"),
    (["--login", "bcd.tinh", "--as-of", "2022-03-10"], "ngày «2022-03-10» không đúng dạng dd/mm/yyyy (ví dụ "
                                                       "14/03/2022)"),
    (["--login", "bcd.tinh", "--as-of", "01/04/2022"], "ngày 01/04/2022 nằm ngoài số liệu của bản dữ liệu (03/01/2022 "
                                                       "đến 14/03/2022)"),
])
def test_refusals_say_why_in_vietnamese(data, tmp_path, capsys, args, reason):
    out = tmp_path / "x.pdf"
    assert main(["--data-dir", str(data), *args, "--out", str(out)]) == 2 and not out.exists()
    assert capsys.readouterr().err == f"python -m app.briefing: lỗi: {reason}\n"
    assert audit(data, EVENT) == []


def test_help_and_usage_errors_are_in_vietnamese(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    help_text = capsys.readouterr().out
    assert help_text.startswith("cách dùng: python -m app.briefing") and "tùy chọn:" in help_text
    assert "tài khoản huyện chỉ có huyện mình" in help_text and "cron" in help_text
    with pytest.raises(SystemExit) as done:
        main(["--login", "bcd.tinh"])
    assert done.value.code == 2 and "lỗi: thiếu tham số bắt buộc: --out" in capsys.readouterr().err
