"""Each mirror page extracts to exactly its reviewed golden JSON (see tests/golden.py to rewrite them)."""

import json
import os

import pytest

from kabar.sites import all_sites
from tests.golden import as_golden, expected_path, extract_page, golden_pages, site_of

UPDATE = os.environ.get("KABAR_UPDATE_GOLDEN") == "1"


@pytest.mark.parametrize("page", golden_pages(), ids=lambda p: p.stem)
def test_page_matches_golden(page):
    got = as_golden(extract_page(page))
    expected = expected_path(page)
    if UPDATE:
        expected.write_text(json.dumps(got, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    assert expected.exists(), (
        f"no golden file for {page}: run KABAR_UPDATE_GOLDEN=1 python -m pytest {__file__}"
    )
    assert got == json.loads(expected.read_text(encoding="utf-8"))


def test_every_site_has_golden_pages():
    assert {site_of(p).name for p in golden_pages()} == set(all_sites())
