"""tempo.co's English edition of 2015 (en.tempo.co): the real page of the era against its labels, then
the layout's choice of pages and the mirror pages of the edition."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kabar.clean import clean
from kabar.mirror import resolve
from kabar.sites import get_site, indonesian
from kabar.sites.html import soup_of
from kabar.sites.tempo import layout2015en
from tests.conftest import mirror_of
from tests.corpus import labelled_page, load_scorer
from tests.golden import fetched_at, page_url

TEMPO = get_site("tempo")
RULES = TEMPO.rules_for("tempo-2015-en")
REAL_ID = "tempo-english-tempoen-singlepage"
NEWS = mirror_of("tempo") / "read" / "news" / "2015" / "11"
EN_PAGES = sorted(NEWS.glob("*/[0-9][0-9][0-9]7159[0-9][0-9]/*.html"))  # the edition's ids: 715900-715999
OTHER_PAGES = sorted(p for p in (mirror_of("tempo")).glob("**/*.html") if p.is_file() and p not in EN_PAGES)
LIBRARIES = NEWS / "05" / "055715912" / "Ministry-Plans-Village-Libraries-in-120-Districts.html"
PUMPS = NEWS / "07" / "057715937" / "Jakarta-Opens-Three-New-Flood-Pumping-Stations.html"
BUOYS = NEWS / "10" / "074715964" / "Japan-Tests-Tsunami-Warning-Buoys-off-Pacific-Coast.html"


def _mirror(page: Path):
    return TEMPO.parse(page.read_bytes(), page_url(page), fetched_at(page))


# --- the real page against its labels (skipped without the shared corpus) -------------------------------


@pytest.fixture(scope="module")
def scorer():
    return load_scorer()


@pytest.fixture(scope="module")
def real():
    """(html, truth, parsed, article) of the real English page."""
    html, truth = labelled_page("indonesian-2015", REAL_ID)
    parsed = TEMPO.parse(html, truth["url"], datetime(2015, 11, 5, 5, tzinfo=UTC))
    return html, truth, parsed, clean(parsed, RULES)


def test_real_page_is_this_layout_and_no_other(real):
    soup = soup_of(real[0])
    assert layout2015en.Layout2015en().matches(soup)
    assert [layout.name for layout in _other_layouts() if layout.matches(soup)] == []


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


def test_real_page_fields(real):
    _, truth, parsed, article = real
    assert (parsed.url, parsed.article_id) == (TEMPO.canonical_url(truth["url"]), "tempo:715684")
    assert (parsed.authors, parsed.agency, parsed.dateline, parsed.language) == (
        (),
        "ANTARA",
        "Jakarta",
        "en",
    )
    assert parsed.section and parsed.image_url and parsed.image_credit.startswith("TEMPO/")
    assert not article.body.endswith("ANTARA")  # the credit line left the body
    # the keywords end with the description's words: only the real keywords are tags (here: the topic)
    assert parsed.tags == tuple(link.title for link in parsed.related if link.block == "topic")


def test_real_page_related_blocks(real):
    counts: dict[str, int] = {}
    for link in real[2].related:
        counts[link.block] = counts.get(link.block, 0) + 1
    assert counts == {"headlines": 12, "popular": 9, "latest_news": 7, "related": 5, "topic": 1, "photo": 1}


def test_real_page_popular_keeps_the_page_order(real):
    html, _, parsed, _ = real
    shown = [TEMPO.canonical_url(a["href"]) for a in soup_of(html).select("div.blok-terpopuler li a[href]")]
    assert [(link.position, link.url) for link in parsed.related if link.block == "popular"] == list(
        enumerate(shown, 1)
    )


# --- matches(): by what the page contains ------------------------------------------------------------


def _other_layouts():
    return [layout for layout in TEMPO.layouts if layout.name != layout2015en.Layout2015en.name]


@pytest.mark.parametrize("page", EN_PAGES, ids=lambda p: p.stem)
def test_matches_the_english_mirror_pages_and_no_other_layout_does(page):
    soup = soup_of(page.read_bytes())
    assert layout2015en.Layout2015en().matches(soup)
    assert [layout.name for layout in _other_layouts() if layout.matches(soup)] == []


@pytest.mark.parametrize("page", OTHER_PAGES, ids=lambda p: p.relative_to(mirror_of("tempo")).as_posix())
def test_does_not_match_the_other_mirror_pages(page):
    assert not layout2015en.Layout2015en().matches(soup_of(page.read_bytes()))


@pytest.mark.parametrize(
    "html",
    [
        "<html><body><h1>Title</h1><p>Text.</p></body></html>",
        '<div class="judul-konten">Title</div><p>No body box.</p>',
        '<div class="tubuh-berita"><p>A body without a title box.</p></div>',
    ],
)
def test_does_not_match_other_markup(html):
    assert not layout2015en.Layout2015en().matches(soup_of(html))


def test_three_mirror_pages_with_ids_of_the_edition():
    ids = [TEMPO.article_id(page_url(p)) for p in EN_PAGES]
    assert ids == ["tempo:715912", "tempo:715937", "tempo:715964"]


def test_tempo_registers_the_layout_and_its_rules():
    """The site lists the layout; its rules apply to its pages and to no other layout's."""
    assert set(layout2015en.BOILERPLATE) <= set(TEMPO.rules_for(layout2015en.Layout2015en.name))
    assert all(
        not set(layout2015en.BOILERPLATE) & set(TEMPO.rules_for(other.name)) for other in _other_layouts()
    )
    for page in EN_PAGES:
        assert TEMPO.parse(page.read_bytes(), page_url(page), fetched_at(page)) == _mirror(page)


