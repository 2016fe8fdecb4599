"""`kabar stats`: field fill rates over a folder of pages agree with the reviewed golden files."""

import json
from datetime import UTC, datetime

from kabar.cli import main
from kabar.stats import FIELDS, field_stats, page_files
from tests.conftest import mirror_of
from tests.golden import expected_path, golden_pages, site_of


def _goldens(site: str = "tempo") -> list[dict]:
    found = [json.loads(expected_path(p).read_text()) for p in golden_pages() if site_of(p).name == site]
    return [g for g in found if "parsed" in g]


def test_fill_rates_over_the_mirror_match_the_golden_files():
    stats = field_stats(page_files(mirror_of("tempo")), datetime(2023, 10, 1, tzinfo=UTC))
    goldens = _goldens()
    assert stats.pages == len(goldens)
    for name in FIELDS:
        expected = sum(1 for g in goldens if {**g["parsed"], "body": g["body"]}[name] not in (None, "", []))
        assert stats.count(name) == expected, name
    blocks = {}
    for g in goldens:
        for block in {r["block"] for r in g["parsed"]["related"]}:
            blocks[block] = blocks.get(block, 0) + 1
    assert stats.blocks == blocks


def test_stats_command_prints_a_table_and_lists_missing_fields(capsys):
    assert main(["stats", str(mirror_of("tempo")), "--fields", "--missing"]) == 0
    out = capsys.readouterr().out
    assert f"{len(_goldens())} article pages" in out
    assert "editor" in out and "empty in" in out and "1772120" in out  # the page without an editor


def test_stats_of_a_missing_folder_is_a_usage_error(capsys, tmp_path):
    assert main(["stats", str(tmp_path / "nope")]) == 2
    assert capsys.readouterr().err.startswith("kabar: ")
