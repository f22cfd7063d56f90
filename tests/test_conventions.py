"""House rules that a reviewer would otherwise check by hand."""
from __future__ import annotations

import re
import subprocess
from pathlib import Path

import duckdb

from etl import contracts as C
from etl.build import SQL_DIR, discover

PROJECT = Path(__file__).resolve().parent.parent


def test_every_model_states_its_grain_on_its_first_line():
    models = discover()
    assert {m.schema for m in models} == {"staging", "marts"}
    for model in models:
        assert model.sql().startswith("-- grain:"), model.path.name


def test_every_check_has_a_severity_and_a_vietnamese_title():
    for path in sorted((SQL_DIR / "checks").glob("*.sql")):
        sql = path.read_text(encoding="utf-8")
        assert re.search(r"^-- severity: (error|warning|info)$", sql, re.M), path.name
        assert re.search(r"^-- title: \S.+$", sql, re.M), path.name


def test_the_contract_document_names_every_source_and_every_header():
    doc = (PROJECT / "docs/data-contract.md").read_text(encoding="utf-8")
    for name in C.SOURCE_NAMES:
        assert f"### `{name}/`" in doc, name
    for source in C.TABULAR_SOURCES.values():
        for column in source.columns:
            # the report form's headers are written "Group › Label" in the table of the document
            shown = column.header.split(" › ")[-1]
            assert shown in doc, (source.name, column.header)


def test_no_product_code_reads_the_shared_folder():
    tracked = subprocess.run(["git", "ls-files", "*.py", "*.sql", "*.toml", "*.sh"], cwd=PROJECT,
                             capture_output=True, text=True).stdout.split()
    offenders = [f for f in tracked if not f.startswith("tests/")
                 and "../shared" in (PROJECT / f).read_text(encoding="utf-8", errors="ignore")]
    assert offenders == []


def test_ci_runs_exactly_the_readme_test_command():
    ci = (PROJECT / ".ci/run").read_text(encoding="utf-8").strip().splitlines()[-1].strip()
    readme = (PROJECT / "README.md").read_text(encoding="utf-8")
    assert ci == "bash tests/run.sh" and f"```bash\n{ci}\n```" in readme


def test_marts_document_is_up_to_date(tiny_warehouse):
    from etl.docs import DOC_PATH, render

    with duckdb.connect(str(tiny_warehouse), read_only=True) as con:
        expected = render(con)
    assert DOC_PATH.read_text(encoding="utf-8") == expected, "run: python -m etl docs"
