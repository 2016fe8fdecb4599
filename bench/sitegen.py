"""A synthetic tempo.co mirror (2023 layout) of any size, deterministic for a seed.

Each page is one of the bundled mirror pages with a new id, title, body text, date, Pilihan Editor
link and related-card links (pointing at other generated pages); the markup stays the site's own.

    python -m bench.sitegen /tmp/tempo-mirror --pages 2000 --seed 1
"""

from __future__ import annotations

import argparse
import copy
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from bs4 import BeautifulSoup, Tag

from kabar.sites import get_site
from kabar.text import normalize

TEMPLATES = get_site("tempo").mirror / "read"
FIRST_ID = 1_800_000
DATELINE = re.compile(r"^TEMPO\.CO\s*,")  # <strong>TEMPO.CO</strong>, <strong>City</strong> - ...
ARTICLE_LINK = re.compile(r"^https://(\w+\.)?tempo\.co/read/\d+")
CARDS = "section.rekomendasi .card-box, section.video-pilihan .card-box"  # the related blocks' items
WIB = timezone(timedelta(hours=7), "WIB")
OLDEST = datetime(2023, 9, 1, 6, 0, tzinfo=WIB)
DAYS = "Senin Selasa Rabu Kamis Jumat Sabtu Minggu".split()
MONTHS = "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember".split()
WORDS = """
pemerintah daerah warga kota desa pasar harga beras minyak jalan tol kereta bandara pelabuhan sekolah
guru siswa rumah sakit dokter pasien hujan banjir kemarau panen petani nelayan laut pulau gunung hutan
sungai air listrik jaringan internet data laporan anggaran program bantuan sosial menteri gubernur bupati
wali polisi pengadilan hakim saksi partai pemilu calon suara rapat sidang kebijakan aturan izin usaha
pabrik pekerja upah ekspor impor kopi teh karet sawit tambang batu bara energi surya angin festival film
musik buku museum budaya wisata pantai tim pemain pelatih laga turnamen juara menang kalah baru lama besar
kecil tinggi rendah cepat lambat naik turun tambah kurang mulai selesai bangun buka tutup kirim terima
minta beri catat ungkap sebut kata tahun bulan pekan hari pagi malam sejumlah beberapa banyak para
""".split()
GLUE = "di ke dari dan yang untuk dengan pada dalam akan telah masih juga itu ini".split()


@dataclass(frozen=True)
class Page:
    index: int
    template: int
    section: str
    title: str
    published: datetime

    @property
    def id(self) -> int:
        return FIRST_ID + self.index

    @property
    def slug(self) -> str:
        return re.sub(r"[^a-z0-9]+", "-", self.title.lower()).strip("-")

    @property
    def url(self) -> str:
        """The real-site canonical URL; the mirror serves it from `path`."""
        return f"https://{self.section}.tempo.co/read/{self.id}/{self.slug}"

    @property
    def path(self) -> str:
        return f"read/{self.id}/{self.slug}.html"


def generate(out_dir: Path, n: int = 500, seed: int = 0) -> list[str]:
    """Write the mirror (pages, robots.txt, sitemap.xml, rss/terbaru.xml); the pages' canonical URLs."""
    rng, out = random.Random(seed), Path(out_dir)
    templates = load_templates()
    pages = [_plan(rng, i, templates) for i in range(n)]
    for page in pages:
        _write(out / page.path, _render(rng, templates[page.template][0], page, pages))
    _write(out / "robots.txt", "User-agent: *\nAllow: /\n\nSitemap: https://www.tempo.co/sitemap.xml\n")
    _write(out / "sitemap.xml", _sitemap(pages))
    _write(out / "rss" / "terbaru.xml", _rss(pages[::-1][:5]))
    return [page.url for page in pages]


def load_templates() -> list[tuple[BeautifulSoup, str]]:
    """(page, section) of every bundled single-page article in the 2023 layout (not the truncated page,
    not the pages of a multi-page article: their generated copies would link pages that do not exist)."""
    found = []
    for path in sorted(TEMPLATES.glob("*/*.html")):
        soup = BeautifulSoup(path.read_bytes(), "lxml")
        single = soup.select_one("div.pagination") is None
        if single and soup.select_one("article.detail-artikel h1.title") and soup.select_one("#isi"):
            canonical = soup.select_one('link[rel="canonical"]')["href"]
            found.append((soup, re.match(r"https://(\w+)\.tempo\.co/", canonical)[1]))
    return found


def _plan(rng: random.Random, i: int, templates: list[tuple[BeautifulSoup, str]]) -> Page:
    """Page i: the templates in turn, one page every 37 minutes or so from OLDEST on."""
    template = i % len(templates)
    published = OLDEST + timedelta(minutes=37 * i + rng.randrange(30))
    return Page(
        index=i, template=template, section=templates[template][1], title=_title(rng), published=published
    )


