"""bench/label_sources.py places each label among what its page states, on a small set written here."""

import gzip
import json
import os

import pytest

from bench import label_sources
from tests.conftest import CORPUS

SCORER = CORPUS.parent / "tools" / "score.py"
STORY = "<p>" + "The ferry crossed the wide grey bay twice each morning in the dry season. " * 12 + "</p>"


def page(h1: str, og: str, published: str) -> str:
    return (
        f'<html><head><title>{og}</title><meta property="og:title" content="{og}">'
        '<meta property="og:site_name" content="Harbour Watch">'
        f'<meta property="article:published_time" content="{published}"></head>'
        f"<body><h1>{h1}</h1><article>{STORY}</article></body></html>"
    )


PAGES = {  # id: (page, label title, label day)
    "h1": (
        page("Ferry Keeps Its Timetable", "Ferry keeps timetable", "2025-03-02"),
        "Ferry Keeps Its Timetable",
        "2025-03-02",
    ),
    "og": (
        page("Ferry Keeps Its Timetable", "Ferry Keeps Its Timetable, Says the Harbour Master", "2025-03-02"),
        "Ferry Keeps Its Timetable, Says the Harbour Master",
        "2025-03-02",
    ),
    "suffix": (
        page("Ferry Keeps Its Timetable", "Ferry Keeps Its Timetable | Harbour Watch", "2025-03-02"),
        "Ferry Keeps Its Timetable | Harbour Watch",
        "2019-07-01",
    ),
}


@pytest.mark.skipif(not SCORER.is_file(), reason="the reference scorer is not beside the corpus")
def test_each_label_is_placed_among_what_its_page_states(tmp_path, monkeypatch):
    monkeypatch.setenv("KABAR_SCORER", str(SCORER))
    (tmp_path / "pages").mkdir()
    with open(tmp_path / "truth.jsonl", "w", encoding="utf-8") as truth:
        for pid, (html, title, day) in PAGES.items():
            (tmp_path / "pages" / f"{pid}.html.gz").write_bytes(gzip.compress(html.encode()))
            url = f"https://harbour.example/news/2025/03/02/{pid}-ferry-keeps-its-timetable"
            truth.write(
                json.dumps({"id": pid, "kind": "article", "url": url, "title": title, "published": day})
                + "\n"
            )
    report = label_sources.measure(tmp_path)
    assert report["title"]["labelled"] == 3
    assert report["title"]["kabar"] == round(1 / 3, 4)  # the h1 is kabar's title on all three
    assert report["title"]["ceiling"] == 1.0  # each label is a title its page states
    assert report["title"]["misses"] == {
        "miss: a metadata title no h1 shows": 1,
        "miss: kabar's title with the site or section name after it": 1,
    }
    assert report["day"] == {
        "labelled": 3,
        "kabar": round(2 / 3, 4),
        "ceiling": round(2 / 3, 4),
        "misses": {"miss: no day the page states": 1},
    }


def test_a_folder_without_labels_is_one_line_and_exit_2(tmp_path, capsys):
    with pytest.raises(SystemExit) as stop:
        label_sources.main([str(tmp_path)])
    assert stop.value.code == 2
    assert f"{tmp_path} has no truth.jsonl" in capsys.readouterr().err
    assert os.listdir(tmp_path) == []
