"""kabar.clean.clean with the tempo boilerplate rules, on ParsedArticle records built by hand."""

from datetime import UTC, datetime

import pytest

from kabar.clean import clean
from kabar.records import Article, ExtractionIssue, ParsedArticle, RelatedLink, Removal
from kabar.sites import get_site

RULES = get_site("tempo").rules_for("tempo-2023")
URL = "https://dunia.tempo.co/read/1772314/norwegia-dan-chile"
TITLE = "Norwegia dan Chile Sepakati Riset Bersama"
CAPTION = "Kapal riset Norwegia bersandar di Punta Arenas."
CREDIT = "REUTERS/Lucia Ferrandez"
P1 = "TEMPO.CO, Jakarta - Kedua menteri menandatangani nota kesepahaman riset."
P2 = "Kesepakatan itu mengatur pemakaian bersama dua stasiun penelitian."
DISCLAIMER = (
    "Konten sponsor pada widget ini merupakan konten yang dibuat dan ditampilkan pihak ketiga, "
    "bukan redaksi Tempo. Tidak ada aktivitas jurnalistik dalam pembuatan konten ini."
)


def test_samples_here_are_short_enough_to_be_logged_whole():
    assert max(len(P1), len(P2), len(f"{CAPTION} {CREDIT}")) <= 80


def parsed(*paragraphs: str, **fields) -> ParsedArticle:
    defaults = dict(
        site="tempo",
        article_id="tempo:1772314",
        url=URL,
        layout="tempo-2023",
        fetched_at=datetime(2023, 10, 1, 5, tzinfo=UTC),
        title=TITLE,
        image_caption=CAPTION,
        image_credit=CREDIT,
    )
    return ParsedArticle(paragraphs=paragraphs, **{**defaults, **fields})


def cleaned(*paragraphs: str, **fields) -> Article:
    result = clean(parsed(*paragraphs, **fields), RULES)
    assert isinstance(result, Article), result
    return result


@pytest.mark.parametrize(
    ("rule", "block"),
    [
        ("ad_label", "Iklan"),
        ("ad_label", "IKLAN"),
        ("scroll_prompt", "Scroll Untuk Melanjutkan"),
        ("login_prompt", "Lupa Kata Sandi? Klik di Sini"),
        ("login_prompt", "atau Masuk melalui"),
        ("login_prompt", "Belum Memiliki Akun Daftar di Sini"),
        ("login_prompt", "atau Daftar melalui"),
        ("login_prompt", "Sudah Memiliki Akun Masuk di Sini"),
        ("login_prompt", "Konfirmasi Email"),
        ("login_prompt", "Kami telah mengirimkan link aktivasi melalui email ke pembaca@contoh.id."),
        ("login_prompt", "Klik link aktivasi dan dapatkan akses membaca 2 artikel gratis"),
        ("login_prompt", "Jika Anda tidak menerima email,"),
        ("login_prompt", "Kirimkan Lagi Sekarang"),
        ("image_placeholder", "image-gnews"),
        ("block_heading", "Rekomendasi Artikel"),
        ("block_heading", "Video Pilihan"),
    ],
)
def test_each_tempo_rule_removes_its_block_and_logs_it(rule, block):
    article = cleaned(P1, block, P2)
    assert article.body == P1 + "\n\n" + P2
    assert article.removals == (Removal(rule=rule, count=1, sample=block),)


def test_sponsor_disclaimer_sample_is_cut_to_80_characters():
    article = cleaned(P1, DISCLAIMER, P2)
    sample = "Konten sponsor pada widget ini merupakan konten yang dibuat dan ditampilkan piha"
    assert article.body == P1 + "\n\n" + P2
    assert article.removals == (Removal(rule="sponsor_disclaimer", count=1, sample=sample),)


def test_counts_every_removal_and_samples_the_first():
    article = cleaned("Iklan", P1, "Iklan", "Scroll Untuk Melanjutkan", P2, "iklan")
    assert article.body == P1 + "\n\n" + P2
    assert article.removals == (
        Removal(rule="ad_label", count=3, sample="Iklan"),
        Removal(rule="scroll_prompt", count=1, sample="Scroll Untuk Melanjutkan"),
    )


def test_a_whole_seed_like_page():
    article = cleaned(
        "Lupa Kata Sandi? Klik di Sini",
        "atau Masuk melalui",
        TITLE,
        "image-gnews",
        f"{CAPTION} {CREDIT}",
        CAPTION,
        "Iklan",
        P1,
        "Iklan",
        "Scroll Untuk Melanjutkan",
        P2,
        "Rekomendasi Artikel",
        DISCLAIMER,
        "Video Pilihan",
    )
    assert article.body == P1 + "\n\n" + P2
    assert [(r.rule, r.count) for r in article.removals] == [
        ("ad_label", 2),
        ("block_heading", 2),
        ("duplicate_caption", 2),
        ("image_placeholder", 1),
        ("login_prompt", 2),
        ("repeated_title", 1),
        ("scroll_prompt", 1),
        ("sponsor_disclaimer", 1),
    ]


@pytest.mark.parametrize(
    "paragraphs",
    [
        pytest.param((CAPTION, P1), id="caption-alone"),
        pytest.param((f"{CAPTION} {CREDIT}", P1), id="caption-and-credit"),
    ],
)
def test_duplicate_caption(paragraphs):
    article = cleaned(*paragraphs)
    assert article.body == P1
    assert article.removals == (Removal(rule="duplicate_caption", count=1, sample=paragraphs[0]),)