def _render(rng: random.Random, template: BeautifulSoup, page: Page, pages: list[Page]) -> str:
    soup = copy.copy(template)
    suffix = soup.title.string.rsplit(" - ", 1)[1]
    soup.title.string = f"{page.title} - {suffix}"
    soup.select_one('link[rel="canonical"]')["href"] = page.url
    soup.select_one('meta[property="og:url"]')["content"] = page.url
    soup.select_one('meta[property="og:title"]')["content"] = page.title
    soup.select_one('meta[name="description"]')["content"] = _sentences(rng, 14)
    soup.select_one("h1.title").string = page.title
    soup.select_one("p.date").string = _date_text(page.published)
    isi = soup.select_one("#isi")
    _rewrite_body(rng, isi)
    picks = [[a] for a in isi.select("p a[href]") if ARTICLE_LINK.match(a["href"])]  # Pilihan Editor, ...
    cards = [box.select("a[href]") for box in soup.select(CARDS)]
    for target, anchors in zip(_others(rng, len(pages), page.index, len(picks) + len(cards)), picks + cards):
        _point(anchors, pages[target])
    return soup.decode()


def _rewrite_body(rng: random.Random, isi: Tag) -> None:
    """New text for each story paragraph, about as long as the old one; a repeated one stays repeated.
    Paragraphs with a class, a link, an image or bold text (agency, Pilihan Editor) and boilerplate
    lines stay as they are, except that the dateline paragraph keeps only its bold "TEMPO.CO, City"."""
    rules = get_site("tempo").boilerplate
    old_prev = new_prev = None
    for p in isi.find_all("p", recursive=False):
        old = normalize(p.get_text())
        dateline = DATELINE.match(old) and len(p.find_all("strong")) == 2
        if not dateline and (p.get("class") or p.find(["a", "img", "strong"])):
            continue
        if any(rule.matches(old) for rule in rules):
            continue
        new = new_prev if old == old_prev else _sentences(rng, len(old.split()))
        old_prev, new_prev = old, new
        if dateline:
            city = p.find_all("strong")[1]
            for node in list(city.next_siblings):
                node.extract()
            city.insert_after(f" - {new}")
        else:
            p.string = new


def _point(anchors: list[Tag], target: Page) -> None:
    for a in anchors:
        a["href"] = target.url
        (a.select_one("h2.title") or a).string = target.title


def _others(rng: random.Random, n: int, i: int, k: int) -> list[int]:
    """k distinct pages other than i (repeats only when there are too few pages)."""
    chosen = [j for j in rng.sample(range(n), min(n, k + 1)) if j != i][:k]
    return chosen + [chosen[-1] if chosen else i] * (k - len(chosen))


def _title(rng: random.Random) -> str:
    """6–10 words, capitalised as tempo.co does (short joining words stay lower case)."""
    words = [rng.choice(GLUE if rng.random() < 0.15 else WORDS) for _ in range(rng.randint(6, 10))]
    return " ".join([words[0].capitalize()] + [w if w in GLUE else w.capitalize() for w in words[1:]])


def _sentences(rng: random.Random, words: int) -> str:
    """About `words` invented Indonesian words as sentences of 6–18 words."""
    left, out = max(3, round(words * rng.uniform(0.85, 1.15))), []
    while left > 0:
        size = min(left, rng.randint(6, 18))
        sentence = [rng.choice(GLUE if rng.random() < 0.2 else WORDS) for _ in range(size)]
        if size > 8 and rng.random() < 0.5:
            sentence[size // 2] += ","
        out.append(" ".join(sentence).capitalize() + ".")
        left -= size
    return " ".join(out)


def _date_text(when: datetime) -> str:
    return f"{DAYS[when.weekday()]}, {when.day} {MONTHS[when.month - 1]} {when.year} {when:%H:%M} WIB"


def _sitemap(pages: list[Page]) -> str:
    urls = "".join(
        f"  <url>\n    <loc>{escape(p.url)}</loc>\n"
        f"    <lastmod>{p.published.isoformat()}</lastmod>\n  </url>\n"
        for p in pages
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n{urls}</urlset>\n'
    )


def _rss(newest: list[Page]) -> str:
    built = format_datetime(newest[0].published) if newest else format_datetime(OLDEST)
    items = "".join(
        f"    <item>\n      <title>{escape(p.title)}</title>\n      <link>{escape(p.url)}</link>\n"
        f"      <pubDate>{format_datetime(p.published)}</pubDate>\n"
        f'      <guid isPermaLink="false">tempo-{p.id}</guid>\n    </item>\n'
        for p in newest
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0">\n  <channel>\n'
        "    <title>Tempo.co - Berita Terbaru</title>\n    <link>https://www.tempo.co</link>\n"
        "    <description>Berita terbaru dari Tempo.co</description>\n    <language>id</language>\n"
        f"    <lastBuildDate>{built}</lastBuildDate>\n{items}  </channel>\n</rss>\n"
    )


def _write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out_dir", type=Path)
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    urls = generate(args.out_dir, args.pages, args.seed)
    print(f"{len(urls)} pages written under {args.out_dir}")


if __name__ == "__main__":
    main()
