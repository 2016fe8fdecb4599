"""Layer 3 of deduplication: MinHash signatures, LSH band keys, and the marks the loader writes."""

import os
import random
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from kabar import neardup
from kabar.neardup import THRESHOLD, band_keys, duplicates_of, shingles, signature, similarity
from kabar.records import Article, FetchedPage, ParsedArticle
from kabar.tasks.dedup import plan_batch, sign_new_content
from kabar.text import fingerprint
from kabar.warehouse import loader
from kabar.warehouse.db import connect

AT = datetime(2023, 10, 1, 5, tzinfo=UTC)
VOCABULARY = (
    "menteri",
    "riset",
    "kutub",
    "kapal",
    "pelabuhan",
    "data",
    "suhu",
    "laut",
    "gletser",
    "negara",
    "pemerintah",
    "anggaran",
    "guru",
    "sekolah",
    "pasar",
    "harga",
    "beras",
    "petani",
    "hujan",
    "banjir",
    "warga",
    "jalan",
    "kota",
    "desa",
    "tahun",
    "bulan",
    "pekan",
    "kata",
    "dia",
    "itu",
    "yang",
    "dan",
)


def story(seed: int, words: int = 150) -> str:
    """A made-up body of `words` words; different seeds are different stories."""
    rng = random.Random(seed)
    return " ".join(rng.choice(VOCABULARY) for _ in range(words)) + "."


def edited(text: str) -> str:
    """The story republished: one word inserted in one place and an update line appended."""
    words = text.split()
    return (
        " ".join(words[:60] + ["kemudian"] + words[60:])
        + "\n\nPembaruan: judul artikel ini diubah pada Kamis."
    )


# --- shingles, signatures, similarity ------------------------------------------------------------


def test_shingles_ignore_case_and_punctuation():
    assert shingles("Satu, dua TIGA empat lima enam.") == shingles("satu dua tiga empat lima enam")
    assert shingles("satu dua tiga empat lima enam") == {
        b"satu dua tiga empat lima",
        b"dua tiga empat lima enam",
    }


def test_a_text_shorter_than_a_shingle_is_one_shingle():
    assert shingles("Banjir di Jakarta") == {b"banjir di jakarta"}


def test_identical_texts_have_identical_signatures():
    sig = signature(story(1))
    assert len(sig) == neardup.NUM_PERM == 128
    assert all(0 <= value < 2**32 for value in sig)  # fits UINTEGER
    assert signature(story(1)) == sig
    assert similarity(sig, signature(story(1))) == 1.0


def test_a_lightly_edited_text_is_above_the_threshold():
    assert similarity(signature(story(1)), signature(edited(story(1)))) >= THRESHOLD


def test_unrelated_texts_are_far_below_the_threshold():
    assert similarity(signature(story(1)), signature(story(2))) < 0.2


def test_a_rewritten_half_is_below_the_threshold():
    half = story(1).split()[:75] + story(3).split()[75:]
    assert similarity(signature(story(1)), signature(" ".join(half))) < THRESHOLD


def test_similarity_estimates_the_jaccard_of_the_shingles():
    a, b = shingles(story(1)), shingles(edited(story(1)))
    estimate = similarity(signature(story(1)), signature(edited(story(1))))
    assert estimate == pytest.approx(len(a & b) / len(a | b), abs=0.1)


def test_similarity_refuses_signatures_of_different_lengths():
    with pytest.raises(ValueError):
        similarity((1, 2, 3), (1, 2))


_IN_A_CHILD = (
    "from kabar.neardup import band_keys, signature\n"
    "s = signature({text!r})\nprint(list(s), list(band_keys(s)))"
)


@pytest.mark.parametrize("hash_seed", ["0", "12345"])
def test_signatures_and_band_keys_are_the_same_in_another_process(hash_seed):
    """Stored rows are compared with rows of later runs: nothing may depend on the process (hash())."""
    text = story(7)
    env = os.environ | {"PYTHONHASHSEED": hash_seed}
    out = subprocess.run(
        [sys.executable, "-c", _IN_A_CHILD.format(text=text)],
        capture_output=True,
        text=True,
        env=env,
        cwd=Path(__file__).parents[1],
        check=True,
    ).stdout
    assert out.strip() == f"{list(signature(text))} {list(band_keys(signature(text)))}"


