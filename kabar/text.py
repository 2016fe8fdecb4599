"""Text normalisation shared by every parser and the cleaner."""

import hashlib
import re
import unicodedata

_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u00ad]")  # zero-width and soft hyphen
_SPACES = re.compile(r"\s+")  # with str patterns \s covers no-break and the other Unicode spaces


def normalize(text: str | None) -> str:
    """NFC, no invisible characters, every run of white space (no-break included) one space."""
    if not text:
        return ""
    text = unicodedata.normalize("NFC", text)
    return _SPACES.sub(" ", _INVISIBLE.sub("", text)).strip()


def fingerprint(*parts: str) -> str:
    """sha256 of the parts, separated so that ("ab", "c") and ("a", "bc") differ."""
    digest = hashlib.sha256()
    for part in parts:
        digest.update(part.encode("utf-8"))
        digest.update(b"\x00")
    return digest.hexdigest()
