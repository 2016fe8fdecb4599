"""The generic extractor's cheaper ways to the same results (issue 11): the C element-class lookup, the
cascade (sites/generic/body.py) against trafilatura's own trafilatura_sequence, the prunes by class
and id against trafilatura's expressions, and the related-block finder's memos. Synthetic pages only."""

from copy import deepcopy

import lxml.html
import pytest
from lxml import etree
from trafilatura.baseline import html2txt
from trafilatura.core import RAW_TREE_PRUNE_XPATH, REMOVE_COMMENTS_AND_LISTS_XPATH, trafilatura_sequence
from trafilatura.settings import BASIC_CLEAN_XPATH
from trafilatura.xml import xmltotxt

from kabar.sites.generic import body
from kabar.sites.generic.related import _Page, find_blocks
from kabar.sites.generic.tree import parse, text_of, text_within

WORDS = "warga desa membangun jembatan bambu di atas sungai yang deras setiap musim hujan tiba".split()


def sentence(n: int, seed: int = 0) -> str:
    return " ".join(WORDS[(seed + i * 7) % len(WORDS)] for i in range(n)).capitalize() + "."


def story(paragraphs: int, words: int = 30) -> str:
    return "".join(f"<p>{sentence(words, i)} {sentence(words // 2, i + 3)}</p>" for i in range(paragraphs))


def chrome(links: int = 60) -> str:
    menu = "".join(f'<li><a href="/rubrik/{i}">Rubrik {sentence(2, i)}</a></li>' for i in range(links))
    return f'<nav class="menu"><ul>{menu}</ul></nav><div class="ticker">{sentence(12)}</div>'


def page(main: str, extra: str = "", head: str = "") -> str:
    return (
        f"<html><head><title>Judul</title>{head}</head><body>{chrome()}"
        f'<div id="main"><article><h1>Jembatan bambu desa</h1>{main}</article></div>{extra}'
        f'<div class="site-footer"><p>{sentence(20)}</p></div><footer>{sentence(10)}</footer>'
        "<script>var x = 1;</script></body></html>"
    )


COOKIES = f'<div class="cookie-consent"><p>{sentence(25)}</p><button>OK</button></div>'
COMMENTS = (
    "".join(f'<div class="comment" id="comment-{i}"><p>{sentence(18, i)}</p></div>' for i in range(6))
    + f'<ol class="commentlist"><li>{sentence(10)}</li></ol><section id="comments">{sentence(20)}</section>'
)
CLUTTER = (
    f'<div class="mvp-post-add-box"><p>{sentence(30)}</p></div>'
    f'<section id="infinite-scroll"><p>{sentence(30, 2)}</p></section>'
    f'<aside class="infinitescroll"><h1>Artikel berikutnya</h1><p>{sentence(30, 4)}</p></aside>'
    f'<div class="elementor-share-buttons x"><a href="/share">Bagikan</a></div>'
    f'<div class="Commentary"><p>{sentence(30, 5)}</p></div><div id="Comments-x">{sentence(9)}</div>'
    f'<div class="notice__cookie"><p>{sentence(15)}</p></div><div id="CookieBot-1">{sentence(9)}</div>'
)
FORUM = (
    '<script type="application/ld+json">{"@context": "https://schema.org", '
    '"@type": "DiscussionForumPosting", "headline": "Jembatan"}</script>'
)
TEASER = f"<p>{sentence(40)}</p><p>{sentence(35, 1)}</p>"

PAGES = {
    "plain article": page(story(8)),
    "banners, comments and clutter": page(story(8), COOKIES + COMMENTS + CLUTTER),
    "many blocks of text: a long extraction": page(
        TEASER, "".join(f"<div><p>{sentence(40, i)}</p></div>" for i in range(40)) + COOKIES
    ),
    "a short story among menus: the recall escalation": page(TEASER, chrome(400)),
    "empty elements: the page measured in full, no escalation": page(
        TEASER, "<div><span></span></div>" * 300 + chrome(10)
    ),
    "empty elements: the page measured in full, escalation": page(
        TEASER, "<div><span></span></div>" * 300 + chrome(40) + COOKIES
    ),
    "a forum's posts": page(story(3), COMMENTS, head=FORUM),
    "a few words: the baseline rescue": page("<p>Singkat saja.</p>"),
    "no body": "<html><head><title>x</title></head></html>",
    "text in divs and line breaks": page(
        "<div>" + "<br>".join(sentence(25, i) for i in range(12)) + "</div>", COMMENTS
    ),
}


