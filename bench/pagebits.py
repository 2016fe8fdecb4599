"""The weight of a real news page around its article, invented: what `bench/sitegen.py` wraps each page in.

Real article pages (shared/corpus: fundus averages ~320 KB, wcxb-dev ~190 KB) carry ~1,000 elements and
~170 links, of which the story is a few KB: the rest is inline CSS (~40-70 KB), inline scripts (~30-70 KB:
tag managers, ad set-up, consent managers), a JSON state blob on framework sites (Next.js `__NEXT_DATA__`,
often 30 KB and more), JSON-LD, navigation (a mega menu of 60-200 links, SVG icons: ~40-60 KB), footers
(~10-15 KB), sidebars, ad slots, card grids and comment widgets. `Chrome` builds the site-wide parts once
(the same on every page of a site, as on a real one) and `Chrome.dress` adds them, with the parts that vary
by page (state blob, data layer, latest-news grid, comments), at the places a real page has them: the head,
the top of the body, after the article, the end of the body. The article markup itself is left alone.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from html import escape

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
SECTIONS = (
    "nasional bisnis dunia metro bola sport seleb tekno gaya otomotif hukum politik daerah sains".split()
)
NAMES = "Andi Budi Citra Dewi Eko Fajar Gita Hadi Indah Joko Kartika Lestari Made Nur Putri Rudi Sari".split()
SURNAMES = "Pratama Wijaya Santoso Lestari Nugroho Saputra Kusuma Hidayat Siregar Wibowo Rahmawati".split()
CSS_PROPS = (
    "display:flex",
    "display:block",
    "display:none",
    "margin:0 auto",
    "padding:4px 12px",
    "color:#1a1a1a",
    "color:#7a7a7a",
    "font-size:14px",
    "font-size:.875rem",
    "line-height:1.5",
    "font-weight:700",
    "border-bottom:1px solid #e5e5e5",
    "position:relative",
    "position:absolute",
    "top:0",
    "left:0",
    "width:100%",
    "max-width:1200px",
    "background:#fff",
    "background-color:#f4f4f4",
    "gap:16px",
    "align-items:center",
    "justify-content:space-between",
    "overflow:hidden",
    "text-overflow:ellipsis",
    "white-space:nowrap",
    "border-radius:4px",
    "transition:opacity .2s ease-in-out",
    "z-index:10",
)
JS_SNIPPETS = (
    'function {f}({a},{b}){{if(!{a})return {b};var {c}={a}.split(",");for(var i=0;i<{c}.length;i++)'
    "{{{b}.push({c}[i].trim())}}return {b}}}",
    'var {a}=document.querySelectorAll("[data-{w}]");Array.prototype.forEach.call({a},function({b})'
    '{{{b}.addEventListener("click",function(){{{f}({b}.getAttribute("data-{w}"),[])}})}});',
    'window.{f}=window.{f}||function(){{({f}.q={f}.q||[]).push(arguments)}};{f}("{w}",{n});',
    'try{{var {a}=JSON.parse(localStorage.getItem("{w}_{n}")||"{{}}");{a}.{b}={n}}}catch({c}){{}}',
    '(function({a},{b}){{var {c}={a}.createElement("script");{c}.async=!0;{c}.src="https://cdn.{w}'
    '.example/{f}.{n}.js";{b}.parentNode.insertBefore({c},{b})}})(document,document.scripts[0]);',
    'googletag.cmd.push(function(){{googletag.defineSlot("/{n}/{w}/{f}",[[300,250],[336,280]],'
    '"div-gpt-{f}").setTargeting("pos","{w}").addService(googletag.pubads())}});',
    'if({a}&&{a}.length>{n}){{{b}={a}.slice(0,{n}).map(function({c}){{return {c}.id}}).join("|")}}',
)


def words(rng: random.Random, n: int) -> str:
    return " ".join(rng.choices(WORDS, k=n))


def sentences(rng: random.Random, n_words: int) -> str:
    """About `n_words` invented Indonesian words as sentences of 6–18 words."""
    left, out = max(3, round(n_words * rng.uniform(0.85, 1.15))), []
    while left > 0:
        size = min(left, rng.randint(6, 18))
        sentence = [rng.choice(GLUE if rng.random() < 0.2 else WORDS) for _ in range(size)]
        if size > 8 and rng.random() < 0.5:
            sentence[size // 2] += ","
        out.append(" ".join(sentence).capitalize() + ".")
        left -= size
    return " ".join(out)


def title(rng: random.Random) -> str:
    """6–10 words, capitalised as Indonesian headlines are (short joining words stay lower case)."""
    picked = [rng.choice(GLUE if rng.random() < 0.15 else WORDS) for _ in range(rng.randint(6, 10))]
    return " ".join([picked[0].capitalize()] + [w if w in GLUE else w.capitalize() for w in picked[1:]])


def person(rng: random.Random) -> str:
    return f"{rng.choice(NAMES)} {rng.choice(SURNAMES)}"


def _ident(rng: random.Random) -> str:
    return rng.choice("abcdefghijklmnopqrstuvwxyz") + "".join(
        rng.choices("abcdefghijklmnopqrstuvwxyz0123456789", k=3)
    )


@dataclass(frozen=True)
class Link:
    """A card the chrome shows: another page of the generated site."""

    url: str
    title: str


class Chrome:
    """One site's page furniture, built once from `seed`; `dress` puts it around an article page.

    `home` is the site's root URL (menus and footers link its sections), `name` its display name."""

    def __init__(self, name: str, home: str, seed: int = 0) -> None:
        rng = random.Random(f"chrome:{name}:{seed}")
        self.name, self.home = name, home.rstrip("/")
        self.sections = rng.sample(SECTIONS, 10)
        self.head = self._css(rng, 30_000) + self._head_scripts(rng)
        self.top = self._cookie_banner() + self._sprite(rng) + self._nav(rng)
        self.bottom = self._footer(rng) + self._tail_scripts(rng)

    # --- per page -----------------------------------------------------------------------------------

    def dress(self, html: str, rng: random.Random, page: dict, others: list[Link], after: str) -> str:
        """`html` with the chrome added: scripts, styles and JSON in the head, banner and menus at the top
        of the body, sidebars, a latest-news grid and comments after `after` (the end of the article's
        own markup, e.g. "</article>"; its last occurrence), footer and scripts before `</body>`.
        `page` (id, title, url, section, published, author) feeds the per-page JSON; `others` the cards."""
        head = self.head + self._page_json(rng, page, others)
        side = self._sidebar(rng, others[:8]) + self._latest(rng, others[8:]) + self._comments(rng, page)
        html = _insert(html, "</head>", head, before=True)
        body_open = html.index(">", html.index("<body")) + 1
        html = html[:body_open] + self.top + html[body_open:]
        cut = html.rindex(after) + len(after)
        html = html[:cut] + side + html[cut:]
        return _insert(html, "</body>", self.bottom, before=True, last=True)

    def _page_json(self, rng: random.Random, page: dict, others: list[Link]) -> str:
        """The data layer, a JSON-LD graph of the site and the page's breadcrumbs, and the framework's state
        blob: the page's own record, the menus again, trending and latest lists, ad and i18n settings."""
        layer = {
            "event": "pageview",
            "pageType": "article",
            "contentId": str(page["id"]),
            "section": page["section"],
            "author": page["author"],
            "published": page["published"],
            "wordCount": rng.randint(250, 900),
            "tags": [words(rng, 2) for _ in range(5)],
        }
        graph = {
            "@context": "https://schema.org",
            "@graph": [
                {
                    "@type": "WebSite",
                    "url": self.home,
                    "name": self.name,
                    "potentialAction": {
                        "@type": "SearchAction",
                        "target": f"{self.home}/cari?q={{q}}",
                        "query-input": "required name=q",
                    },
                },
                {
                    "@type": "Organization",
                    "name": self.name,
                    "url": self.home,
                    "logo": {
                        "@type": "ImageObject",
                        "url": f"{self.home}/img/logo.png",
                        "width": 600,
                        "height": 60,
                    },
                    "sameAs": [f"https://social-{i}.example/{self.name.lower()}" for i in range(6)],
                },
                {
                    "@type": "BreadcrumbList",
                    "itemListElement": [
                        {"@type": "ListItem", "position": 1, "name": "Beranda", "item": self.home},
                        {
                            "@type": "ListItem",
                            "position": 2,
                            "name": page["section"].capitalize(),
                            "item": f"{self.home}/{page['section']}",
                        },
                    ],
                },
            ],
        }
        state = {
            "props": {
                "pageProps": {
                    "article": {
                        "id": page["id"],
                        "url": page["url"],
                        "title": page["title"],
                        "section": page["section"],
                        "publishedAt": page["published"],
                        "author": {"name": page["author"]},
                        "tags": [{"slug": _ident(rng), "name": words(rng, 2)} for _ in range(8)],
                        "stats": {"views": rng.randint(100, 90000), "shares": rng.randint(0, 900)},
                    },
                    "menu": [
                        {
                            "slug": s,
                            "children": [{"slug": _ident(rng), "name": words(rng, 2)} for _ in range(8)],
                        }
                        for s in self.sections
                    ],
                    "trending": [self._card_json(rng, link) for link in others[:10]],
                    "latest": [self._card_json(rng, link) for link in others[: rng.randint(20, 40)]],
                    "ads": {
                        f"slot_{i}": {
                            "path": f"/{rng.randint(1000, 9999)}/{self.name.lower()}/{_ident(rng)}",
                            "sizes": [[300, 250], [336, 280], [728, 90]],
                            "lazy": i > 2,
                        }
                        for i in range(12)
                    },
                    "i18n": {
                        f"{_ident(rng)}.{_ident(rng)}": words(rng, rng.randint(2, 9)) for _ in range(120)
                    },
                }
            },
            "page": "/[section]/[slug]",
            "query": {"slug": page["url"].rsplit("/", 1)[-1]},
            "buildId": _ident(rng) + _ident(rng),
            "isFallback": False,
            "gssp": True,
        }
        return (
            f"<script>window.dataLayer=window.dataLayer||[];dataLayer.push({_safe_json(layer)});</script>\n"
            f'<script type="application/ld+json">{_safe_json(graph)}</script>\n'
            f'<script id="__NEXT_DATA__" type="application/json">{_safe_json(state)}</script>\n'
        )

    def _card_json(self, rng: random.Random, link: Link) -> dict:
        return {
            "url": link.url,
            "title": link.title,
            "summary": sentences(rng, 18),
            "image": {"src": f"{self.home}/img/{rng.randint(10**6, 10**7)}_400.jpg", "width": 400},
            "section": rng.choice(self.sections),
            "author": person(rng),
        }

    def _sidebar(self, rng: random.Random, popular: list[Link]) -> str:
        """Ad slots, a most-read list, a newsletter box and trending tags: a column beside the story."""
        slot = (
            '<div class="ad-slot" data-ad-unit="{0}" id="div-gpt-side-{0}"><span>Iklan</span>'
            '<script>googletag.cmd.push(function(){{googletag.display("div-gpt-side-{0}")}});</script></div>'
        )
        items = "".join(
            f'<li class="most-read__item"><span class="most-read__rank">{i}</span>'
            f'<a class="most-read__link" href="{escape(link.url)}">{escape(link.title)}</a>'
            f'<span class="most-read__views">{rng.randint(1, 99)}.{rng.randint(100, 999)} dibaca</span></li>'
            for i, link in enumerate(popular, 1)
        )
        tags = " ".join(f'<a class="chip" href="{self.home}/tag/{w}">#{w}</a>' for w in rng.sample(WORDS, 14))
        return (
            f'\n<aside class="side-rail" aria-label="Kolom samping">{slot.format(1)}'
            f'<div class="most-read"><p class="most-read__heading">Paling Banyak Dibaca</p>'
            f'<ol class="most-read__list">{items}</ol></div>{slot.format(2)}'
            f'<form class="newsletter" action="{self.home}/newsletter" method="post"><p>{sentences(rng, 16)}'
            f'</p><input type="email" name="email" placeholder="Alamat email"><button type="submit">Daftar'
            f'</button></form><div class="trending-tags">{tags}</div>{slot.format(3)}</aside>\n'
        )

    def _latest(self, rng: random.Random, links: list[Link]) -> str:
        """A "Terkini" grid of cards to other pages, with images, times and teasers."""
        cards = "".join(
            f'<div class="grid-card"><a class="grid-card__img" href="{escape(link.url)}"><img loading="lazy" '
            f'src="{self.home}/img/{rng.randint(10**6, 10**7)}_300.jpg" alt="" width="300" height="169"></a>'
            f'<div class="grid-card__body"><span class="grid-card__kanal">{rng.choice(self.sections)}</span>'
            f'<a class="grid-card__title" href="{escape(link.url)}">{escape(link.title)}</a>'
            f'<span class="grid-card__time">{rng.randint(1, 23)} jam lalu</span></div></div>'
            for link in links
        )
        heading = '<p class="latest-grid__heading">Terkini</p>'
        return f'<div class="latest-grid" data-widget="terkini">{heading}{cards}</div>\n'

    def _comments(self, rng: random.Random, page: dict) -> str:
        """A comments widget: its settings script, a form and a few readers' comments."""
        items = "".join(
            f'<li class="comment"><img class="comment__avatar" alt="" '
            f'src="{self.home}/avatar/{rng.randint(1, 9999)}.png"><div class="comment__main">'
            f'<b class="comment__name">{person(rng)}</b> '
            f'<time class="comment__time">{rng.randint(1, 59)} menit lalu</time>'
            f'<div class="comment__text">{sentences(rng, rng.randint(8, 40))}</div>'
            f'<button class="comment__like" type="button">Suka ({rng.randint(0, 99)})</button></div></li>'
            for _ in range(rng.randint(3, 9))
        )
        config = json.dumps({"thread": page["id"], "url": page["url"], "sort": "newest", "pageSize": 10})
        return (
            f'<div class="comments-widget" id="komentar"><script>window.commentConfig={config};</script>'
            f'<form class="comment-form"><textarea name="komentar" placeholder="Tulis komentar"></textarea>'
            f'<button type="submit">Kirim</button></form><ul class="comment-list">{items}</ul></div>\n'
        )

    # --- site-wide ---------------------------------------------------------------------------------

    def _css(self, rng: random.Random, size: int) -> str:
        rules, total = [], 0
        while total < size:
            selector = ",".join(
                f".{_ident(rng)}-{_ident(rng)}" + rng.choice(["", ":hover", " a", ">li"])
                for _ in range(rng.randint(1, 3))
            )
            rule = selector + "{" + ";".join(rng.sample(CSS_PROPS, rng.randint(2, 7))) + "}"
            if rng.random() < 0.08:
                rule = f"@media (min-width:{rng.choice([576, 768, 992, 1200])}px){{{rule}}}"
            rules.append(rule)
            total += len(rule)
        return f'<style id="critical-css">{"".join(rules)}</style>\n'

    def _head_scripts(self, rng: random.Random) -> str:
        """A tag manager, ad set-up, a consent manager and a few helpers: minified-looking inline code."""
        blocks = []
        for _ in range(5):
            body = "".join(
                rng.choice(JS_SNIPPETS).format(
                    f=_ident(rng),
                    a=_ident(rng),
                    b=_ident(rng),
                    c=_ident(rng),
                    w=rng.choice(WORDS),
                    n=rng.randint(2, 99999),
                )
                for _ in range(rng.randint(20, 30))
            )
            blocks.append(f"<script>!function(){{{body}}}();</script>\n")
        preload = "".join(
            f'<link rel="preload" as="script" href="{self.home}/_next/static/chunks/{_ident(rng)}'
            f'{_ident(rng)}.js">\n'
            for _ in range(12)
        )
        return preload + "".join(blocks)

    def _tail_scripts(self, rng: random.Random) -> str:
        code = "".join(
            rng.choice(JS_SNIPPETS).format(
                f=_ident(rng),
                a=_ident(rng),
                b=_ident(rng),
                c=_ident(rng),
                w=rng.choice(WORDS),
                n=rng.randint(2, 99999),
            )
            for _ in range(40)
        )
        external = "".join(
            f'<script async src="https://cdn-{i}.example/{_ident(rng)}.js"></script>\n' for i in range(6)
        )
        return f"<script>!function(){{{code}}}();</script>\n{external}"

    def _cookie_banner(self) -> str:
        return (
            '<div class="cookie-consent" role="dialog" aria-live="polite"><p>Kami menggunakan kuki untuk '
            "meningkatkan pengalaman Anda, menampilkan iklan yang relevan, dan menganalisis lalu lintas "
            f'situs. Dengan melanjutkan, Anda menyetujui <a href="{self.home}/kebijakan-privasi">kebijakan '
            'privasi</a> kami.</p><button type="button" data-consent="all">Terima semua</button>'
            '<button type="button" data-consent="settings">Atur preferensi</button></div>\n'
        )

    def _sprite(self, rng: random.Random) -> str:
        def path() -> str:
            steps = "".join(
                f"{rng.choice('LlCcQq')}{rng.uniform(0, 24):.2f} {rng.uniform(0, 24):.2f}"
                for _ in range(rng.randint(20, 50))
            )
            return f'<path d="M{rng.uniform(0, 24):.2f} {rng.uniform(0, 24):.2f}{steps}Z"/>'

        symbols = "".join(
            f'<symbol id="icon-{name}" viewBox="0 0 24 24">{path()}{path()}</symbol>'
            for name in (
                "logo",
                "search",
                "menu",
                "close",
                "facebook",
                "x",
                "instagram",
                "youtube",
                "tiktok",
                "whatsapp",
                "telegram",
                "share",
                "bookmark",
            )
        )
        return f'<svg xmlns="http://www.w3.org/2000/svg" style="display:none">{symbols}</svg>\n'

    def _nav(self, rng: random.Random) -> str:
        """The site header: a mega menu of sections and subsections, a breaking-news ticker, a top ad."""
        groups = []
        for section in self.sections:
            links = "".join(
                f'<li><a href="{self.home}/{section}/{w}">{w.capitalize()}</a></li>'
                for w in rng.sample(WORDS, rng.randint(8, 16))
            )
            groups.append(
                f'<li class="mega__group"><a class="mega__section" href="{self.home}/{section}">'
                f'{section.capitalize()}</a><ul class="mega__sub">{links}</ul></li>'
            )
        ticker = "".join(
            f'<li><a href="{self.home}/topik/{_ident(rng)}">{words(rng, 4)}</a></li>' for _ in range(12)
        )
        social = "".join(
            f'<a class="social" href="https://{s}.example/{self.name.lower()}"><svg width="20" '
            f'height="20"><use href="#icon-{s}"/></svg></a>'
            for s in ("facebook", "x", "instagram")
        )
        return (
            f'<div class="top-bar"><a href="{self.home}/langganan">Berlangganan</a> '
            f'<a href="{self.home}/masuk">Masuk</a>{social}</div>\n<nav class="mega" aria-label="Menu utama">'
            f'<ul class="mega__list">{"".join(groups)}</ul></nav>\n'
            f'<div class="ticker"><span>Topik hangat</span>'
            f"<ul>{ticker}</ul></div>\n"
            '<div class="ad-slot ad-slot--top" id="div-gpt-top"><span>Iklan</span></div>\n'
        )

    def _footer(self, rng: random.Random) -> str:
        columns = "".join(
            f'<div class="footer__col"><p class="footer__heading">{section.capitalize()}</p><ul>'
            + "".join(
                f'<li><a href="{self.home}/{section}/{w}">{w.capitalize()}</a></li>'
                for w in rng.sample(WORDS, 8)
            )
            + "</ul></div>"
            for section in self.sections
        )
        corporate = "".join(
            f'<a href="{self.home}/{w}">{w.replace("-", " ").capitalize()}</a> '
            for w in (
                "tentang-kami",
                "redaksi",
                "pedoman-media-siber",
                "kode-etik",
                "karier",
                "iklan",
                "kontak",
                "kebijakan-privasi",
                "syarat-dan-ketentuan",
                "indeks",
                "rss",
            )
        )
        network = "".join(
            f'<a href="https://{w}.example">{w.capitalize()}</a> ' for w in rng.sample(WORDS, 16)
        )
        return (
            f'<footer class="site-footer"><div class="footer__grid">{columns}</div><div class="footer__corp">'
            f'{corporate}</div><div class="footer__network"><p>Jaringan</p>{network}</div>'
            f'<p class="footer__copy">Hak cipta &copy; {escape(self.name)}. Seluruh isi situs ini rekaan.</p>'
            "</footer>\n"
        )


def _safe_json(value: object) -> str:
    """JSON inside a <script>: "</" would end the element early."""
    return json.dumps(value, ensure_ascii=False).replace("</", "<\\/")


def _insert(html: str, marker: str, text: str, before: bool, last: bool = False) -> str:
    at = html.rindex(marker) if last else html.index(marker)
    at = at if before else at + len(marker)
    return html[:at] + text + html[at:]
