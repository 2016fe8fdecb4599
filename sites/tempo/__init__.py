"""tempo.co: Indonesian news since 1995 online; one module for every era of its article pages."""

import re
from datetime import date
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from kabar.clean import rule
from kabar.sites.base import Site
from kabar.sites.tempo.layout2015 import Layout2015
from kabar.sites.tempo.layout2015en import Layout2015en
from kabar.sites.tempo.layout2023 import Layout2023
from kabar.sites.tempo.layout2024 import Layout2024
from kabar.urls import canonical_url, host_of

PAGE_PARAMS = {"page_num"}


class Tempo(Site):
    name = "tempo"
    base_url = "https://www.tempo.co"
    domains = ("tempo.co",)
    language = "id"
    # /read/<id>/<slug> (2016-2023); /read/news/<date>/<3-digit section code><id>/<slug> (2015);
    # /<section>/<slug>-<id> (2024-): one id sequence, so a story keeps its id across URL forms.
    article_paths = (
        re.compile(r"^/read/(?:news/\d{4}/\d{2}/\d{2}/\d{3})?(?!\d{4}/\d{2}/\d{2}/)(?P<id>\d+)(?:[/,]|$)"),
        re.compile(r"^/(?!read/|indeks|tag/|penulis/|search)[a-z0-9-]+/[a-z0-9-]+-(?P<id>\d{6,})/?$"),
    )
    start_paths = ("/robots.txt", "/rss/terbaru.xml")
    min_delay = 1.0
    schedule = "*/30 * * * *"
    layouts = (Layout2024(), Layout2023(), Layout2015(), Layout2015en())  # newest first
    # 2015 home "Terkini" list, 2015 English index, the index pages, the 2024 index list
    listing_selectors = ("ul.list-terkini", "ul.indeks-list", "ul.list-indeks", "div.indeks-list")
    boilerplate = (
        rule("ad_label", r"iklan$"),
        rule("scroll_prompt", r"scroll untuk melanjutkan$"),
        rule(  # the login / sign-up / e-mail confirmation dialog, line by line
            "login_prompt",
            r"(lupa kata sandi\?( klik di sini)?|atau (masuk|daftar) melalui"
            r"|(belum|sudah) memiliki akun( (daftar|masuk) di sini)?|konfirmasi email"
            r"|kami telah mengirimkan link aktivasi melalui email ke \S+"
            r"|klik link aktivasi dan dapatkan akses membaca .{0,80}"
            r"|jika anda tidak menerima email,?( kirimkan lagi sekarang)?|kirimkan lagi sekarang)$",
        ),
        rule("sponsor_disclaimer", r"konten sponsor pada widget ini"),
        rule("image_placeholder", r"image-gnews$"),
        rule("block_heading", r"(rekomendasi artikel|video pilihan)$"),
    )

    def article_id(self, url: str) -> str | None:
        # indonesiana.tempo.co is a citizen-journalism platform with an id sequence of its own
        return None if host_of(url).startswith("indonesiana.") else super().article_id(url)

    def canonical_url(self, url: str) -> str:
        """Only `page_num` (page 2..n of an article) names a different page; `?i=1` and the like do not."""
        url = canonical_url(url)
        if "?" not in url:  # no query to sift (the common case)
            return url
        parts = urlsplit(url)
        kept = [(k, v) for k, v in parse_qsl(parts.query) if k in PAGE_PARAMS]
        return urlunsplit(parts._replace(query=urlencode(kept)))

    def index_url(self, day: date, page: int = 1) -> str:
        return f"{self.base_url}/indeks/{day.isoformat()}" + (f"?page={page}" if page > 1 else "")


SITE = Tempo()
