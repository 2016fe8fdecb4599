"""The cleaner over every page of the bundled mirrors: no known boilerplate survives in a body, and
no real paragraph is lost. The oracle is the list of strings a reader sees as boilerplate (from the
seed page), written here independently of the cleaner's rules."""

import re

import pytest

from kabar.records import Article
from kabar.text import normalize
from tests.golden import extract_page, golden_pages, mirrored_sites

KNOWN_BOILERPLATE = (
    "Iklan",
    "Scroll Untuk Melanjutkan",
    "Lupa Kata Sandi? Klik di Sini",
    "atau Masuk melalui",
    "Belum Memiliki Akun Daftar di Sini",
    "atau Daftar melalui",
    "Sudah Memiliki Akun Masuk di Sini",
    "Konfirmasi Email",
    "Kirimkan Lagi Sekarang",
    "image-gnews",
    "Rekomendasi Artikel",
    "Video Pilihan",
    "Konten sponsor pada widget ini merupakan konten yang dibuat dan ditampilkan pihak ketiga",
    "Klik link aktivasi dan dapatkan akses membaca",
    "Kami telah mengirimkan link aktivasi",
    "Pilihan Editor:",
    "Baca juga:",
    "Baca Juga:",
    "Baca:",
    "Topik terhangat:",
    # 2024 layout
    "Advertisement",
    "Scroll ke bawah untuk melanjutkan membaca",
    "Ikuti berita terkini dari Tempo di",
    "Berlangganan untuk lanjutkan membaca",
    "Akses tanpa batas ke seluruh artikel Tempo",
    "Berlangganan Sekarang",
    "Sudah berlangganan? Masuk",
    # 2015 English edition
    "Follow Tempo English on",
    "Follow us on",
    # antaranews.com: the editor's line and the copyright line closing the story
    "Editor:",
    "COPYRIGHT ©",
)
DESK_CODE = re.compile(r"^\([A-Z]\.[A-Z]\d{3}/[A-Z]\d{3}\)$")  # antara's "(T.R025/B012)" closing a story
ARTICLES = [(page, result) for page in golden_pages() if isinstance(result := extract_page(page), Article)]


def _is_boilerplate(block: str, article: Article) -> bool:
    caption = normalize(f"{article.parsed.image_caption or ''} {article.parsed.image_credit or ''}")
    known = any(block.startswith(b) or block.endswith(b) for b in KNOWN_BOILERPLATE) or DESK_CODE.match(block)
    return bool(known) or block in (
        caption,
        normalize(article.parsed.image_caption),
    )


@pytest.mark.parametrize(("page", "article"), ARTICLES, ids=[p.stem for p, _ in ARTICLES])
def test_no_known_boilerplate_in_the_body(page, article):
    for paragraph in article.body.split("\n\n"):
        assert not _is_boilerplate(paragraph, article), paragraph
        assert "Scroll Untuk Melanjutkan" not in paragraph and "\u00a0" not in paragraph


@pytest.mark.parametrize(("page", "article"), ARTICLES, ids=[p.stem for p, _ in ARTICLES])
def test_no_real_paragraph_removed(page, article):
    real = [normalize(b) for b in article.parsed.paragraphs if not _is_boilerplate(normalize(b), article)]
    body = article.body.split("\n\n")
    assert [p for p in real if p not in body] == []
    assert len(body) == len(dict.fromkeys(real))  # only repeats of a real paragraph were dropped


@pytest.mark.parametrize("site", mirrored_sites(), ids=lambda site: site.name)
def test_the_mirror_exercises_every_rule_of_its_site(site):
    used = {r.rule for _, article in ARTICLES if article.parsed.site == site.name for r in article.removals}
    rules = {r.name for layout in site.layouts for r in site.rules_for(layout.name)}
    rules -= {"block_heading", "sponsor_disclaimer"}  # tempo's: never in a body on the mirror pages
    assert rules <= used, f"rules no mirror page exercises: {rules - used}"
