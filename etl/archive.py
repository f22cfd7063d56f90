"""Inbox -> immutable archive with a manifest; quarantine for refused files.

A file is identified by its source and its content: (source, sha256), whatever its name or the folder it came
through. The manifest is an append-only JSON-lines file of events per file (archived, excluded, published), each
naming the file by source and sha256. Every archived file gets an arrival number (`seq`): the order the archive
received files in, which decides which of two files for the same key wins.

A file leaves the inbox once a published snapshot includes it, once it is quarantined, or once it is recognised as a
file already loaded for its source; so a run killed at any point loses nothing: the next run finds it still there.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from etl.contracts import SOURCE_NAMES
from etl.settings import Settings

IGNORED_PREFIXES = ("~$", ".", "_")  # Excel lock files, hidden files, editors' temporaries

ARCHIVED, EXCLUDED, PUBLISHED = "archived", "excluded", "published"

Identity = tuple  # (source or None, sha256)


@dataclass
class InboxFile:
    path: Path            # where it is in the inbox
    rel: Path             # the same, relative to the inbox (for messages)
    source: str | None    # None: the folder names no source
    sha256: str
    received_at: str      # ISO time: the file's modification time when it reached the inbox
    size: int

    @property
    def key(self) -> Identity:
        return (self.source, self.sha256)

    @property
    def order(self) -> tuple:
        """Files that arrive in the same run take their arrival numbers in file time, then name order."""
        return (self.received_at, self.path.name, str(self.rel))


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def scan_inbox(settings: Settings) -> list[Path]:
    """The files waiting in the inbox (not yet read: reading one may fail, and that fails only that file)."""
    if not settings.inbox.is_dir():
        return []
    return [p for p in sorted(settings.inbox.rglob("*"))
            if p.is_file() and not p.name.startswith(IGNORED_PREFIXES)]


def source_of(settings: Settings, path: Path) -> str | None:
    rel = path.relative_to(settings.inbox)
    return rel.parts[0] if len(rel.parts) > 1 and rel.parts[0] in SOURCE_NAMES else None


def inbox_file(settings: Settings, path: Path) -> InboxFile:
    """Read one inbox file's identity; raises OSError when it cannot be read."""
    stat = path.stat()
    return InboxFile(
        path=path, rel=path.relative_to(settings.inbox), source=source_of(settings, path), sha256=sha256_of(path),
        received_at=dt.datetime.fromtimestamp(stat.st_mtime).isoformat(timespec="seconds"), size=stat.st_size,
    )


class Manifest:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.path = settings.archive / "manifest.jsonl"
        self._state: dict[Identity, dict] | None = None

    def events(self) -> list[dict]:
        if not self.path.exists():
            return []
        out = []
        for line in self.path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                continue  # the last line of a killed run may be cut short
        return out

    def files(self) -> dict[Identity, dict]:
        """(source, sha256) -> the file's record: its events merged, latest last."""
        if self._state is None:
            self._state = _records(self.events())
        return self._state

    def get(self, key: Identity) -> dict | None:
        return self.files().get(key)

    def next_seq(self) -> int:
        return max((r.get("seq", 0) for r in self.files().values()), default=0) + 1

    def append(self, **event) -> None:
        """Write one event; it names its file by source and sha256."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        event.setdefault("at", dt.datetime.now().isoformat(timespec="seconds"))
        with open(self.path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(event, ensure_ascii=False) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        self.files().setdefault((event["source"], event["sha256"]), {}).update(event)


def _records(events: list[dict]) -> dict[Identity, dict]:
    state: dict[Identity, dict] = {}
    latest: dict[str, Identity] = {}
    for ev in events:
        # Manifests written before the source was part of a file's identity name later events by sha256 alone;
        # a sha256 then had one record, so the event belongs to the latest record with that content.
        key = (ev["source"], ev["sha256"]) if "source" in ev else latest.get(ev["sha256"], (None, ev["sha256"]))
        state.setdefault(key, {}).update(ev)
        latest[ev["sha256"]] = key
    for record in state.values():
        if record.get("status") == "rejected":  # the earlier name of excluded
            record["status"] = EXCLUDED
    _number_unnumbered(state)
    return state


def _number_unnumbered(state: dict[Identity, dict]) -> None:
    """Files archived before arrival numbers existed are numbered first, in the order that then decided: the run that
    published them (snapshot names sort in time), then file time, then name."""
    old = [r for r in state.values() if "seq" not in r]
    old.sort(key=lambda r: (r.get("snapshot") or "\uffff", r.get("received_at", ""), r.get("name", "")))
    for n, record in enumerate(old, start=1):
        record["seq"] = n


def archive_file(settings: Settings, manifest: Manifest, item: InboxFile) -> dict:
    """Keep the file, unchanged and with its times, in the archive and record its arrival; returns its record.

    A file already archived (the same source and content, under any name) keeps its copy; one that was excluded and
    is sent again arrives anew: it gets a new arrival number and is judged again."""
    known = manifest.get(item.key)
    if known is not None and (settings.data_dir / known["archived_path"]).exists():
        target = settings.data_dir / known["archived_path"]
    else:
        folder = settings.archive / (item.source or "_unknown")
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / f"{item.sha256[:12]}__{item.path.name}"
        tmp = target.with_name(target.name + ".part")
        shutil.copy2(item.path, tmp)
        os.replace(tmp, target)
    if known is None or known.get("status") == EXCLUDED:
        manifest.append(
            source=item.source, sha256=item.sha256, file_id=(known or {}).get("file_id") or _file_id(manifest, item),
            name=item.path.name, archived_path=str(target.relative_to(settings.data_dir)),
            received_at=item.received_at, size=item.size, seq=manifest.next_seq(), status=ARCHIVED,
        )
    return manifest.get(item.key)


def _file_id(manifest: Manifest, item: InboxFile) -> str:
    """The first 16 hex digits of the content's sha256; the same content arriving for a second source gets an id of
    its own, since a snapshot keys its raw rows by file_id."""
    taken = {r.get("file_id") for r in manifest.files().values()}
    candidate = item.sha256[:16]
    if candidate in taken:
        candidate = hashlib.sha256(f"{item.source}:{item.sha256}".encode()).hexdigest()[:16]
    return candidate


def quarantine(settings: Settings, copy_of: Path | None, original_name: str, report: str) -> Path | None:
    """Put a copy of a refused file in quarantine/ with a report in Vietnamese beside it; returns the copy, or None
    when the file could not be copied (the report is written all the same)."""
    settings.quarantine.mkdir(parents=True, exist_ok=True)
    stamp = dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    target = settings.quarantine / f"{stamp}__{original_name}"
    n = 1
    while target.exists() or target.with_name(target.name + ".loi.txt").exists():
        n += 1  # two refused files of the same name in the same second each keep their own note
        target = settings.quarantine / f"{stamp}-{n}__{original_name}"
    copied: Path | None = target
    try:
        if copy_of is None:
            raise FileNotFoundError(original_name)
        shutil.copy2(copy_of, target)
    except OSError:
        copied = None
    target.with_name(target.name + ".loi.txt").write_text(report + "\n", encoding="utf-8")
    return copied
