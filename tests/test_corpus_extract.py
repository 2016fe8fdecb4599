"""`kabar extract --corpus DIR`: a folder in the layout of `../shared/corpus/<set>/` (pages/<id>.html.gz
and truth.jsonl, of which only `id` and `url` are read) becomes one JSON line per page: the site module
of the page's host, else the generic extractor; a page that cannot become an article is a line with an
`error`, never a stop. A bad folder: one line on stderr, exit status 2.

The pages written here are invented; the real set is read from `KABAR_CORPUS` when it is there.
"""

import gzip
import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from kabar.cli import main
from tests.conftest import CORPUS, mirror_of

FIELDS = {"id", "url", "title", "authors", "published", "body", "language", "related"}

GENERIC_PAGE = """<!doctype html>
<html lang="id"><head><meta charset="utf-8">
<title>Warga Desa Sukamaju Membangun Jembatan Bambu Sendiri - Kabar Contoh</title>
<link rel="canonical" href="https://kabar-contoh.example/berita/2024/05/jembatan-bambu">
<script type="application/ld+json">
{"@context": "https://schema.org", "@type": "NewsArticle",
 "headline": "Warga Desa Sukamaju Membangun Jembatan Bambu Sendiri",
 "datePublished": "2024-05-06T08:30:00+07:00",
 "author": {"@type": "Person", "name": "Ratna Wulandari"}}
</script></head>
<body><header><nav><a href="/">Beranda</a> <a href="/berita">Berita</a></nav></header>
<main><article>
<h1>Warga Desa Sukamaju Membangun Jembatan Bambu Sendiri</h1>
<p class="byline">Oleh Ratna Wulandari</p>
<div class="content">
<p>Warga Desa Sukamaju bergotong royong selama dua pekan untuk membangun jembatan bambu yang
menghubungkan kampung mereka dengan pasar kecamatan di seberang sungai.</p>
<p>Kepala desa mengatakan jembatan lama hanyut terbawa banjir pada awal tahun, sehingga anak-anak
harus memutar sejauh tujuh kilometer untuk sampai ke sekolah setiap pagi.</p>
<p>Bambu dikumpulkan dari kebun warga, sedangkan tali ijuk dan paku dibeli dengan uang kas desa yang
disisihkan dari hasil panen bersama musim lalu.</p>
<p>Para pemuda bekerja pada sore hari setelah pulang dari sawah, sementara ibu-ibu menyiapkan makanan
dan minuman untuk semua yang ikut membangun jembatan itu.</p>
<p>Jembatan sepanjang empat puluh meter itu kini bisa dilalui pejalan kaki dan sepeda motor, dan warga
berencana merawatnya bersama setiap tiga bulan sekali.</p>
</div>
<section class="baca-juga"><h3>Baca juga</h3><ul>
<li><a href="https://kabar-contoh.example/berita/2024/05/panen-raya-padi">Panen raya padi di lembah
Sukamaju lebih awal tahun ini</a></li>
<li><a href="https://kabar-contoh.example/berita/2024/04/sekolah-baru">Sekolah dasar baru dibuka di
kecamatan sebelah sungai</a></li>
<li><a href="https://kabar-contoh.example/berita/2024/04/pasar-kecamatan">Pasar kecamatan diperluas
untuk pedagang sayur keliling</a></li>
</ul></section>
</article></main>
<footer><p>Hak cipta Kabar Contoh. Semua hak dilindungi.</p></footer>
</body></html>
"""

NOT_AN_ARTICLE = "<html><head></head><body></body></html>"  # no title, no text


def _write(folder: Path, rows: list[dict], pages: dict[str, bytes]) -> Path:
    (folder / "pages").mkdir(parents=True)
    for page_id, html in pages.items():
        (folder / "pages" / f"{page_id}.html.gz").write_bytes(gzip.compress(html))
    (folder / "truth.jsonl").write_text(
        "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows), encoding="utf-8"
    )
    return folder


