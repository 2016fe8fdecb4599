"""The shared third-party corpus: labelled real pages and the reference scorer; a test that needs
either skips when it is absent."""

import gzip
import importlib.util
import json

import pytest

from tests.conftest import CORPUS

SCORER = CORPUS.parent / "tools" / "score.py"


def labelled_page(set_name: str, page_id: str) -> tuple[bytes, dict]:
    """(raw HTML, truth label) of one corpus page."""
    page = CORPUS / set_name / "pages" / f"{page_id}.html.gz"
    if not page.exists():
        pytest.skip(f"no corpus page at {page} (set KABAR_CORPUS)")
    labels = map(json.loads, (CORPUS / set_name / "truth.jsonl").read_text(encoding="utf-8").splitlines())
    truth = next(label for label in labels if label["id"] == page_id)
    return gzip.decompress(page.read_bytes()), truth


def load_scorer():
    """`../shared/tools/score.py` as a module: its prf, norm and day are the benchmark's metric."""
    if not SCORER.exists():
        pytest.skip(f"no scorer at {SCORER}")
    spec = importlib.util.spec_from_file_location("kabar_corpus_score", SCORER)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