def test_signature_and_band_keys_of_a_known_text_are_pinned():
    """Seed, scheme, shingling and bucket hash fixed: a change here orphans every stored signature."""
    sig = signature(
        "Menteri Luar Negeri Norwegia dan Menteri Luar Negeri Chile menandatangani nota kesepahaman"
    )
    assert sig[:4] == PINNED_SIGNATURE
    assert band_keys(sig)[:2] == PINNED_BANDS


PINNED_SIGNATURE = (131816404, 899745737, 1018224491, 94725940)
PINNED_BANDS = (14126585974035200309, 1127716167701060271)


# --- band keys ----------------------------------------------------------------------------------


def test_one_key_per_band_each_fitting_ubigint():
    keys = band_keys(signature(story(1)))
    assert len(keys) == neardup.BANDS and neardup.BANDS * neardup.ROWS == neardup.NUM_PERM
    assert all(0 <= key < 2**64 for key in keys)
    assert len(set(keys)) == neardup.BANDS


def test_a_changed_value_changes_only_its_band():
    sig = list(signature(story(1)))
    sig[neardup.ROWS * 3] += 1  # the first value of band 3
    before, after = band_keys(signature(story(1))), band_keys(tuple(sig))
    assert [band for band in range(neardup.BANDS) if before[band] != after[band]] == [3]


def test_band_keys_refuse_a_signature_of_the_wrong_length():
    with pytest.raises(ValueError):
        band_keys(signature(story(1))[:64])


def test_a_lightly_edited_text_shares_a_band():
    a, b = band_keys(signature(story(1))), band_keys(signature(edited(story(1))))
    assert any(x == y for x, y in zip(a, b))


# --- which earlier article each one duplicates ---------------------------------------------------

T0 = AT
SEEN = {
    name: T0 + timedelta(minutes=minute)
    for name, minute in {"a": 0, "b": 1, "c": 2, "d": 3, "x0": 0, "e": 3}.items()
}


def test_a_batch_article_points_at_the_earlier_one():
    assert duplicates_of(["b"], [("b", "a")], SEEN, {}) == {"b": "a"}


def test_a_later_match_is_not_an_original():
    assert duplicates_of(["a"], [("a", "b")], SEEN, {}) == {}


def test_a_match_already_marked_leads_to_its_root():
    assert duplicates_of(["c"], [("c", "b")], SEEN, {"b": "a"}) == {"c": "a"}


def test_a_chain_inside_the_batch_leads_to_the_earliest():
    matches = [("b", "a"), ("a", "b"), ("c", "b"), ("b", "c")]
    assert duplicates_of(["c", "b", "a"], matches, SEEN, {}) == {"b": "a", "c": "a"}


def test_of_two_clusters_the_earliest_root_wins_and_ties_go_by_id():
    # a and x0 were seen at the same time: the smaller id wins
    assert duplicates_of(["d"], [("d", "b"), ("d", "x0"), ("d", "a")], SEEN, {}) == {"d": "a"}
    assert duplicates_of(["e", "d"], [("e", "d"), ("d", "e")], SEEN, {}) == {"e": "d"}  # seen together too


# --- dedup: only new content is signed -----------------------------------------------------------


def article(number: int, body: str, at: datetime = AT, title: str = "Judul") -> Article:
    parsed = ParsedArticle(
        site="tempo",
        article_id=f"tempo:{number}",
        url=f"https://dunia.tempo.co/read/{number}/x",
        layout="tempo-2023",
        fetched_at=at,
        title=title,
        paragraphs=(body,),
    )
    return Article(parsed=parsed, body=body, content_hash=fingerprint(title, body))


def page(item: Article) -> FetchedPage:
    return FetchedPage(
        url=item.parsed.url,
        final_url=item.parsed.url,
        fetched_at=item.parsed.fetched_at,
        status=200,
        content_hash=f"raw-{item.content_hash}",
    )


def test_only_content_the_warehouse_lacks_is_signed():
    old, new = article(1, story(1)), article(2, story(2))
    pages = [page(old), page(new)]
    plan = plan_batch(pages, {p.url: a for p, a in zip(pages, [old, new])}, {old.content_hash: "tempo:1"})
    assert sign_new_content(plan, {old.content_hash: "tempo:1"}).signatures == {
        "tempo:2": signature(story(2))
    }


