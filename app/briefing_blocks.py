"""The blocks a briefing pack is made of (headings, paragraphs, notes, call-outs, tables, SVG figures), as plain data
for app.briefing_template: text already written the Vietnamese way (app.formatting), never Typst markup.

Texts the pages write as markdown (app.formatting's sentences: **bold**, names escaped by md()) are read back into
runs of plain and bold text, so the pack says exactly what the page says, in the same words.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from app import formatting as F

_ESCAPED = re.compile(r"\\(.)")


def plain(markdown: object) -> str:
    """Markdown of a page as a reader sees it: md()'s escapes and word joiners gone (the ** of bold kept)."""
    return _ESCAPED.sub(r"\1", str(markdown)).replace("\u2060", "")


def runs(*parts: object) -> list[list]:
    """[text, bold] runs of `parts`: a str is markdown (its **…** bold), a (text, True) pair is bold as a whole."""
    out: list[list] = []
    for part in parts:
        if isinstance(part, tuple):
            out.append([str(part[0]), bool(part[1])])
            continue
        for i, piece in enumerate(plain(part).split("**")):
            if piece:
                out.append([piece, i % 2 == 1])
    return out


def heading(text: str, level: int = 1) -> dict:
    return {"kind": "heading", "level": level, "text": text}


def para(*parts: object) -> dict:
    return {"kind": "para", "runs": runs(*parts)}


def note(text: str) -> dict:
    """A caption under a figure or a table: its source, date and definition."""
    return {"kind": "note", "text": plain(text).replace("**", "")}


def callout(label: str, *parts: object) -> dict:
    """Something to act on, with a word that says so (never colour alone): "Cần chú ý", "Cần rà soát"."""
    return {"kind": "callout", "label": label, "runs": runs(*parts)}


def svg(text: str, width: float, alt: str) -> dict:
    """A vector figure (a map, a chart) `width` of the text width (0–1)."""
    return {"kind": "svg", "svg": text, "width": width, "alt": alt}


def pagebreak() -> dict:
    return {"kind": "pagebreak"}


def bar(value: object, mark: object = None, top: float = 100.0) -> dict:
    """A gauge cell: a bar filled to `value` of `top`, a black tick at `mark` (the target); its figures stand in the
    next cells."""
    fill = 0.0 if F.missing(value) else max(float(value), 0.0) / top
    return {"bar": fill, "mark": None if F.missing(mark) else float(mark) / top}


@dataclass(frozen=True)
class Col:
    """A table column: header, how values are written (text, int, num1, pct, date, words: a dict of codes to
    words), alignment and width (0: as wide as its content; above 0, a share of what is left; below 0, that many
    millimetres, the text wrapping within)."""
    label: str
    kind: str = "text"
    words: dict | None = None
    width: float = 0
    flag_text: str = "có"


_WRITE = {"int": F.num, "num1": lambda v: F.num(v, 1), "pct": F.pct, "date": F.date, "datetime": F.datetime,
          "signed": lambda v: F.signed(v, 0), "pp": F.signed}


def write(value: object, col: Col) -> str:
    """One cell as the page's table writes it."""
    if col.words is not None:
        return "–" if F.missing(value) else str(col.words.get(value, value))
    if col.kind == "flag":
        return col.flag_text if value is True or value == 1 else ""
    if col.kind in _WRITE:
        return _WRITE[col.kind](value)
    return "–" if F.missing(value) else F.dashed(str(value))


def table(frame: pd.DataFrame, cols: dict[str, Col], size: float = 7.5) -> dict:
    """A table of `frame`'s columns named in `cols`, every row, each cell written as its column says."""
    rows = [[write(value, col) for value, col in zip(row, cols.values(), strict=True)]
            for row in frame[list(cols)].itertuples(index=False)]
    return grid([c.label for c in cols.values()], rows,
                ["l" if c.kind in ("text", "date", "flag") or c.words is not None else "r" for c in cols.values()],
                [c.width for c in cols.values()], size)


def grid(header: list[str], rows: list[list], align: list[str], widths: list[float], size: float = 7.5) -> dict:
    """A table of cells already written (a str, a bar(), or {"runs": runs(…)})."""
    return {"kind": "table", "header": header, "rows": rows, "align": align, "widths": widths, "size": size}


def count(n: int, what: str) -> str:
    """"3 cơ sở": a count written the Vietnamese way."""
    return f"{F.num(n)} {what}"