@pytest.mark.parametrize("name", PAGES)
def test_the_cascade_gives_trafilaturas_own_result(name):
    root = parse(PAGES[name])
    body.drop_hidden(root)
    theirs, ours = deepcopy(root), deepcopy(root)
    expected, _, _, _ = trafilatura_sequence(theirs, body._OPTIONS, None)
    found, text = body.cascade(ours, None)
    assert xmltotxt(found, False) == xmltotxt(expected, False)
    assert etree.tostring(ours) == etree.tostring(theirs)  # the tree left as trafilatura leaves it


@pytest.mark.parametrize("name", PAGES)
def test_readability_is_skipped_only_where_it_cannot_win(name):
    from trafilatura.core import _prepare_tree
    from trafilatura.external import try_readability
    from trafilatura.main_extractor import extract_content

    root = parse(PAGES[name])
    cleaned, _ = _prepare_tree(deepcopy(root), body._OPTIONS, None)
    found, text = extract_content(cleaned, body._OPTIONS)
    theirs = " ".join(
        etree.tostring(try_readability(deepcopy(root)), method="text", encoding="unicode").split()
    )
    if not body._readability_may_win(root, found, text):
        assert text and len(theirs) <= 2 * len(text)


@pytest.mark.parametrize("name", PAGES)
def test_the_page_measure_is_html2txts(name):
    root = parse(PAGES[name])
    assert body.page_text_length(root, body.Attributes(root)) == len(html2txt(root))


@pytest.mark.parametrize("name", PAGES)
@pytest.mark.parametrize("expression", [*RAW_TREE_PRUNE_XPATH, *REMOVE_COMMENTS_AND_LISTS_XPATH])
def test_selectors_select_what_trafilaturas_expressions_select(name, expression):
    root = parse(PAGES[name])
    selector = body.Selector(expression.path)
    assert set(selector(root, body.Attributes(root))) == set(expression(root))


def test_the_selectors_cover_the_expressions_trafilatura_prunes_with():
    # the cascade mirrors trafilatura 2.3.1: these are its expressions, each of the form .//*[…]
    assert len(body._RAW_TREE_PRUNE) == len(RAW_TREE_PRUNE_XPATH) == 2
    assert len(body._COMMENTS_AND_LISTS) == len(REMOVE_COMMENTS_AND_LISTS_XPATH) == 1
    assert BASIC_CLEAN_XPATH.path.startswith(body._CLEAN_BY_TAG.path + "|.//*[re:test(@class")
    assert "|.//" not in BASIC_CLEAN_XPATH.path[len(body._CLEAN_BY_TAG.path) + 1 :]
    root = parse(PAGES["banners, comments and clutter"])
    cookie = body._COOKIE_BANNER(root, body.Attributes(root)) + body._CLEAN_BY_TAG(root)
    assert set(cookie) == set(BASIC_CLEAN_XPATH(root))
    with pytest.raises(ValueError):
        body.Selector("//div[@class]")


def test_owners_by_many_values_a_few_and_values_of_several_lines():
    many = parse(page(story(2), COMMENTS))  # comment-0 … comment-5
    few = parse(page(story(2), '<div class="comment"><p>Satu komentar saja di sini.</p></div>'))
    lines = parse(  # "comment\nbox" matches; "box" alone (a line of it) does not, nor "x"
        page(
            story(2), '<div class="comment\nbox"><p>Dua baris.</p></div><div class="box"><p>Bukan.</p></div>'
        )
    )
    (expression,) = REMOVE_COMMENTS_AND_LISTS_XPATH
    for root in (many, few, lines):
        found = body._COMMENTS_AND_LISTS[0](root, body.Attributes(root))
        assert set(found) == set(expression(root)) and found