# --- the loader, against a real DuckDB file -------------------------------------------------------


def load(db: Path, *articles: Article) -> dict[str, int]:
    """One batch as the flow loads it: dedup against the warehouse, then one transaction."""
    pages = [page(a) for a in articles]
    with connect(db) as con:
        known = loader.known_content(con, [a.content_hash for a in articles])
        plan = sign_new_content(plan_batch(pages, {p.url: a for p, a in zip(pages, articles)}, known), known)
        return loader.load_batch(con, "run", pages, plan)


def marks(db: Path) -> list[tuple]:
    with connect(db, read_only=True) as con:
        return con.execute("SELECT article_id, duplicate_of FROM near_duplicates ORDER BY ALL").fetchall()


def test_a_duplicate_arriving_in_a_later_batch_is_marked(tmp_path):
    db = tmp_path / "w.duckdb"
    assert load(db, article(1, story(1)), article(2, story(2)))["near_duplicates"] == 0
    assert load(db, article(3, edited(story(1)), AT + timedelta(hours=1)))["near_duplicates"] == 1
    assert marks(db) == [("tempo:3", "tempo:1")]
    with connect(db, read_only=True) as con:
        similarity_, found_at = con.execute("SELECT similarity, found_at FROM near_duplicates").fetchone()
        assert con.execute("SELECT count(*) FROM articles").fetchone() == (3,)  # marked, not deleted
    assert similarity_ == similarity(signature(story(1)), signature(edited(story(1))))
    assert found_at == AT + timedelta(hours=1)


def test_two_near_duplicates_in_one_batch_are_marked(tmp_path):
    db = tmp_path / "w.duckdb"
    later = AT + timedelta(seconds=1)
    counts = load(db, article(5, edited(story(1)), later), article(4, story(1)), article(6, story(2)))
    assert counts["near_duplicates"] == 1 and counts["articles_new"] == 3
    assert marks(db) == [("tempo:5", "tempo:4")]


def test_a_third_copy_points_at_the_earliest_of_the_cluster(tmp_path):
    db = tmp_path / "w.duckdb"
    load(db, article(1, story(1)))
    load(db, article(2, edited(story(1)), AT + timedelta(hours=1)))
    load(db, article(3, edited(edited(story(1))), AT + timedelta(hours=2)))
    assert marks(db) == [("tempo:2", "tempo:1"), ("tempo:3", "tempo:1")]


def test_loading_the_same_articles_again_adds_no_rows(tmp_path):
    db = tmp_path / "w.duckdb"
    batch = (article(1, story(1)), article(2, edited(story(1))))
    load(db, *batch)
    before = _tables(db)
    assert load(db, *batch)["near_duplicates"] == 0
    assert _tables(db) == before and before["near_duplicates"]


def test_a_changed_headline_keeps_the_mark(tmp_path):
    db = tmp_path / "w.duckdb"
    load(db, article(1, story(1)), article(2, edited(story(1))))
    counts = load(db, article(2, edited(story(1)), AT + timedelta(hours=1), title="Judul Baru"))
    assert (counts["articles_updated"], counts["near_duplicates"]) == (1, 0)
    assert marks(db) == [("tempo:2", "tempo:1")]


def test_a_body_rewritten_into_another_story_loses_its_mark(tmp_path):
    db = tmp_path / "w.duckdb"
    load(db, article(1, story(1)), article(2, edited(story(1))))
    load(db, article(2, story(9), AT + timedelta(hours=1)))
    assert marks(db) == []
    with connect(db, read_only=True) as con:
        assert con.execute("SELECT count(*) FROM article_bands WHERE article_id = 'tempo:2'").fetchone() == (
            16,
        )


def _tables(db: Path) -> dict[str, list]:
    with connect(db, read_only=True) as con:
        return {
            t: con.execute(f"SELECT * FROM {t} ORDER BY ALL").fetchall()
            for t in ("article_minhash", "article_bands", "near_duplicates")
        }


def test_a_packed_signature_unpacks_to_its_values():
    sig = neardup.signature("satu dua tiga empat lima enam tujuh delapan")
    packed = neardup.pack(sig)
    assert len(packed) == 4 * neardup.NUM_PERM
    assert neardup.unpack(packed) == sig