# --- the model mirror page: fields and blocks ----------------------------------------------------------


@pytest.fixture(scope="module")
def libraries():
    return _mirror(LIBRARIES)


def test_fields_of_a_page(libraries):
    p = libraries
    assert (p.url, p.article_id, p.layout) == (
        (
            "https://en.tempo.co/read/news/2015/11/05/055715912,uk.html/"
            "Ministry-Plans-Village-Libraries-in-120-Districts"
        ),
        "tempo:715912",
        "tempo-2015-en",
    )
    assert (p.title, p.authors, p.editor, p.section, p.dateline, p.agency, p.language, p.kind) == (
        "Ministry Plans Village Libraries in 120 Districts",
        (),
        None,
        "National",
        "Jakarta",
        "ANTARA",
        "en",
        "article",
    )
    assert p.published_at == datetime(2015, 11, 5, 2, 40, tzinfo=UTC)  # 09:40 WIB
    assert p.tags == ("Village Library", "Education")  # the description's words dropped, the topic once
    assert (p.image_url, p.image_caption, p.image_credit) == (
        "http://cdn.tmpo.co/data/2015/11/05/id_451141/451141_620.jpg",
        "Children read at a village reading room in Sumba, East Nusa Tenggara.",
        "TEMPO/Dimas Aryo",
    )


def test_body_paragraphs_and_the_follow_prompt(libraries):
    assert len(libraries.paragraphs) == 8
    assert libraries.paragraphs[0].startswith("TEMPO.CO, Jakarta - The Ministry of Education and Culture")
    article = clean(libraries, RULES)
    assert [(r.rule, r.count) for r in article.removals] == [("follow_prompt_en", 1)]
    assert article.body.endswith("in the second half of 2016.") and "ANTARA" not in article.body