def test_hidden_elements_are_dropped_however_the_style_is_written():
    html = page(
        '<p aria-hidden="true">Tersembunyi satu.</p><div style="color:red;visibility:hidden">Dua.</div>'
        '<span style="Visibility: Hidden">Tiga.</span> ekor <p style="display:none">Terlipat tetap ada.</p>'
        '<p aria-hidden="false">Tampak.</p><p style="visibility: visible">Empat.</p>'
    )
    root = parse(html)
    assert len(body._HIDDEN(root)) == 3
    body.drop_hidden(root)
    shown = text_of(root.find(".//article"))
    assert "Tersembunyi" not in shown and "Dua." not in shown and "Tiga." not in shown
    assert "ekor" in shown and "Terlipat tetap ada." in shown and "Tampak." in shown and "Empat." in shown


def test_the_parser_gives_lxml_html_classes():
    root = parse(
        "<html><body><form><label>Nama</label><input name=a><select><option>x</option></select>"
        "<textarea></textarea></form><p>teks</p></body></html>"
    )
    kinds = {el.tag: type(el) for el in root.iter()}
    assert kinds["form"] is lxml.html.FormElement and kinds["input"] is lxml.html.InputElement
    assert kinds["label"] is lxml.html.LabelElement and kinds["select"] is lxml.html.SelectElement
    assert kinds["textarea"] is lxml.html.TextareaElement
    assert kinds["p"] is lxml.html.HtmlElement and kinds["option"] is lxml.html.HtmlElement
    assert type(deepcopy(root).find(".//form")) is lxml.html.FormElement  # copies keep the lookup
    assert root.find(".//p").text_content() == "teks"


def test_the_page_is_parsed_as_utf8_bytes_as_lxml_reads_the_str():
    html = (
        "\ufeff<html><head><meta charset='iso-8859-1'><title>Caf\u00e9</title></head><body>"
        "<p>Kopi \u201ctubruk\u201d \U0001f600 \u00a0 caf\u00e9</p></body></html>"
    )
    str_parser = lxml.html.HTMLParser(remove_comments=True, remove_pis=True, collect_ids=False)
    expected = lxml.html.document_fromstring(html, parser=str_parser)
    for page_input in (html, html.encode("utf-8")):
        assert etree.tostring(parse(page_input), encoding="unicode") == etree.tostring(
            expected, encoding="unicode"
        )
    assert "Kopi" in text_of(parse("<html><body><p>Kopi \ud800 tubruk</p></body></html>"))  # a lone surrogate
    assert parse("   ").find("body") is not None and parse(b"").find("body") is not None


# --- the related-block finder -------------------------------------------------------------------------


def test_text_within_agrees_with_text_of():
    root = parse(page(story(6), COMMENTS))
    for el in root.iter():
        if not isinstance(el.tag, str):
            continue
        full = text_of(el)
        for limit in (0, 5, 40, 300, 5000):
            assert text_within(el, limit) == (full if len(full) <= limit else None)


def test_the_page_memo_answers_any_limit_as_a_fresh_reading():
    root = parse(page(story(30), COMMENTS))
    elements = [el for el in root.iter() if isinstance(el.tag, str)]
    memo = _Page("https://contoh.example.id/a/1", "contoh.example.id")
    for limit in (1500, 20, 3000, 999, 1000, 1001, 50_000, 10):  # rising and falling: re-read or not
        for el in elements:
            assert memo.longer(el, limit) == (len(text_of(el)) > limit)


def grid(cards: int, heading: str = "Berita Terkini") -> str:
    items = "".join(
        f'<div class="card"><a href="https://contoh.example.id/berita/{1000 + i}/jembatan-bambu-ke-{i}">'
        f'<img src="/img/{i}.jpg"></a><h3><a href="/berita/{1000 + i}/jembatan-bambu-ke-{i}">'
        f"{sentence(8, i)}</a></h3><span>2 jam lalu</span><p>{sentence(14, i)} {sentence(10, i)}</p></div>"
        for i in range(cards)
    )
    return f'<section><h2>{heading}</h2><div class="grid">{items}</div></section>'


def test_cards_of_a_grid_are_read_whole():
    url = "https://contoh.example.id/berita/999/jembatan-bambu-desa"
    blocks = dict(find_blocks(parse(page(story(3), grid(12))), url, "contoh.example.id"))
    cards = blocks["terkini"]
    assert [c.href for c in cards] == [
        f"https://contoh.example.id/berita/{1000 + i}/jembatan-bambu-ke-{i}" for i in range(12)
    ]
    assert cards[3].title == sentence(8, 3) and cards[3].time_text == "2 jam lalu"
    assert cards[3].image_url == "https://contoh.example.id/img/3.jpg"
    assert cards[3].summary == f"{sentence(14, 3)} {sentence(10, 3)}"


