"""`python -m app.briefing_queue --briefing N --login L [--district MÃ]` (cron, the night before a briefing): the pack
is recorded in the briefing's packs (the page's cache and queue rows), made in that process, audited; a second
briefing on the same snapshot, scope and date gets the cached file at once, and the page and its table say when it
was made and for whom it was first made; a member's pack is refused outside the member's districts."""
from __future__ import annotations

import datetime as dt
import io
import shutil

import pypdf
import pytest

pytest.register_assert_rewrite("conftest_app")
from conftest_app import TEST_PASSWORD, VINH_YEN  # noqa: E402
from conftest_app import test_password_hash as password_hash  # noqa: E402

from app import formatting as F  # noqa: E402
from app.briefing_queue import main  # noqa: E402
from app.state import State  # noqa: E402
from etl import snapshots as S  # noqa: E402
from etl.settings import load_settings  # noqa: E402

pytest_plugins = ["conftest_app"]
PAGE = "pages/11_Giao_ban.py"


def accounts(data_dir, *rows) -> State:
    store = State(data_dir / "state" / "state.sqlite3")
    for login, role, district in rows:
        store.create_account(login, f"Kiểm thử {login}", role, district, TEST_PASSWORD, chosen=True,
                             password_hash=password_hash())
    return store


def briefing(store: State, snapshot: str, label: str, held_on: dt.date) -> int:
    return store.briefing_create(login="bcd.tinh", address=None, province_code="26", held_on=held_on, label=label,
                                 as_of=dt.date(2022, 3, 14), snapshot=snapshot)


def test_cron_attaches_the_pack_to_the_briefing_audited_and_the_cache_says_who_it_was_made_for(app_copy, use_data,
                                                                                              capsys):
    from conftest_app import open_page, read, table, texts

    store = accounts(app_copy, ("bcd.tinh", "committee", None), ("bcd.pho", "committee", None),
                     ("huyen.vinhyen", "district", VINH_YEN))
    served = S.current_snapshot(load_settings(app_copy)).name
    first = briefing(store, served, "Giao ban BCĐ tỉnh 15/03/2022", dt.date(2022, 3, 15))
    assert main(["--data-dir", str(app_copy), "--briefing", str(first), "--login", "bcd.tinh"]) == 0
    pack = store.pack(first, "tinh")
    assert (pack.status, pack.requested_by, pack.scope_name) == ("done", "bcd.tinh", "Toàn tỉnh")
    path = app_copy / pack.file
    assert pack.file == f"briefings/{served.removesuffix('.duckdb')}/20220314_tinh.pdf" and path.exists()
    out = capsys.readouterr().out
    assert out.startswith(f"Tài liệu Toàn tỉnh: tạo lúc {F.datetime(pack.generated_at)} cho bcd.tinh, ")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(path.read_bytes())).pages).split())
    assert "số liệu đến ngày 14/03/2022" in text and "bởi bcd.tinh" in text
    made = store.audit_log(event="briefing_pack_generated")
    assert len(made) == 1 and made[0]["login"] == "bcd.tinh"
    assert (made[0]["detail"]["briefing"], made[0]["detail"]["file"]) == (first, pack.file)
    # a district account's pack: its district, within its scope
    assert main(["--data-dir", str(app_copy), "--briefing", str(first), "--login", "huyen.vinhyen"]) == 0
    assert store.pack(first, VINH_YEN).districts == (VINH_YEN,)

    # a second briefing on the same snapshot and date, asked by another account: the cache's file at once
    second = briefing(store, served, "Giao ban bổ sung 16/03/2022", dt.date(2022, 3, 16))
    assert main(["--data-dir", str(app_copy), "--briefing", str(second), "--login", "bcd.pho"]) == 0
    again = store.pack(second, "tinh")
    assert (again.status, again.file, again.requested_by) == ("done", pack.file, "bcd.pho")
    assert len(store.audit_log(event="briefing_pack_generated")) == 2  # the province's once, Vĩnh Yên's once
    attached = store.audit_log(event="briefing_pack_attached")  # the cache's answer is audited all the same
    assert [(a["login"], a["detail"]["briefing"], a["detail"]["file"]) for a in attached] == [
        ("bcd.pho", second, pack.file)]
    assert "cho bcd.tinh" in capsys.readouterr().out

    use_data(app_copy)
    at = open_page(PAGE, role="committee")
    at.selectbox(key="briefing_pick").set_value(second).run()
    assert f"Tài liệu Toàn tỉnh: tạo lúc {F.datetime(again.generated_at)} cho bcd.tinh" in texts(at)
    rows = table(at, "briefing_packs")
    assert list(rows.columns) == ["Phạm vi", "Tình trạng", "Người yêu cầu", "Yêu cầu lúc", "Tạo lúc", "Tạo cho",
                                  "Cỡ tệp (KB)"]
    assert (rows["Người yêu cầu"].tolist(), rows["Tạo cho"].tolist()) == (["bcd.pho"], ["bcd.tinh"])
    assert read(at.success[0].value).startswith("Tài liệu Toàn tỉnh: tạo lúc")