def _lines(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.fixture
def corpus(tmp_path) -> Path:
    """Four pages: ANTARA's bundled mirror page (a site module's host), an invented page of an unknown
    host, the same page with no URL in truth.jsonl (its canonical link is used), a page that is no
    article; and a truth row whose page file is missing."""
    antara = next((mirror_of("antara") / "berita" / "527760").glob("*.html"))
    antara_url = json.loads(antara.with_name(antara.stem + ".meta.json").read_text())["url"]
    rows = [
        # the other fields are labels: never read by the command (nonsense here on purpose)
        {"id": "antara-wire", "url": antara_url, "title": "not this", "kind": "listing"},
        {"id": "generic", "url": "https://kabar-contoh.example/berita/2024/05/jembatan-bambu", "body": 1},
        {"id": "no-url", "url": None},
        {"id": "empty", "url": "https://kabar-contoh.example/kosong"},
        {"id": "missing", "url": "https://kabar-contoh.example/hilang"},
    ]
    pages = {
        "antara-wire": antara.read_bytes(),
        "generic": GENERIC_PAGE.encode(),
        "no-url": GENERIC_PAGE.encode(),
        "empty": NOT_AN_ARTICLE.encode(),
    }
    return _write(tmp_path / "set", rows, pages)


def test_one_json_line_per_page_through_the_site_module_or_the_generic_extractor(corpus, capsys):
    assert main(["extract", "--corpus", str(corpus), "--fetched-at", "2015-11-12T05:00:00+00:00"]) == 0
    lines = _lines(capsys)
    assert [line["id"] for line in lines] == ["antara-wire", "generic", "no-url", "empty", "missing"]

    wire, generic, no_url, empty, missing = lines
    # ANTARA's own module: the golden extraction of the mirror page, related blocks included
    expected = json.loads(
        next((mirror_of("antara") / "berita" / "527760").glob("*.expected.json")).read_text(encoding="utf-8")
    )
    assert set(wire) == FIELDS
    assert wire["title"] == expected["parsed"]["title"]
    assert wire["authors"] == expected["parsed"]["authors"]
    assert wire["published"] == expected["parsed"]["published_at"]
    assert wire["body"] == expected["body"]
    assert wire["language"] == "id"
    assert wire["related"] == [
        {"block": r["block"], "position": r["position"], "url": r["url"], "title": r["title"]}
        for r in expected["parsed"]["related"]
    ]

    # an unknown host: the generic extractor
    assert set(generic) == FIELDS
    assert generic["url"] == "https://kabar-contoh.example/berita/2024/05/jembatan-bambu"
    assert generic["title"] == "Warga Desa Sukamaju Membangun Jembatan Bambu Sendiri"
    assert generic["authors"] == ["Ratna Wulandari"]
    assert datetime.fromisoformat(generic["published"]) == datetime(2024, 5, 6, 1, 30, tzinfo=UTC)
    assert generic["language"] == "id"
    assert "jembatan bambu yang" in generic["body"] and "Hak cipta" not in generic["body"]
    assert all(set(item) == {"block", "position", "url", "title"} for item in generic["related"])
    assert [item["position"] for item in generic["related"]] == list(range(1, len(generic["related"]) + 1))

    # no URL in truth.jsonl: the page's canonical link stands for it
    assert {**no_url, "id": "generic"} == generic

    # no article, no page file: a line that says why, and the run goes on
    assert set(empty) == {"id", "url", "error"} and empty["error"].startswith("parse: not_an_article")
    assert set(missing) == {"id", "url", "error"} and "missing.html.gz" in missing["error"]


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda d: d, "is not a folder"),
        (lambda d: d.mkdir() or d, "needs truth.jsonl and pages/"),
        (lambda d: _write(d, [], {}) and (d / "truth.jsonl").write_text("{oops\n") and d, "line 1: not JSON"),
        (lambda d: _write(d, [{"url": "https://a.example/"}], {}), "line 1: no usable `id`"),
        (lambda d: _write(d, [{"id": "../escape", "url": None}], {}), "line 1: no usable `id`"),
        (
            lambda d: _write(d, [], {}) and (d / "truth.jsonl").write_text("[" * 100_000 + "\n") and d,
            "line 1: not JSON (nested past Python's recursion limit)",
        ),
    ],
    ids=["absent", "empty-folder", "bad-json", "no-id", "id-outside-pages", "nested-json"],
)
def test_a_bad_folder_is_one_line_on_stderr_and_exit_2(tmp_path, capsys, make, message):
    folder = make(tmp_path / "set")
    assert main(["extract", "--corpus", str(folder)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1 and message in err


def test_file_and_corpus_are_mutually_exclusive_and_one_is_required(corpus, tmp_path, capsys):
    page = tmp_path / "page.html"
    page.write_text(GENERIC_PAGE, encoding="utf-8")
    for argv in (["extract"], ["extract", str(page), "--corpus", str(corpus)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1, err
    assert main(["extract", "--corpus", str(corpus), "--url", "https://a.example/x"]) == 2
    assert "not to --corpus" in capsys.readouterr().err


@pytest.mark.skipif(not (CORPUS / "indonesian-2015").is_dir(), reason="no ../shared/corpus (KABAR_CORPUS)")
def test_the_real_indonesian_set_gives_one_line_per_truth_row(capsys):
    folder = CORPUS / "indonesian-2015"
    with open(folder / "truth.jsonl", encoding="utf-8") as lines:
        ids = [json.loads(line)["id"] for line in lines if line.strip()]
    assert main(["extract", "--corpus", str(folder)]) == 0
    out = _lines(capsys)
    assert [line["id"] for line in out] == ids
    errors = [line for line in out if "error" in line]
    assert not [e for e in errors if "Error:" in e["error"]], errors  # an issue maybe, a crash never
    assert all(set(line) == FIELDS for line in out if "error" not in line)
    assert sum("error" not in line for line in out) >= len(ids) // 2
