"""The maps a page drew (app.maps: SVG in a component), read back as a viewer sees them: each unit's fill and the bin
the legend gives that fill, its label's lines, its hover text."""
from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass

NS = "{http://www.w3.org/2000/svg}"


@dataclass
class DrawnMap:
    key: str
    svg: str
    fills: dict[str, str]          # unit code -> "#rrggbb", or "flag" / "none" for the hatchings
    hovers: dict[str, str]
    labels: dict[str, list[str]]   # unit code -> its label's lines (name, figure)
    legend: dict[str, str]         # fill -> label
    title: str
    numbered: list[str]            # the key under the map, for labels set there by number
    selected: set[str]

    def bin_of(self, code: str) -> str:
        return self.legend[self.fills[code]]


def _fill(value: str) -> str:
    found = re.fullmatch(r"url\(#.*-(rasoat|trong)\)", value)
    return {"rasoat": "flag", "trong": "none"}[found.group(1)] if found else value


def parse(key: str, svg: str) -> DrawnMap:
    root = ET.fromstring(svg)
    fills, hovers, labels, selected = {}, {}, {}, set()
    for path in root.iter(f"{NS}path"):
        code = path.get("data-code")
        if code:
            fills[code] = _fill(path.get("fill"))
            hovers[code] = path.find(f"{NS}title").text
            if path.get("data-chon"):
                selected.add(code)
    for text in root.iter(f"{NS}text"):
        if text.get("data-nhan"):
            labels[text.get("data-nhan")] = [span.text for span in text.iter(f"{NS}tspan")]
    legend, title, numbered = {}, "", []
    groups = list(root.iter(f"{NS}g"))
    below = list(groups[-1])
    for i, element in enumerate(below):
        if element.tag == f"{NS}rect":
            legend[_fill(element.get("fill"))] = below[i + 1].text
        elif element.tag == f"{NS}text" and element.get("font-weight") == "600":
            title = element.text
        elif element.tag == f"{NS}text" and len(element) and not element.get("font-style"):
            numbered.append("".join(element.itertext()))
    return DrawnMap(key, svg, fills, hovers, labels, legend, title, numbered, selected)


def drawn_maps(at) -> dict[str, DrawnMap]:
    """Every map on the page run of an AppTest (a markdown element holding an <svg class="ban-do">), by the key it
    was drawn with (its id is bd-<key>)."""
    maps = {}
    for element in at.markdown:
        text = str(element.value)
        found = re.match(r'<div class="ban-do-khung">\n(<svg id="bd-([^"]+)" class="ban-do".*</svg>)\n</div>$', text,
                         re.S)
        if found:
            maps[found.group(2)] = parse(found.group(2), found.group(1))
    return maps
