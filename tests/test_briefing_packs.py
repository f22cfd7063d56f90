"""A briefing pack made again when its file is gone, and one whose snapshot an older model version built made from
that snapshot's copy rebuilt with today's definitions (etl.copies) once the copy is ready."""
from __future__ import annotations

import datetime as dt
import shutil

from conftest_app import TAM_DAO  # noqa: E402
from test_briefings import account, publish, settings, snap, state  # noqa: F401  (fixtures)

from etl import snapshots as S  # noqa: E402


def test_a_pack_whose_file_is_gone_is_made_again_and_an_older_models_snapshot_waits_for_its_copy(settings, snap,
                                                                                                 monkeypatch):
    from app import briefing_queue as Q

    names = publish(settings, snap, ["2022-03-14T220000_0.duckdb"])
    store = state(settings)
    account(store, "bcd", "committee")
    found = store.briefing(store.briefing_create(login="bcd", address=None, province_code="26",
                                                 held_on=dt.date(2022, 3, 15), label="Giao ban",
                                                 as_of=dt.date(2022, 3, 10), snapshot=names[0]))
    started = []
    monkeypatch.setattr(Q, "start_worker", lambda s: started.append(s.data_dir))
    choice = Q.scopes(str(snap), (TAM_DAO,))[TAM_DAO]
    assert Q.request(settings, found, TAM_DAO, choice, "bcd", "10.0.0.7").status == "queued" and len(started) == 1
    assert Q.run_queue(settings) == 1
    made = store.pack(found.id, TAM_DAO)
    path = settings.data_dir / made.file
    assert made.status == "done" and made.file == "briefings/2022-03-14T220000_0/20220310_248.pdf"
    assert path.read_bytes()[:5] == b"%PDF-" and made.bytes == path.stat().st_size
    assert Q.request(settings, found, TAM_DAO, choice, "bcd", None) == made and len(started) == 1  # no new work
    path.unlink()
    assert Q.request(settings, found, TAM_DAO, choice, "bcd", None).status == "queued" and len(started) == 2
    # today's code is newer than the snapshot's: the pack waits for the copy rebuilt with it (etl.copies)
    monkeypatch.setattr("etl.version.MODEL_VERSION", "phien_ban_moi")
    asked, ready = [], {}
    monkeypatch.setattr("etl.copies.comparable", lambda s, name: ready.get(name))
    monkeypatch.setattr("etl.copies.request", lambda s, name, again=False: asked.append(name))
    monkeypatch.setattr("etl.copies.status", lambda s, name: f"Bản dữ liệu {name} do phiên bản cũ dựng: đang dựng lại.")
    assert Q.run_queue(settings) == 0
    refused = store.pack(found.id, TAM_DAO)
    assert (refused.status, refused.error) == ("failed", "Bản dữ liệu 2022-03-14T220000_0.duckdb do phiên bản cũ dựng: "
                                               "đang dựng lại. Tài liệu sẽ được tạo từ bản dựng lại: yêu cầu lại khi "
                                               "bản dựng lại xong.")
    assert asked == ["2022-03-14T220000_0.duckdb"] and not path.exists()
    copy = settings.warehouse / "copies" / "ban_dung_lai.duckdb"
    copy.parent.mkdir(parents=True)
    shutil.copy(S.snapshots_dir(settings) / names[0], copy)
    ready[names[0]] = copy
    from app import briefing as B
    made_from, original = [], B.build_pack
    monkeypatch.setattr(B, "build_pack", lambda snapshot, *a, **k: made_from.append(snapshot) or original(snapshot, *a, **k))
    assert Q.request(settings, found, TAM_DAO, choice, "bcd", None).status == "queued"
    assert Q.run_queue(settings) == 1
    made = store.pack(found.id, TAM_DAO)
    assert made.status == "done" and path.read_bytes()[:5] == b"%PDF-" and asked == [names[0]]
    assert made_from == [str(copy)]