def test_a_heading_ends_the_block_before_it_at_every_ancestor():
    url = "https://contoh.example.id/berita/999/jembatan-bambu-desa"
    first = (
        '<div><h2>Baca Juga</h2></div><div><a href="/berita/2001/sungai-meluap-lagi-di-desa">Sungai</a></div>'
    )
    html = page(story(3), f"<section><div>{first}</div><h2>Terpopuler</h2>{grid(2)}</section>")
    blocks = dict(find_blocks(parse(html), url, "contoh.example.id"))
    assert [c.href for c in blocks["baca_juga"]] == [
        "https://contoh.example.id/berita/2001/sungai-meluap-lagi-di-desa"
    ]
    # "Terpopuler" meets the next heading ("Berita Terkini") before any link: no block of its own
    assert "terpopuler" not in blocks


# --- QuickXPath: trafilatura's expressions by class and id, evaluated on the elements that could pass ---

# class, id and other attribute values to build pages from: values every expression's tests pass or
# nearly pass (case, anchors, a value of several lines, id and class both set, in either order)
_VALUES = (
    "post",
    "post x",
    "entry",
    "articleContent",
    "article-body",
    "Article-Body",
    "articleBody",
    "story",
    "text",
    "text-muted",
    "cell",
    "content",
    "main-content",
    "Main-Content",
    "page-content",
    "fulltext",
    "FullText",
    "primary",
    "xprimary",
    "story-body",
    "cookie",
    "Cookie",
    "share",
    "shared",
    "sidebar",
    "nav",
    "Nav",
    "navbar",
    "menu",
    "related",
    "elated",
    "ad",
    " ad ",
    "x ad-y",
    "foot",
    "footer",
    "Footer",
    "byline",
    "Byline",
    "author",
    "Author",
    "authority",
    "author-name",
    "AuthorName",
    "username",
    "writer",
    "screenname",
    "hidden",
    "x hidden",
    "hide-me",
    "comments-title",
    "reply-box",
    "x-reply-y",
    "message",
    "teaser",
    "Teaser",
    "caption",
    "meta",
    "widget",
    "comment\nbox",
    "box",
    "",
    "plain",
)
_OTHER = (
    ("role", ("navigation", "Navigation", "main", "article", "banner")),
    ("style", ("display:none", "display: none", "color: red", "visibility:hidden", "hidden")),
    ("aria-hidden", ("true", "false")),
    ("itemprop", ("author", "author name", "articleBody", "name")),
    ("rel", ("author", "me", "nofollow")),
    ("data-testid", ("AuthorCard", "AuthorURL", "x")),
    ("data-component", ("MostPopularStories", "Byline", "x")),
    ("data-lp-replacement-content", ("",)),
)
_TAGS = ("div", "section", "article", "main", "p", "span", "a", "li", "ul", "h3", "strong", "address")


def _random_page(rng) -> str:
    def element(depth: int) -> str:
        tag = rng.choice(_TAGS)
        attributes = []
        for name in rng.sample(["class", "id", "other", "other"], rng.randint(0, 3)):
            if name == "other":
                name, values = rng.choice(_OTHER)
                value = rng.choice(values)
            else:
                value = rng.choice(_VALUES)
            attributes.append(f'{name}="{value}"')
        children = "".join(element(depth + 1) for _ in range(rng.randint(0, 4 if depth < 4 else 0)))
        extra = rng.choice(["", "", "", "<rel>me</rel>", "<author>Jane Doe</author>"])
        return f"<{tag} {' '.join(attributes)}>{sentence(rng.randint(1, 6), depth)}{extra}{children}</{tag}>"

    return f"<html><body>{''.join(element(0) for _ in range(6))}</body></html>"


def _quick_expressions():
    from trafilatura import xpaths

    names = ("BODY_XPATH", "OVERALL_DISCARD_XPATH", "TEASER_DISCARD_XPATH", "DISCARD_IMAGE_ELEMENTS")
    return [x for name in names for x in getattr(xpaths, name)] + list(xpaths.AUTHOR_XPATHS)


