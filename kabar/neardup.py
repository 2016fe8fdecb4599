"""neardup: layer 3 of deduplication — the same story republished under a new id with small edits.

Pure functions: a MinHash signature of a body's word shingles, its LSH band keys, the estimated
Jaccard similarity of two signatures, and which earlier article each new one duplicates. The
warehouse keeps signatures and band keys (warehouse/near_duplicates.sql); the loader finds candidates
there by joining a batch's bands to the stored ones, so no index lives in memory across runs.
"""

import hashlib
import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime

from datasketch import MinHash

# Stored signatures are only comparable while these stay the same: changing any of them means
# recomputing every row of article_minhash and article_bands.
NUM_PERM = 128
SEED = 1  # datasketch derives its permutations from this seed: equal texts, equal signatures, in any process
SCHEME = "affine32"  # datasketch 2's default, named so an upgrade cannot change it under stored rows
SHINGLE_WORDS = 5

# LSH banding: 16 bands of 8 rows (16 x 8 = NUM_PERM). Two articles become candidates when all 8 values
# of at least one band agree, with probability 1 - (1 - s^8)^16 for Jaccard s. The curve's threshold is
# about (1/16)^(1/8) = 0.71, below the 0.8 we confirm at, so a pair at s = 0.8 is a candidate with
# probability 0.95 and at s = 0.85 with 0.99, while unrelated stories (s < 0.3) almost never are.
# 32 x 4 (threshold 0.42) would catch the last 5% at 0.8 but doubles the band rows and the candidates.
BANDS, ROWS = 16, 8
THRESHOLD = 0.8  # estimated Jaccard of the signatures at or above which a pair is marked

_WORDS = re.compile(r"\w+")

Signature = tuple[int, ...]
_PACKED = f">{NUM_PERM}I"


def shingles(text: str) -> set[bytes]:
    """The body's overlapping runs of SHINGLE_WORDS words, lower-cased, punctuation dropped (so a
    changed comma is no edit); a text shorter than one shingle is a single shingle."""
    words = _WORDS.findall(text.lower())
    runs = range(max(len(words) - SHINGLE_WORDS + 1, 1))
    return {" ".join(words[i : i + SHINGLE_WORDS]).encode("utf-8") for i in runs}


def signature(text: str) -> Signature:
    """The NUM_PERM MinHash values (each fits 32 bits) of the text's shingles."""
    minhash = MinHash(num_perm=NUM_PERM, seed=SEED, scheme=SCHEME)
    minhash.update_batch(sorted(shingles(text)))
    return tuple(int(value) for value in minhash.hashvalues)


def pack(sig: Signature) -> bytes:
    """The signature as stored: NUM_PERM big-endian 32-bit values, one 512-byte BLOB."""
    return struct.pack(_PACKED, *sig)


def unpack(data: bytes) -> Signature:
    return struct.unpack(_PACKED, data)


def similarity(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity: the share of positions where the two signatures agree."""
    if len(a) != len(b):
        raise ValueError(f"signatures of different lengths: {len(a)} and {len(b)}")
    return sum(x == y for x, y in zip(a, b)) / len(a)


def band_keys(sig: Signature) -> tuple[int, ...]:
    """One bucket key per band: a 64-bit hash of the band's ROWS values. blake2b rather than hash(),
    which is salted per process, so keys stored by one run match keys computed by the next."""
    if len(sig) != BANDS * ROWS:
        raise ValueError(f"a signature has {BANDS * ROWS} values, not {len(sig)}")
    return tuple(_bucket(sig[band * ROWS : (band + 1) * ROWS]) for band in range(BANDS))


def _bucket(values: Sequence[int]) -> int:
    data = b"".join(value.to_bytes(4, "little") for value in values)
    return int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")


def duplicates_of(
    batch: Iterable[str],
    matches: Iterable[tuple[str, str]],
    first_seen: Mapping[str, datetime],
    stored_roots: Mapping[str, str],
) -> dict[str, str]:
    """For each article of the batch, the earliest-seen article of its cluster, if it has one.

    `matches` are confirmed (article, other) pairs, `first_seen` orders every id involved (ties by id),
    `stored_roots` maps stored articles already marked to what they duplicate. An article points only
    at earlier ones, so clusters grow by appending and a stored mark never needs rewriting."""
    key = lambda article_id: (first_seen[article_id], article_id)  # noqa: E731
    ordered = sorted(set(batch), key=key)
    earlier: dict[str, set[str]] = {article_id: set() for article_id in ordered}
    for article_id, other in matches:
        if article_id in earlier and key(other) < key(article_id):
            earlier[article_id].add(other)
    roots: dict[str, str] = {}
    for article_id in ordered:  # earliest first, so an earlier batch member's root is already known
        found = {_root(other, earlier, stored_roots, roots) for other in earlier[article_id]}
        if found:
            roots[article_id] = min(found, key=key)
    return roots


def _root(
    other: str, batch: Mapping[str, object], stored_roots: Mapping[str, str], roots: Mapping[str, str]
) -> str:
    """The root of `other`'s cluster; a stored mark may point at an article re-marked in this batch."""
    root = other if other in batch else stored_roots.get(other, other)
    return roots.get(root, root)
