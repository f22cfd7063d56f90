"""The briefing pack's page layout, in Typst, and its compilation to PDF (Typst's Python binding: no system library,
no network, the fonts of app/fonts only).

The document is data, not markup: app.briefing_blocks builds a list of blocks of text that is already formatted
(Vietnamese numbers and dates), handed to the template as one JSON input, so a name from a source file can never be
read as Typst syntax. Every page carries the stamp (province, scope, as-of date, snapshot, generation time) and its
number ("Trang 2/6"); status is always a word, a bar has its figure beside it: the pack reads the same printed in
greyscale.
"""
from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

FONTS = Path(__file__).resolve().parent / "fonts"
# Noto Sans has every Vietnamese letter; DejaVu Sans only fills in the symbols Noto Sans lacks (≥ → ▲ ▼ ►).
FONT_FAMILIES = ("Noto Sans", "DejaVu Sans")

TEMPLATE = r"""
#let doc = json(bytes(sys.inputs.doc))
#set document(title: doc.title + " — " + doc.scope + " — " + doc.as_of, author: doc.author)
#set text(font: ("Noto Sans", "DejaVu Sans"), size: 9pt, lang: "vi", fill: black)
#set par(leading: 0.5em, spacing: 0.8em)
#set page(
  paper: "a4",
  margin: (top: 20mm, bottom: 18mm, x: 14mm),
  header: [
    #set text(size: 7.5pt)
    #grid(columns: (1fr, auto), gutter: 4mm,
      [#strong(doc.organisation) · #doc.title], [Phạm vi: #doc.scope])
    #v(-1mm)
    #line(length: 100%, stroke: 0.4pt)
  ],
  footer: context [
    #set text(size: 7.5pt)
    #line(length: 100%, stroke: 0.4pt)
    #v(-1mm)
    #grid(columns: (1fr, auto), gutter: 4mm,
      [#doc.province · số liệu đến ngày #strong(doc.as_of) · bản dữ liệu #doc.snapshot · tạo lúc #doc.generated],
      [Trang #counter(page).display("1/1", both: true)])
  ],
)
#show heading.where(level: 1): it => block(above: 1.1em, below: 0.6em, sticky: true,
  text(size: 12pt, weight: "bold", it.body))
#show heading.where(level: 2): it => block(above: 0.9em, below: 0.45em, sticky: true,
  text(size: 10pt, weight: "bold", it.body))

#let runs(items) = for r in items {
  if r.at(1) { strong(r.at(0)) } else { r.at(0) }
}

#let bar(c) = box(width: 100%, height: 7pt, stroke: 0.5pt + black, {
  place(left + top, rect(width: calc.min(c.bar, 1.0) * 100%, height: 100%, fill: luma(140), stroke: none))
  if c.mark != none {
    place(left + top, dx: calc.min(c.mark, 1.0) * 100% - 0.8pt, rect(width: 1.6pt, height: 100%, fill: black))
  }
})

#let cell(c) = if type(c) == str { c } else if "bar" in c { bar(c) } else { runs(c.runs) }

#let tab(b) = {
  set text(size: b.size * 1pt)
  table(
    columns: b.widths.map(w => if w == 0 { auto } else if w > 0 { w * 1fr } else { -w * 1mm }),
    align: (x, y) => (if b.align.at(x) == "r" { right } else if b.align.at(x) == "c" { center } else { left })
      + horizon,
    stroke: 0.4pt + luma(120),
    inset: (x: 3pt, y: 2.5pt),
    fill: (x, y) => if y == 0 { luma(225) },
    table.header(..b.header.map(h => strong(h))),
    ..b.rows.flatten().map(cell),
  )
}

#align(center)[
  #text(size: 9pt, weight: "bold", doc.organisation_upper) \
  #v(1mm)
  #text(size: 16pt, weight: "bold", doc.title) \
  #text(size: 10pt)[#doc.scope — số liệu đến ngày #strong(doc.as_of)]
]
#v(1mm)
#for b in doc.blocks {
  if b.kind == "heading" {
    heading(level: b.level, b.text)
  } else if b.kind == "para" {
    par(runs(b.runs))
  } else if b.kind == "note" {
    block(above: 0.4em, below: 0.7em, text(size: 7.5pt, style: "italic", b.text))
  } else if b.kind == "callout" {
    block(width: 100%, stroke: (left: 2.5pt + black), inset: (left: 6pt, y: 3pt), breakable: true,
      [#strong(b.label + ": ") #runs(b.runs)])
  } else if b.kind == "table" {
    tab(b)
  } else if b.kind == "svg" {
    align(center, image(bytes(b.svg), format: "svg", width: b.width * 100%, alt: b.alt))
  } else if b.kind == "pagebreak" {
    pagebreak(weak: true)
  }
}
"""


def font_paths() -> list[str]:
    return [str(FONTS)]


def compile_pdf(doc: dict, generated_at: dt.datetime | None = None) -> bytes:
    """The PDF of a document (see app.briefing_blocks for its blocks), its fonts embedded as subsets; dated
    `generated_at` (its metadata too, so that the same document at the same time is the same bytes)."""
    import typst

    compiler = typst.Compiler(TEMPLATE.encode("utf-8"), font_paths=font_paths(), ignore_system_fonts=True,
                              sys_inputs={"doc": json.dumps(doc, ensure_ascii=False)})
    stamp = (generated_at or dt.datetime.now()).astimezone().timestamp()
    return compiler.compile(format="pdf", timestamp=int(stamp))