@pytest.mark.parametrize("seed", range(40))
def test_quick_xpaths_find_what_trafilaturas_expressions_find(seed):
    import random

    from trafilatura.core import _prepare_tree

    from kabar.sites.generic.tree import QuickXPath

    rng = random.Random(seed)
    root = parse(_random_page(rng))
    cleaned, _ = _prepare_tree(deepcopy(root), body._OPTIONS, None)  # as the main extractor sees it
    for expression in _quick_expressions():
        quick = QuickXPath.of(expression)
        for tree in (root, cleaned):
            for context in [tree, *list(tree.iter("body", "div", "section"))[:6]]:
                assert quick(context) == expression(context), (seed, expression.path[:80])  # and the order


def test_the_quick_xpaths_cover_the_expressions_by_class_and_id():
    from trafilatura import xpaths

    from kabar.sites.generic.tree import QuickXPath

    # every expression with a re:test in the main extractor and the author expressions has its twin
    for expression in _quick_expressions():
        if "re:test" in expression.path:
            assert isinstance(QuickXPath.of(expression), QuickXPath), expression.path[:80]
    assert xpaths.BODY_XPATH[1] is QuickXPath.of(xpaths.BODY_XPATH[1])  # (.//article)[1]: as it is
    for unknown in (
        ".//*[not(@class)]",  # holds without the attributes it reads
        ".//*[re:test(@class, 'a|')]",  # an empty class passes
        ".//*[string-length(@class) > 3]",
        ".//div[@class='x']",
        ".//*[contains(@class, '')]",
        ".//*[re:test(@class, 'a')][2]",  # a position among the candidates is another position
        ".//*[contains(translate(@class, 'ab', 'xy'), 'x')]",
        ".//*[re:test(@class, '(?i)a')]",  # its own flags: cannot be joined with the others
    ):
        with pytest.raises(ValueError):
            QuickXPath(etree.XPath(unknown, namespaces={"re": "http://exslt.org/regular-expressions"}))


def test_the_main_extractor_reads_its_own_expressions_again_after_the_cascade():
    from trafilatura import main_extractor, xpaths

    root = parse(PAGES["banners, comments and clutter"])
    with body.quick_expressions():
        assert main_extractor.BODY_XPATH is not xpaths.BODY_XPATH
        assert main_extractor.OVERALL_DISCARD_XPATH is not xpaths.OVERALL_DISCARD_XPATH
    body.cascade(root, None)
    with pytest.raises(RuntimeError), body.quick_expressions():
        raise RuntimeError
    for name in body._MAIN_EXPRESSIONS:
        assert getattr(main_extractor, name) is getattr(xpaths, name)


@pytest.mark.parametrize("seed", range(20))
def test_byline_owners_are_the_elements_a_scan_of_every_element_tests(seed):
    import random

    from kabar.sites import generic

    root = parse(_random_page(random.Random(seed)))
    owners = generic._byline_owners(root)
    scanned = [
        el
        for el in root.iter()
        if isinstance(el.tag, str)
        and (
            el.get("itemprop") == "author"
            or el.get("rel") == "author"
            or generic._AUTHOR_CLASS.search(generic.classes(el))
        )
    ]
    assert [el for el in owners if el in set(scanned)] == scanned  # in page order, none missed
    assert generic._AUTHOR_XPATHS[1](root) == etree.XPath(
        generic.AUTHOR_XPATHS[1].path, namespaces={"re": "http://exslt.org/regular-expressions"}
    )(root)


def test_canonical_urls_kept_are_the_urls_worked_out_anew():
    from kabar.urls import canonical_url

    urls = [
        "https://www.contoh.example.id/berita/1/a-b-c?utm_source=x&b=2&a=1#top",
        "http://m.contoh.example.id/berita/2/amp/",
        "https://contoh.example.id/berita/3/a%20b?ref=home",
        "HTTPS://Contoh.Example.ID:443/berita/4",
    ]
    for url in urls * 2:
        assert canonical_url(url) == canonical_url.__wrapped__(url)
        assert canonical_url(url, https=False) == canonical_url.__wrapped__(url, https=False)
