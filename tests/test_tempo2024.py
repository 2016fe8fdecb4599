"""tempo.co's 2024 layout: which pages it claims, structured data before markup, paywall, kinds, blocks."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kabar.clean import clean
from kabar.sites import get_site
from kabar.sites.html import soup_of
from kabar.sites.tempo import layout2024
from tests.conftest import mirror_of
from tests.golden import as_golden, expected_path, fetched_at, page_url

TEMPO = get_site("tempo")
MIRROR = mirror_of("tempo")
SECTIONS = ("politik", "ekonomi", "internasional", "hukum", "video", "foto", "infografis")
PAGES_2024 = sorted(p for s in SECTIONS for p in (MIRROR / s).glob("*.html"))
PAGES_2023 = sorted(MIRROR.glob("read/[0-9]*/*.html"))


def page(section: str) -> Path:
    (found,) = (MIRROR / section).glob("*.html")
    return found


def golden(path: Path) -> dict:
    return json.loads(expected_path(path).read_text(encoding="utf-8"))["parsed"]


def parse(path: Path, html: str | None = None):
    raw = path.read_bytes() if html is None else html.encode("utf-8")
    return TEMPO.parse(raw, page_url(path), fetched_at(path))


def edited(path: Path, ld=None, drop_meta: bool = False, **replace: str) -> str:
    """The page's HTML with its JSON-LD changed by `ld(dict)` (or broken, ld="broken"), meta tags
    dropped, and `old=new` text replacements (keys are looked up in REPLACE)."""
    soup = soup_of(path.read_bytes())
    script = soup.select_one('script[type="application/ld+json"]')
    if ld == "broken":
        script.string = script.string[: len(script.string) // 2]  # a response cut inside the JSON
    elif ld is not None:
        data = json.loads(script.string)
        ld(data)
        script.string = json.dumps(data, ensure_ascii=False)
    if drop_meta:
        for tag in soup.select("meta[property], meta[name]"):
            tag.decompose()
    html = str(soup)
    for key, new in replace.items():
        assert REPLACE[key] in html, key
        html = html.replace(REPLACE[key], new)
    return html


REPLACE = {  # visible texts of the politik page
    "h1": ">KPU Tetapkan Jadwal Debat Calon Gubernur di Tiga Provinsi</h1>",
    "lead": ">Debat pertama digelar pada akhir Oktober dan disiarkan langsung oleh tiga stasiun televisi.<",
    "author": ">Raka Aditya</a>",
    "editor": ">Sri Wahyuni Hartono</a>",
    "time": '<time datetime="2024-10-14T10:15:00+07:00">',
    "crumb": '<a href="/politik">Politik</a></li></ol>',
}


# --- which pages are this layout ------------------------------------------------------------------


def test_the_mirror_has_the_2024_pages():
    assert len(PAGES_2024) == 7 and len(PAGES_2023) >= 18


@pytest.mark.parametrize("path", PAGES_2024, ids=lambda p: p.parent.name)
def test_matches_every_2024_page(path):
    assert layout2024.Layout2024().matches(soup_of(path.read_bytes()))
    assert parse(path).layout == "tempo-2024"


@pytest.mark.parametrize(
    "path", [*PAGES_2023, MIRROR / "indeks" / "2023-09-13.html"], ids=lambda p: p.stem[:30]
)
def test_does_not_match_older_pages(path):
    assert not layout2024.Layout2024().matches(soup_of(path.read_bytes()))


@pytest.mark.parametrize(
    "html",
    [
        "<article><header><h1>Judul</h1></header><div id='isi'><p>Isi.</p></div></article>",  # no container
        "<article><header><p>Tanpa judul</p></header><div id='content-wrapper'><p>Isi.</p></div></article>",
        "<header><h1>Judul</h1></header><div id='content-wrapper'><p>Isi.</p></div>",  # no <article>
    ],
)
def test_does_not_match_without_its_markup(html):
    assert not layout2024.Layout2024().matches(soup_of(html))


# --- structured data first, markup second --------------------------------------------------------


def test_json_ld_wins_over_the_visible_header():
    path = page("politik")
    html = edited(
        path,
        h1=">Judul Lain di Layar</h1>",
        lead=">Lead lain.<",
        author=">Penulis Lain</a>",
        editor=">Editor Lain</a>",
        time='<time datetime="2024-10-20T08:00:00+07:00">',
        crumb='<a href="/hukum">Hukum</a></li></ol>',
    )
    parsed, expected = parse(path, html), golden(path)
    assert parsed.title == expected["title"] == "KPU Tetapkan Jadwal Debat Calon Gubernur di Tiga Provinsi"
    assert parsed.subtitle == expected["subtitle"]
    assert parsed.authors == ("Nandita Prameswari", "Raka Aditya", "Yosef Manurung")
    assert parsed.editor == "Sri Wahyuni Hartono"
    assert parsed.published_at == datetime(2024, 10, 14, 3, 15, tzinfo=UTC)
    assert parsed.section == "Politik"


def test_json_ld_values_are_the_ones_read():
    def change(ld):
        ld.update(
            headline="Judul dari JSON-LD",
            alternativeHeadline="Anak judul",
            articleSection="Nasional",
            datePublished="2024-10-14T09:00:00+07:00",
            keywords="Satu, Dua",
            author={"@type": "Person", "name": "Tim Tempo"},
            editor="Redaktur Jaga",
        )

    parsed = parse(page("politik"), edited(page("politik"), ld=change))
    assert (parsed.title, parsed.subtitle, parsed.section) == ("Judul dari JSON-LD", "Anak judul", "Nasional")
    assert parsed.published_at == datetime(2024, 10, 14, 2, tzinfo=UTC)
    assert (parsed.tags, parsed.authors, parsed.editor) == (("Satu", "Dua"), ("Tim Tempo",), "Redaktur Jaga")


FROM_MARKUP = (
    "title",
    "subtitle",
    "authors",
    "editor",
    "published_at",
    "section",
    "tags",
    "dateline",
    "agency",
    "image_url",
    "image_caption",
    "image_credit",
    "editors_pick_url",
    "language",
    "kind",
    "access",
    "paragraphs",
    "related",
)


@pytest.mark.parametrize("section", ["politik", "internasional", "video"])
def test_broken_json_ld_and_no_meta_still_parse_from_the_markup(section):
    path = page(section)
    parsed = as_golden(parse(path, edited(path, ld="broken", drop_meta=True)))
    expected = golden(path)
    assert {f: parsed[f] for f in FROM_MARKUP} == {f: expected[f] for f in FROM_MARKUP}
    assert parsed["updated_at"] is None  # shown nowhere but in the structured data


def test_meta_tags_stand_in_for_a_broken_json_ld():
    path = page("politik")
    html = edited(path, ld="broken", h1=">Judul Lain di Layar</h1>")
    parsed = parse(path, html)
    assert parsed.title == "KPU Tetapkan Jadwal Debat Calon Gubernur di Tiga Provinsi"  # og:title
    assert parsed.updated_at == datetime(2024, 10, 14, 5, 40, tzinfo=UTC)  # article:modified_time


# --- paywall --------------------------------------------------------------------------------------

TEASER = (
    "TEMPO.CO, Jakarta - Mahkamah Agung memperluas persidangan perkara pidana secara elektronik",
    "Juru bicara Mahkamah Agung mengatakan perluasan itu",
    "Pengadilan yang ditunjuk wajib menyiapkan ruang sidang",
)


def test_paywalled_page_keeps_only_its_teaser():
    parsed = parse(page("hukum"))
    article = clean(parsed, TEMPO.rules_for(parsed.layout))
    assert parsed.access == "paywalled"
    blocks = article.body.split("\n\n")
    assert len(blocks) == len(TEASER) and all(b.startswith(t) for b, t in zip(blocks, TEASER))
    for box_text in ("Berlangganan", "Masuk", "Rp 54.945", "Advertisement", "Scroll ke bawah"):
        assert box_text not in article.body
    assert {r.rule: r.count for r in article.removals}["paywall_prompt"] == 4


def test_either_the_flag_or_the_box_means_paywalled():
    path = page("hukum")
    free_flag = lambda ld: ld.update(isAccessibleForFree=True)  # noqa: E731
    assert parse(path, edited(path, ld=free_flag)).access == "paywalled"  # the box alone
    assert parse(path, _without_box(path)).access == "paywalled"  # the flag alone
    assert parse(path, _without_box(path, ld=free_flag)).access == "free"  # neither


def _without_box(path: Path, ld=None) -> str:
    soup = soup_of(edited(path, ld=ld))
    soup.select_one("#paywall").decompose()
    return str(soup)


@pytest.mark.parametrize(
    "flag, access", [(False, "paywalled"), ("false", "paywalled"), (True, "free"), ("True", "free")]
)
def test_accessible_for_free_as_bool_or_string(flag, access):
    path = page("politik")
    assert parse(path, edited(path, ld=lambda ld: ld.update(isAccessibleForFree=flag))).access == access


@pytest.mark.parametrize("section", ["politik", "ekonomi", "internasional", "video", "foto", "infografis"])
def test_free_pages_are_free(section):
    assert parse(page(section)).access == "free"


# --- kinds ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "section, kind",
    [
        ("politik", "article"),
        ("ekonomi", "article"),
        ("internasional", "article"),
        ("hukum", "article"),
        ("video", "video"),
        ("foto", "photo_gallery"),
        ("infografis", "infographic"),
    ],
)
def test_kind_of_each_page(section, kind):
    assert parse(page(section)).kind == kind


@pytest.mark.parametrize(
    "section, kind", [("video", "video"), ("foto", "photo_gallery"), ("infografis", "article")]
)
def test_json_ld_type_decides_the_kind_before_the_url(section, kind):
    """Under an ordinary section URL only the @type (VideoObject, ImageGallery) can tell."""
    soup = soup_of(page(section).read_bytes())
    reading = layout2024.Layout2024().read(soup, TEMPO, "https://www.tempo.co/politik/sebuah-berita-1180399")
    assert reading.fields["kind"] == kind


# --- related blocks -------------------------------------------------------------------------------


def _blocks(parsed) -> dict[str, list]:
    blocks: dict[str, list] = {}
    for link in parsed.related:
        blocks.setdefault(link.block, []).append(link)
    return blocks


def test_related_blocks_of_the_politik_page():
    blocks = _blocks(parse(page("politik")))
    assert {name: len(links) for name, links in blocks.items()} == {
        "berita_terkait": 3,
        "topik": 2,
        "terpopuler": 5,
        "pilihan_editor": 1,
    }
    terkait, topik, populer = blocks["berita_terkait"][0], blocks["topik"][0], blocks["terpopuler"][0]
    assert (terkait.url, terkait.target_article_id, terkait.time_text) == (
        "https://www.tempo.co/hukum/mahkamah-agung-perluas-sidang-elektronik-ke-20-pengadilan-negeri-1180120",
        "tempo:1180120",
        "5 hari lalu",
    )
    assert terkait.title == "Mahkamah Agung Perluas Sidang Elektronik ke 20 Pengadilan Negeri"
    assert terkait.image_url == "https://statik.tempo.co/data/2024/10/13/id_1300520/1300520_240.jpg"
    assert terkait.image_caption == "Ruang sidang elektronik"
    assert terkait.summary.startswith("Terdakwa di daerah yang jauh dari pengadilan")
    assert (topik.target_article_id, topik.time_text) == ("tempo:1180322", "10 Oktober 2024")
    assert topik.summary is None
    day_start = datetime(2024, 10, 9, 17, tzinfo=UTC)  # 10 Oktober 00:00 WIB
    assert topik.published_after == day_start - timedelta(microseconds=1)  # exclusive bound
    assert (populer.target_article_id, populer.time_text) == ("tempo:1180230", "3 jam lalu")
    assert populer.image_url is None
    assert [link.position for link in blocks["terpopuler"]] == [1, 2, 3, 4, 5]


def test_baca_juga_links_are_lifted_out_of_the_body():
    parsed = parse(page("ekonomi"))
    also = _blocks(parsed)["baca_juga"]
    assert [link.target_article_id for link in also] == ["tempo:1772166", "tempo:1180341"]
    assert also[0].url == (
        "https://bisnis.tempo.co/read/1772166/harga-cabai-rawit-di-pasar-surabaya-naik-dua-kali-lipat"
    )
    assert not any("Baca juga" in p or "Pilihan Editor" in p for p in parsed.paragraphs)
    assert parsed.editors_pick_url == (
        "https://www.tempo.co/sains/brin-uji-varietas-padi-tahan-kekeringan-di-lima-provinsi-1180382"
    )


def test_agency_and_dateline():
    parsed = parse(page("internasional"))
    assert (parsed.dateline, parsed.agency) == ("Nairobi", "REUTERS")
    assert "REUTERS" not in parsed.paragraphs


# --- boilerplate rules ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "block, name",
    [
        ("Advertisement", "ad_label_en"),
        ("ADVERTISEMENT", "ad_label_en"),
        ("Scroll ke bawah untuk melanjutkan membaca", "scroll_prompt_2024"),
        ("Ikuti berita terkini dari Tempo di Google News, klik di sini", "follow_prompt"),
        ("Ikuti berita terkini dari Tempo di Saluran WhatsApp, klik di sini", "follow_prompt"),
        ("Berlangganan untuk lanjutkan membaca.", "paywall_prompt"),
        ("Sudah berlangganan? Masuk", "paywall_prompt"),
        ("Akses tanpa batas ke seluruh artikel Tempo mulai Rp 54.945/bulan", "paywall_prompt"),
        ("Berlangganan Sekarang", "paywall_prompt"),
    ],
)
def test_boilerplate_rule_matches(block, name):
    assert [rule.name for rule in TEMPO.rules_for("tempo-2024") if rule.matches(block)][:1] == [name]


@pytest.mark.parametrize(
    "block",
    [
        "Advertisement digital tumbuh 12 persen tahun ini.",
        "Berlangganan untuk lanjutkan membaca koran pagi sudah jarang dilakukan warga kota.",
        "Sudah berlangganan? Masuk akal jika pelanggan lama mendapat potongan harga, kata dia.",
        "Ikuti berita terkini dari Tempo di Google News, kata juru bicara itu kepada para pegawainya.",
    ],
)
def test_boilerplate_rules_leave_sentences_alone(block):
    assert not any(rule.matches(block) for rule in layout2024.BOILERPLATE)
