"""kabar.urls: every expected URL is written out by hand."""

import pytest

from kabar.urls import canonical_url, host_of, rebase

ARTICLE = "https://dunia.tempo.co/read/1772314/norwegia-dan-chile"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        pytest.param(ARTICLE, ARTICLE, id="already-canonical"),
        pytest.param(ARTICLE + "?utm_source=rss&utm_medium=feed&utm_campaign=x", ARTICLE, id="utm"),
        pytest.param(ARTICLE + "?fbclid=IwAR0abc", ARTICLE, id="fbclid"),
        pytest.param(ARTICLE + "?gclid=Cj0KCQ", ARTICLE, id="gclid"),
        pytest.param(ARTICLE + "?UTM_Source=x", ARTICLE, id="tracking-key-any-case"),
        pytest.param(ARTICLE + "?page=2&utm_source=x", ARTICLE + "?page=2", id="page-kept"),
        pytest.param(ARTICLE + "?utm_source=x&page=2&fbclid=y", ARTICLE + "?page=2", id="page-kept-middle"),
        pytest.param("https://Dunia.TEMPO.co/read/1772314/norwegia-dan-chile", ARTICLE, id="host-case"),
        pytest.param("https://m.dunia.tempo.co/read/1772314/norwegia-dan-chile", ARTICLE, id="m-host"),
        pytest.param("https://amp.dunia.tempo.co/read/1772314/norwegia-dan-chile", ARTICLE, id="amp-host"),
        pytest.param(ARTICLE + "/", ARTICLE, id="trailing-slash"),
        pytest.param(ARTICLE + "/amp", ARTICLE, id="amp-suffix"),
        pytest.param(ARTICLE + "/amp/", ARTICLE, id="amp-suffix-slash"),
        pytest.param(ARTICLE + "#comments", ARTICLE, id="fragment"),
        pytest.param("http://dunia.tempo.co/read/1772314/norwegia-dan-chile", ARTICLE, id="http"),
        pytest.param(
            "https://www.tempo.co/cari?q=banjir&b=2&a=1",
            "https://www.tempo.co/cari?a=1&b=2&q=banjir",
            id="sorted-query",
        ),
        pytest.param("https://tempo.co", "https://tempo.co/", id="empty-path-is-root"),
        pytest.param("https://tempo.co:443/x", "https://tempo.co/x", id="default-port"),
        pytest.param("  " + ARTICLE + "\n", ARTICLE, id="surrounding-space"),
        pytest.param(
            "HTTP://M.Dunia.Tempo.co/read/1772314/norwegia-dan-chile/amp/?utm_source=wa&page=3#top",
            ARTICLE + "?page=3",
            id="everything-at-once",
        ),
    ],
)
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_canonical_url_keeps_http_when_asked():
    assert canonical_url("http://127.0.0.1:8000/read/1/x/", https=False) == "http://127.0.0.1:8000/read/1/x"


def test_canonical_url_keeps_a_non_default_port():
    assert canonical_url("https://localhost:8443/read/1/x") == "https://localhost:8443/read/1/x"


@pytest.mark.parametrize(
    "url",
    [
        ARTICLE,
        "https://Dunia.TEMPO.co/read/1772314/Norwegia_Dan~Chile.html",
        "http://m.tempo.co/read/1/x/amp/",
        "https://tempo.co",
        "https://tempo.co:443/",
        "http://127.0.0.1:8000/read/1/x/",
        "https://tempo.co/a/-b/c.d/",
    ],
)
@pytest.mark.parametrize("https", [True, False])
def test_a_plain_url_skips_the_full_canonical_form_and_gets_the_same_answer(url, https):
    import kabar.urls

    assert kabar.urls._PLAIN.match(url)  # the fast path; "#" below sends the same URL the full way
    assert not kabar.urls._PLAIN.match(url + "#")
    assert canonical_url(url, https=https) == canonical_url(url + "#", https=https)


@pytest.mark.parametrize(
    "url",
    [
        "https://tempo.co/a/../b",
        "https://tempo.co/./b",
        "https://tempo.co//b",
        "https://tempo.co/a%20b",
        "https://tempo.co/é",
        "https://tempo.co/a?b=1",
    ],
)
def test_what_the_full_canonical_form_may_change_takes_the_full_way(url):
    import kabar.urls

    assert not kabar.urls._PLAIN.match(url)


def test_amp_inside_a_slug_is_not_a_suffix():
    assert canonical_url("https://tempo.co/read/1/lampu-amp") == "https://tempo.co/read/1/lampu-amp"


@pytest.mark.parametrize(
    ("url", "base", "expected"),
    [
        (
            ARTICLE + "?page=2#x",
            "http://127.0.0.1:8000",
            "http://127.0.0.1:8000/read/1772314/norwegia-dan-chile?page=2",
        ),
        (
            "https://www.tempo.co/robots.txt",
            "http://localhost:9/ignored/path",
            "http://localhost:9/robots.txt",
        ),
    ],
)
def test_rebase(url, base, expected):
    assert rebase(url, base) == expected


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://Dunia.Tempo.CO/read/1", "dunia.tempo.co"),
        ("http://127.0.0.1:8000/x", "127.0.0.1"),
        ("https://user:pw@www.tempo.co:8080/", "www.tempo.co"),
        ("/relative/path", ""),
    ],
)
def test_host_of(url, expected):
    assert host_of(url) == expected