LIBRARY_BLOCKS = {  # block: (items, first target id, first title, first time text)
    "headlines": (3, "tempo:715912", "Ministry Plans Village Libraries in 120 Districts", None),
    "popular": (3, "tempo:715909", "House Committee Backs Rural Reading Program", None),
    "latest_news": (
        3,
        "tempo:715909",
        "House Committee Backs Rural Reading Program",
        "Thursday, 05 November 2015 | 08:55",
    ),
    "related": (2, "tempo:715904", "Education Office Trains 300 School Librarians", None),
    "topic": (1, None, "Village Library", None),
    "photo": (1, None, "A Reading Corner in Sumba", None),
}


@pytest.mark.parametrize("block", list(LIBRARY_BLOCKS))
def test_block_count_and_first_item(libraries, block):
    count, target, title, time_text = LIBRARY_BLOCKS[block]
    links = [link for link in libraries.related if link.block == block]
    first = links[0]
    assert (len(links), first.position, first.target_article_id, first.title, first.time_text) == (
        count,
        1,
        target,
        title,
        time_text,
    )


def test_blocks_keep_page_order_and_positions(libraries):
    blocks = list(dict.fromkeys(link.block for link in libraries.related))
    assert blocks == list(LIBRARY_BLOCKS)
    for block in blocks:
        assert [link.position for link in libraries.related if link.block == block] == list(
            range(1, LIBRARY_BLOCKS[block][0] + 1)
        )


def test_latest_news_cards(libraries):
    latest = [link for link in libraries.related if link.block == "latest_news"]
    assert latest[0].summary == (
        "Lawmakers say the budget for village reading rooms should be raised next year."
    )  # its <br> a space
    assert latest[0].image_url == "http://images.tempo.co/?id=451130"
    shown = datetime(2015, 11, 5, 1, 55, tzinfo=UTC)  # 08:55 WIB
    assert latest[0].published_after == shown - timedelta(microseconds=1)
    assert latest[0].published_until - latest[0].published_after == timedelta(minutes=1)
    plain = latest[2]  # a list item under the cards: a link only
    assert (plain.time_text, plain.summary, plain.image_url) == (None, None, None)


def test_relative_links_resolve_on_the_english_host(libraries):
    related = [link.url for link in libraries.related if link.block in ("related", "topic", "photo")]
    assert related == [
        "https://en.tempo.co/read/news/2015/11/04/055715904/Education-Office-Trains-300-School-Librarians",
        "https://en.tempo.co/read/news/2015/11/05/055715909/House-Committee-Backs-Rural-Reading-Program",
        "https://en.tempo.co/topik/masalah/3301/Village-Library",
        "https://en.tempo.co/read/beritafoto/35810/A-Reading-Corner-in-Sumba",
    ]


# --- the other mirror pages and the helpers ------------------------------------------------------------


@pytest.mark.parametrize(
    ("page", "authors", "agency", "dateline"),
    [
        (PUMPS, ("Rina Marliana", "Yudha Setiawan"), None, "Jakarta"),
        (BUOYS, ("Nadia Safitri",), "REUTERS", "Tokyo"),
    ],
)
def test_closing_credit_line_is_reporters_and_agencies(page, authors, agency, dateline):
    parsed = _mirror(page)
    assert (parsed.authors, parsed.agency, parsed.dateline) == (authors, agency, dateline)
    assert not any(p.isupper() for p in parsed.paragraphs)  # the credit line left the body


def test_page_without_photo_or_topics():
    parsed = _mirror(PUMPS)
    assert (parsed.image_url, parsed.image_caption, parsed.image_credit) == (None, None, None)
    assert {link.block for link in parsed.related} == {"headlines", "popular", "latest_news", "related"}
    assert parsed.tags == ("Flood", "Jakarta", "Pumping Station")


def test_photo_card_alt_other_than_its_title_is_its_caption():
    photos = [link for link in _mirror(BUOYS).related if link.block == "photo"]
    assert [link.image_caption for link in photos] == [None, "Technicians check a buoy before it is shipped"]


def test_topics_follow_the_keywords_once_each():
    tags = _mirror(BUOYS).tags  # "Tsunami" is a keyword and a topic
    assert tags == ("Tsunami", "Japan", "Early Warning", "Disaster Preparedness")


