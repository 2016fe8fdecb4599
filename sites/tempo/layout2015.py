"""tempo.co article pages of the 2015 era (being written)."""

from bs4 import BeautifulSoup

NAME = "tempo-2015"
BOILERPLATE: tuple = ()  # named rules (sites.site.rule) for boilerplate only this era shows


def matches(soup: BeautifulSoup) -> bool:
    return False


def parse(soup, *, site, url, article_id, fetched_at):
    raise NotImplementedError
