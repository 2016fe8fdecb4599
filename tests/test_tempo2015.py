"""tempo.co's 2015 layout: the real page of the era against its labels, then the mirror pages of the era."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kabar.clean import clean
from kabar.sites import get_site, indonesian
from kabar.sites.html import soup_of
from kabar.sites.tempo import layout2015
from tests.conftest import mirror_of
from tests.corpus import labelled_page, load_scorer
from tests.golden import fetched_at, page_url

TEMPO = get_site("tempo")
REAL_ID = "tempo-tempo-singlepage"
NEWS = mirror_of("tempo") / "read" / "news" / "2015" / "11"
PAGES_2015 = sorted(
    p for p in NEWS.glob("*/*/*.html") if int(p.parent.name[3:]) >= 716000
)  # not the English edition
PAGES_2023 = sorted((mirror_of("tempo") / "read").glob("17*/*.html"))
KPU = NEWS / "02" / "078716012" / "kpu-perpanjang-pendaftaran-relawan-pilkada-di-tiga-provinsi.html"


def _page(name: str) -> Path:
    return next(p for p in PAGES_2015 if p.stem == name)


def _parse(page: Path):
    return TEMPO.parse(page.read_bytes(), page_url(page), fetched_at(page))


# --- the real 2015 page against its labels (skipped without the shared corpus) ----------------------


@pytest.fixture(scope="module")
def scorer():
    return load_scorer()


@pytest.fixture(scope="module")
def real():
    """(html, truth, parsed, article) of the real 2015 page."""
    html, truth = labelled_page("indonesian-2015", REAL_ID)
    parsed = TEMPO.parse(html, truth["url"], datetime(2015, 11, 5, 5, tzinfo=UTC))
    return html, truth, parsed, clean(parsed, TEMPO.rules_for(parsed.layout))


def test_real_page_is_parsed_by_the_2015_layout(real):
    assert real[2].layout == layout2015.Layout2015.name
    assert layout2015.Layout2015().matches(soup_of(real[0]))


def test_real_page_title_is_exact_after_normalisation(real, scorer):
    _, truth, parsed, _ = real
    assert scorer.norm(parsed.title) == scorer.norm(truth["title"])


def test_real_page_published_on_the_labelled_day(real, scorer):
    _, truth, parsed, _ = real
    assert scorer.day(parsed.published_at.isoformat()) == scorer.day(truth["published"])


def test_real_page_body_f1(real, scorer):
    _, truth, _, article = real
    precision, recall, f1 = scorer.prf(article.body, truth["body"])
    assert f1 >= 0.95, (precision, recall, f1)


def test_real_page_terpopuler_keeps_the_page_order(real):
    """Positions 1..n follow the numbered list as the page shows it."""
    html, _, parsed, _ = real
    heading = next(h for h in soup_of(html).select("h2.title") if h.get_text(strip=True) == "Terpopuler")
    shown = [TEMPO.canonical_url(a["href"]) for a in heading.parent.select("h3 a[href]")]
    links = [link for link in parsed.related if link.block == "terpopuler"]
    assert len(shown) == 10
    assert [(link.position, link.url) for link in links] == list(enumerate(shown, 1))


def test_real_page_related_blocks(real):
    counts = {}
    for link in real[2].related:
        counts[link.block] = counts.get(link.block, 0) + 1
    assert counts == {
        "top_10": 9,
        "grafis": 2,
        "terpopuler": 10,
        "berita_pilihan": 5,
        "berita_terkait": 5,
        "topik": 1,
        "foto": 1,
        "video": 1,
        "indonesiana": 1,
        "berita_terbaru": 10,
    }


# --- matches(): by what the page contains -----------------------------------------------------------


@pytest.mark.parametrize("page", PAGES_2015, ids=lambda p: p.stem)
def test_matches_the_2015_mirror_pages(page):
    assert layout2015.Layout2015().matches(soup_of(page.read_bytes()))


@pytest.mark.parametrize("page", PAGES_2023, ids=lambda p: p.stem)
def test_does_not_match_the_2023_mirror_pages(page):
    assert not layout2015.Layout2015().matches(soup_of(page.read_bytes()))


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><h1>Judul</h1><p>Isi.</p></body></html>",
        '<div class="artikel"><h1>Judul</h1><p>Tanpa tanggal.</p></div>',  # no date line: not this layout
    ],
)
def test_does_not_match_other_markup(html):
    assert not layout2015.Layout2015().matches(soup_of(html))


def test_at_least_five_mirror_pages_with_ids_of_the_era():
    ids = [TEMPO.article_id(page_url(p)) for p in PAGES_2015]
    assert len(ids) >= 5
    assert all(716000 <= int(i.split(":")[1]) <= 716399 for i in ids)


# --- related blocks of one mirror page ---------------------------------------------------------------

KPU_BLOCKS = {  # block: (items, first target id, first title, first time text)
    "top_10": (3, "tempo:715870", "Bawaslu Temukan Ribuan Data Pemilih Ganda", None),
    "grafis": (1, None, "Jejak Pilkada Serentak", None),
    "terpopuler": (3, "tempo:715870", "Bawaslu Temukan Ribuan Data Pemilih Ganda", None),
    "berita_pilihan": (2, "tempo:715966", "Jepang Siapkan Kapal Riset Baru", None),
    "berita_terkait": (2, "tempo:715902", "Relawan Pilkada Diminta Netral", None),
    "topik": (1, None, "#Pilkada Serentak", None),
    "foto": (1, None, "Menengok Gudang Logistik Pilkada", None),
    "video": (1, None, "Begini Kotak Suara Dirakit", None),
    "berita_terbaru": (3, "tempo:715966", "Jepang Siapkan Kapal Riset Baru", "3 menit lalu"),
    "baca_juga": (2, "tempo:715870", "Bawaslu Temukan Ribuan Data Pemilih Ganda", None),
}


@pytest.fixture(scope="module")
def kpu():
    return _parse(KPU)


@pytest.mark.parametrize("block", [b for b in KPU_BLOCKS if b != "video"])
def test_block_count_and_first_item(kpu, block):
    count, target, title, time_text = KPU_BLOCKS[block]
    links = [link for link in kpu.related if link.block == block]
    first = links[0]
    assert (len(links), first.position, first.target_article_id, first.title, first.time_text) == (
        count,
        1,
        target,
        title,
        time_text,
    )


def test_video_card_is_not_an_article(kpu):
    count, target, title, _ = KPU_BLOCKS["video"]
    links = [link for link in kpu.related if link.block == "video"]
    assert (len(links), links[0].target_article_id, links[0].title) == (count, target, title)


def test_blocks_keep_page_order_and_positions(kpu):
    blocks = list(dict.fromkeys(link.block for link in kpu.related))
    assert blocks == list(KPU_BLOCKS)  # sidebars, then the lists under the article, then the body's links
    for block in blocks:
        assert [link.position for link in kpu.related if link.block == block] == list(
            range(1, KPU_BLOCKS[block][0] + 1)
        )


def test_card_images_and_relative_times(kpu):
    grafis = next(link for link in kpu.related if link.block == "grafis")
    terbaru = [link for link in kpu.related if link.block == "berita_terbaru"]
    assert grafis.image_url == "http://cdn.tmpo.co/data/2015/11/01/id_450910/450910_300.jpg"
    assert grafis.image_caption is None  # its alt only repeats the title
    assert [link.time_text for link in terbaru] == ["3 menit lalu", "2 jam lalu", "1 hari lalu"]
    assert terbaru[1].published_until - terbaru[1].published_after == timedelta(hours=1)


# --- fields of the mirror pages ----------------------------------------------------------------------


def test_fields_of_a_page(kpu):
    assert (kpu.title, kpu.authors, kpu.editor, kpu.section, kpu.dateline, kpu.agency) == (
        "KPU Perpanjang Pendaftaran Relawan Pilkada di Tiga Provinsi",
        ("Rahma Putri",),
        None,
        "Nasional",
        "Jakarta",
        None,
    )
    assert kpu.published_at == datetime(2015, 11, 2, 1, 45, tzinfo=UTC)
    assert kpu.tags == ("pilkada", "kpu", "relawan", "Pilkada Serentak")
    assert (kpu.image_caption, kpu.image_credit) == (
        "Petugas menata kotak suara di gudang logistik di Jakarta, 1 November 2015.",
        "TEMPO/Arif Wicaksono",
    )


@pytest.mark.parametrize(
    ("slug", "authors", "agency"),
    [
        ("harga-garam-petani-madura-anjlok-saat-panen-raya", (), "ANTARA"),
        (
            "warga-cipinang-keluhkan-genangan-setelah-hujan-semalam",
            ("Dewi Anggraini", "Fikri Haryanto"),
            None,
        ),
        ("swiss-gelar-konferensi-air-bersih-untuk-negara-kepulauan", ("Naura Lestari",), "REUTERS, AFP"),
        ("putra-priangan-uji-coba-dua-pemain-muda-jelang-turnamen", ("Bagus Prasetyo",), "ANTARA"),
    ],
)
def test_closing_credit_line_is_reporters_and_agencies(slug, authors, agency):
    parsed = _parse(_page(slug))
    assert (parsed.authors, parsed.agency) == (authors, agency)
    assert not any(p.isupper() for p in parsed.paragraphs)  # the credit line left the body


def test_body_lines_are_paragraphs_without_links():
    parsed = _parse(_page("lima-kebiasaan-pagi-yang-bikin-tubuh-lebih-bugar"))
    assert parsed.paragraphs[2:4] == (
        "Minum Air Putih",
        "Segelas air putih setelah bangun tidur membantu mengganti cairan tubuh yang hilang selama tidur. "
        '"Banyak orang langsung minum kopi, padahal tubuh butuh air dulu," kata Ratna.',
    )
    assert len(parsed.paragraphs) == 12
    also = _parse(_page("putra-priangan-uji-coba-dua-pemain-muda-jelang-turnamen"))
    assert not any(p.lower().startswith("baca") for p in also.paragraphs)
    assert [link.target_article_id for link in also.related if link.block == "baca_juga"] == [
        "tempo:715981",
        "tempo:716233",
    ]


def test_page_without_image():
    parsed = _parse(_page("warga-cipinang-keluhkan-genangan-setelah-hujan-semalam"))
    assert (parsed.image_url, parsed.image_caption, parsed.image_credit) == (None, None, None)


def test_hot_topics_bar_is_removed_by_name():
    parsed = _parse(KPU)
    article = clean(parsed, TEMPO.rules_for(parsed.layout))
    assert [(r.rule, r.count) for r in article.removals] == [("topik_terhangat", 1)]
    assert "Topik terhangat" not in article.body and "Rahma" not in article.body


@pytest.mark.parametrize(
    ("block", "removed"),
    [
        ("Topik terhangat: Pilkada Serentak | Kabut Asap | Bela Negara", True),
        ("Topik terhangat: #Banjir Jakarta", True),
        ("Topik terhangat: warga membicarakan genangan yang tak kunjung surut di banyak kawasan", False),
        ("Menurut dia, topik terhangat: kabut asap", False),
    ],
)
def test_hot_topics_rule(block, removed):
    assert any(rule.matches(block) for rule in layout2015.BOILERPLATE) is removed


@pytest.mark.parametrize(
    ("shown", "caption", "credit"),
    [
        (
            "Warga antre di Jakarta, 4 November 2015. TEMPO/Dimas Prakoso",
            "Warga antre di Jakarta, 4 November 2015.",
            "TEMPO/Dimas Prakoso",
        ),
        (
            "Peserta lomba lari melintas di alun-alun. DOK. PANITIA",
            "Peserta lomba lari melintas di alun-alun.",
            "DOK. PANITIA",
        ),
        ("Suasana rapat paripurna di DPR", "Suasana rapat paripurna di DPR", None),
        ("Suasana di gedung DPR/MPR, Senayan", "Suasana di gedung DPR/MPR, Senayan", None),
        (None, None, None),
    ],
)
def test_photo_credit_is_the_capitals_run_ending_the_caption(shown, caption, credit):
    assert indonesian.split_credit(shown, layout2015.PHOTO_CREDIT, 5) == (caption, credit)
