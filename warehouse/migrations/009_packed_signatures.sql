-- Migration 9: a MinHash signature is stored packed, 128 big-endian 32-bit values in one 512-byte BLOB
-- (kabar/neardup.py packs and unpacks). As a UINTEGER[] list, reading a batch's candidates' signatures
-- decoded every list in the row groups it touched: a tenth of a re-fetch batch's load.
ALTER TABLE internal.article_minhash ADD COLUMN packed BLOB;
UPDATE internal.article_minhash
SET packed = unhex(array_to_string(list_transform(signature, v -> printf('%08x', v)), ''));
ALTER TABLE internal.article_minhash DROP COLUMN signature;
ALTER TABLE internal.article_minhash RENAME COLUMN packed TO signature;