def test_a_members_cron_pack_is_refused_outside_their_districts_and_the_attempt_audited(demo_build, tmp_path, capsys):
    """The demo's member uv.nguyenvana has Vĩnh Yên (243) and Phúc Yên (244); Tam Dương (246) is not theirs."""
    settings = load_settings(tmp_path / "data", province="26")
    snapshot = S.current_snapshot(load_settings(demo_build[1]))
    S.snapshots_dir(settings).mkdir(parents=True)
    shutil.copy(snapshot, S.snapshots_dir(settings) / snapshot.name)
    store = accounts(settings.data_dir, ("bcd.tinh", "committee", None), ("uv.nguyenvana", "member", None))
    number = briefing(store, snapshot.name, "Giao ban BCĐ tỉnh 15/03/2022", dt.date(2022, 3, 15))
    code = main(["--data-dir", str(settings.data_dir), "--briefing", str(number), "--login", "uv.nguyenvana",
                 "--district", "246"])
    assert code == 2
    assert capsys.readouterr().err == ("python -m app.briefing_queue: lỗi: tài khoản uv.nguyenvana không được xem "
                                       "huyện mã 246 (ngoài phạm vi được phân công)\n")
    refused = store.audit_log(event="scope_refused")
    assert len(refused) == 1 and refused[0]["login"] == "uv.nguyenvana"
    assert (refused[0]["detail"]["district"], refused[0]["detail"]["briefing"]) == ("246", number)
    assert store.packs(number) == [] and store.audit_log(event="briefing_pack_generated") == []
    # usage: --briefing needs --login; a briefing that does not exist is refused in words
    with pytest.raises(SystemExit) as usage:
        main(["--data-dir", str(settings.data_dir), "--briefing", str(number)])
    assert usage.value.code == 2 and "--briefing cần --login" in capsys.readouterr().err
    assert main(["--data-dir", str(settings.data_dir), "--briefing", "99", "--login", "bcd.tinh"]) == 2
    assert "Không có buổi giao ban số 99" in capsys.readouterr().err


def test_the_cached_pack_is_keyed_by_the_briefing_it_compares_with(app_copy, capsys):
    """The pack's last part compares with the briefing before it: two briefings on the same snapshot and date whose
    earlier briefings differ get two files, never the other's. Here `fourth` (as of 14/03) compares with `earlier`
    (as of 07/03; `first`, on the same snapshot and date as `fourth`, has nothing to compare with)."""
    store = accounts(app_copy, ("bcd.tinh", "committee", None))
    served = S.current_snapshot(load_settings(app_copy)).name
    first = briefing(store, served, "Giao ban BCĐ tỉnh 15/03/2022", dt.date(2022, 3, 15))
    assert main(["--data-dir", str(app_copy), "--briefing", str(first), "--login", "bcd.tinh"]) == 0
    earlier = store.briefing_create(login="bcd.tinh", address=None, province_code="26", held_on=dt.date(2022, 3, 8),
                                    label="Giao ban BCĐ tỉnh 08/03/2022", as_of=dt.date(2022, 3, 7), snapshot=served)
    fourth = briefing(store, served, "Giao ban BCĐ tỉnh 18/03/2022", dt.date(2022, 3, 18))
    assert main(["--data-dir", str(app_copy), "--briefing", str(fourth), "--login", "bcd.tinh"]) == 0
    before, after = store.pack(first, "tinh"), store.pack(fourth, "tinh")
    assert before.file.endswith("/20220314_tinh.pdf") and after.file.endswith(f"/20220314_tinh_sau{earlier}.pdf")
    assert len(store.audit_log(event="briefing_pack_generated")) == 2 and not store.audit_log(
        event="briefing_pack_attached")
    text = " ".join(" ".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(
        (app_copy / after.file).read_bytes())).pages).split())
    assert "Giao ban BCĐ tỉnh 08/03/2022" in text