def test_caption_and_credit_then_caption_both_removed():
    article = cleaned(f"{CAPTION} {CREDIT}", CAPTION, P1)
    assert article.body == P1
    assert article.removals == (Removal(rule="duplicate_caption", count=2, sample=f"{CAPTION} {CREDIT}"),)


def test_caption_without_credit_on_the_record():
    article = cleaned(CAPTION, P1, image_credit=None)
    assert article.body == P1
    assert [r.rule for r in article.removals] == ["duplicate_caption"]


def test_duplicate_caption_compares_normalised_text():
    caption = "Kapal riset\u00a0Norwegia  bersandar."
    article = cleaned("Kapal riset Norwegia bersandar.", P1, image_caption=caption)
    assert article.body == P1


def test_repeated_paragraph():
    article = cleaned(P1, P1, P2)
    assert article.body == P1 + "\n\n" + P2
    assert article.removals == (Removal(rule="repeated_paragraph", count=1, sample=P1),)


def test_paragraph_repeated_around_an_ad_slot():
    article = cleaned(P1, "Iklan", P1, P2)
    assert article.body == P1 + "\n\n" + P2
    assert [(r.rule, r.count) for r in article.removals] == [("ad_label", 1), ("repeated_paragraph", 1)]


@pytest.mark.parametrize("shown", [TITLE, "Norwegia  dan\u00a0Chile Sepakati Riset Bersama"])
def test_repeated_title(shown):
    article = cleaned(shown, P1)
    assert article.body == P1
    assert article.removals == (Removal(rule="repeated_title", count=1, sample=TITLE),)


@pytest.mark.parametrize(
    "paragraphs",
    [
        pytest.param(("Iklan", "Scroll Untuk Melanjutkan", "Video Pilihan"), id="all-boilerplate"),
        pytest.param((TITLE, CAPTION, "image-gnews"), id="title-caption-placeholder"),
        pytest.param(("", "   "), id="blank"),
        pytest.param((), id="no-paragraphs"),
    ],
)
def test_empty_body_is_an_issue(paragraphs):
    result = clean(parsed(*paragraphs), RULES)
    assert isinstance(result, ExtractionIssue)
    assert (result.url, result.stage, result.problem) == (URL, "clean", "empty_body")
    if paragraphs:  # which rules took the blocks, so that an operator sees why
        assert result.detail.startswith(f"all {len(paragraphs)} blocks were boilerplate (")
    else:  # nothing to remove: the page showed no text where its story would be
        assert "no text" in result.detail


@pytest.mark.parametrize(
    "paragraph",
    [
        "Pemerintah melarang iklan rokok tayang di televisi sebelum pukul 21.30.",
        "Iklan rokok dilarang tayang di televisi sebelum pukul 21.30.",
        "Kanal itu menayangkan video pilihan redaksi setiap pagi.",
        "Video pilihan pembaca tahun ini bertema lingkungan.",
        "Rekomendasi artikel dari tim riset akan diterbitkan bulan depan.",
        "Menurut dia, warga yang belum memiliki akun bank kesulitan menerima bantuan.",
        "Petugas meminta warga scroll untuk melanjutkan pendaftaran di aplikasi.",
        "Foto berlabel image-gnews tidak ditampilkan.",
    ],
)
def test_real_paragraphs_mentioning_boilerplate_words_are_kept(paragraph):
    article = cleaned(P1, paragraph)
    assert article.body == P1 + "\n\n" + paragraph
    assert article.removals == ()


@pytest.mark.parametrize(
    "paragraph",
    [
        "Jika Anda tidak menerima email konfirmasi dari bank, segera hubungi layanan pelanggan.",
        "Lupa kata sandi menjadi keluhan paling umum pengguna aplikasi layanan publik, kata Budi.",
    ],
)
def test_real_paragraphs_opening_with_a_login_phrase_are_kept(paragraph):
    assert cleaned(P1, paragraph).body == P1 + "\n\n" + paragraph


def test_paragraph_text_is_normalised_in_the_body():
    article = cleaned("TEMPO.CO,\u00a0Jakarta  -  Kafe\u0301 itu tutup.")
    assert article.body == "TEMPO.CO, Jakarta - Kaf\u00e9 itu tutup."


def test_content_hash_follows_the_body_only():
    base = cleaned(P1, P2)
    link = RelatedLink(block="rekomendasi", position=1, url="https://dunia.tempo.co/read/1772290/penguin")
    assert cleaned(P1, P2, related=(link,)).content_hash == base.content_hash
    assert cleaned(P1, "Iklan", P2, "Video Pilihan").content_hash == base.content_hash
    assert cleaned(P1, P2 + " Tambahan.").content_hash != base.content_hash
    assert cleaned(P1).content_hash != base.content_hash
    assert cleaned(P1, P2, title="Judul Lain").content_hash != base.content_hash


def test_content_hash_ignores_white_space_spelling():
    assert cleaned(P1.replace(" ", "\u00a0", 3), P2).content_hash == cleaned(P1, P2).content_hash


def test_cleaning_keeps_the_parsed_record():
    record = parsed(P1, "Iklan", P2)
    result = clean(record, RULES)
    assert result.parsed is record