def test_a_list_ends_at_the_next_heading():
    """Sidebar boxes in another order than on the real page: "Latest News" must not take "Popular"'s items."""
    html = """<div class="kolom-kanan-front">
      <div class="blok-subkanal"><div class="judul-subkanal">Latest News</div></div>
      <div class="kolom-kini"><ul><li><a href="/read/news/2015/11/04/055715001/A">A</a></li></ul></div>
      <div class="blok-terpopuler"><div class="blok-subkanal"><div class="judul-subkanal">Popular</div></div>
        <ul><li><a href="/read/news/2015/11/04/055715002/B">B</a></li></ul></div>
      <div class="judul-terkait">Related</div><li><a href="/read/news/2015/11/04/055715003/C">C</a></li>
    </div>"""
    blocks = layout2015en._blocks(soup_of(html))
    assert {name: [card.title for card in cards] for name, cards in blocks.items()} == {
        "latest_news": ["A"],
        "popular": ["B"],
        "related": ["C"],
    }


@pytest.mark.parametrize(
    ("block", "removed"),
    [
        ("Follow Tempo English on Twitter @tempo_english", True),
        ("Follow us on Facebook and Twitter", True),
        ("Follow us on Twitter: @tempo_english", True),
        (
            "Follow us on Twitter to read how the pumps worked during the first heavy rain of the season",
            False,
        ),
        ("Residents follow us on Twitter", False),
    ],
)
def test_follow_prompt_rule(block, removed):
    assert any(rule.matches(block) for rule in layout2015en.BOILERPLATE) is removed


@pytest.mark.parametrize(
    ("shown", "caption", "credit"),
    [
        (
            "Workers at a port in Jakarta. Image: TEMPO/Arif Budi",
            "Workers at a port in Jakarta.",
            "TEMPO/Arif Budi",
        ),
        ("A storm off Luzon. Photo: REUTERS/Staff", "A storm off Luzon.", "REUTERS/Staff"),
        ("Image of a flooded street in Pluit", "Image of a flooded street in Pluit", None),
        (None, None, None),
    ],
)
def test_photo_credit_follows_image_label(shown, caption, credit):
    assert indonesian.split_credit(shown, layout2015en.PHOTO_CREDIT) == (caption, credit)


@pytest.mark.parametrize(
    ("keywords", "description", "tags"),
    [
        ("Haze,Riau,Smoke,covers,the,city", "Smoke covers the city.", ("Haze", "Riau")),
        (
            "Haze,Riau,Smoke",
            "Smoke covers the city",
            ("Haze", "Riau", "Smoke"),
        ),  # no description tail: all kept
        ("Haze,haze,Riau", "", ("Haze", "Riau")),
    ],
)
def test_keywords_without_the_description_tail(keywords, description, tags):
    head = f'<meta name="keywords" content="{keywords}"><meta name="description" content="{description}">'
    assert layout2015en._tags(soup_of(f"<html><head>{head}</head><body></body></html>")) == tags


def test_sitemap_lists_the_pages_newest_first_at_served_urls():
    xml = (mirror_of("tempo") / "sitemap" / "2015-11-en.xml").read_text(encoding="utf-8")
    locs, lastmods = re.findall(r"<loc>(.*?)</loc>", xml), re.findall(r"<lastmod>(.*?)</lastmod>", xml)
    assert [TEMPO.article_id(loc) for loc in locs] == ["tempo:715964", "tempo:715937", "tempo:715912"]
    served = [resolve(mirror_of("tempo"), loc.removeprefix("http://en.tempo.co")) for loc in locs]
    assert served == [page.resolve() for page in EN_PAGES[::-1]]
    published = [_mirror(page).published_at for page in EN_PAGES[::-1]]
    assert [datetime.fromisoformat(t) for t in lastmods] == published
