"""kabar.text: expected strings and digests written by hand."""

import pytest

from kabar.text import fingerprint, normalize


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        pytest.param("Cafe\u0301 Kopi", "Caf\u00e9 Kopi", id="nfc-composes-e-acute"),
        pytest.param("TEMPO.CO,\u00a0Jakarta", "TEMPO.CO, Jakarta", id="no-break-space"),
        pytest.param("19:36\u202fWIB", "19:36 WIB", id="narrow-no-break-space"),
        pytest.param("Ja\u200bkar\u200cta\u200d\u2060\ufeff", "Jakarta", id="zero-width"),
        pytest.param("peng\u00adumuman", "pengumuman", id="soft-hyphen"),
        pytest.param("  satu \t dua\n\n tiga  ", "satu dua tiga", id="whitespace-runs"),
        pytest.param("a\u00a0\u200b \u00a0b", "a b", id="mixed-run"),
        pytest.param("", "", id="empty"),
        pytest.param(None, "", id="none"),
        pytest.param(" \u00a0\u200b ", "", id="only-blank"),
    ],
)
def test_normalize(raw, expected):
    assert normalize(raw) == expected


def test_normalize_nfc_result_is_one_code_point():
    assert len(normalize("e\u0301")) == 1


def test_every_character_a_pattern_calls_space_is_one_space():
    import re
    import sys

    spaces = [chr(c) for c in range(sys.maxunicode + 1) if re.fullmatch(r"\s", chr(c))]
    assert "\xa0" in spaces and "\u3000" in spaces and len(spaces) > 20
    for space in spaces:
        assert normalize(f"{space}a{space}\u200b{space}b{space}") == "a b", hex(ord(space))
    assert normalize("a\u200bb\u00adc") == "abc"  # invisible ones go, even with no space about


def test_fingerprint_is_sha256_hex():
    digest = fingerprint("judul", "isi")
    assert len(digest) == 64 and set(digest) <= set("0123456789abcdef")


def test_fingerprint_is_stable_and_order_sensitive():
    assert fingerprint("a", "b") == fingerprint("a", "b")
    assert fingerprint("a", "b") != fingerprint("b", "a")


@pytest.mark.parametrize(
    ("left", "right"),
    [
        (("ab", "c"), ("a", "bc")),
        (("abc",), ("ab", "c")),
        (("a", ""), ("a",)),
        (("", "a"), ("a",)),
    ],
)
def test_fingerprint_separates_parts(left, right):
    assert fingerprint(*left) != fingerprint(*right)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        # `printf 'abc\0' | sha256sum` and `printf 'judul\0isi\0' | sha256sum`, computed outside kabar.
        (("abc",), "dc1114cd074914bd872cc1f9a23ec910ea2203bc79779ab2e17da25782a624fc"),
        (("judul", "isi"), "975387ccb17dc19850c78e8550e7ea6cfb49a6eee39604f4b1a2170e2aaf83cd"),
    ],
)
def test_fingerprint_known_values(parts, expected):
    assert fingerprint(*parts) == expected
