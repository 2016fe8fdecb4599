"""select: from every URL discovery found, the article pages to fetch, each spelled once."""

from kabar.records import Selection
from kabar.sites import Site


def select_articles(site: Site, urls: list[str], limit: int | None = None) -> Selection:
    """One URL per site article id (the first spelling, as the site fetches it): an article is fetched
    once."""
    chosen: dict[str, str] = {}
    skipped = collapsed = 0
    for url in urls:
        article_id = site.article_id(url)
        if article_id is None:
            skipped += 1
        elif article_id in chosen:
            collapsed += 1
        elif limit is None or len(chosen) < limit:
            chosen[article_id] = site.fetch_url(url)
    return Selection(urls=tuple(chosen.values()), skipped=skipped, collapsed=collapsed)
