"""The article body: trafilatura's main-content pass on the lxml tree the page was parsed into once.

Its whole cascade runs (its own extractor, then the readability/justext comparison and the baseline
rescue), with its metadata pass skipped: the generic site reads metadata itself, which is where most
of trafilatura's time goes. What comes out is lines of text; the generic site trims the headline off
their top and the cleaner's rules (sites.generic.BOILERPLATE) remove and log the rest.
"""

import logging

from lxml import etree
from trafilatura.core import trafilatura_sequence
from trafilatura.settings import Extractor
from trafilatura.xml import xmltotxt

from kabar.text import normalize

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

# Reader comments left out: they are no part of the story (measured: body F1 up on all three corpus sets)
_OPTIONS = Extractor(output_format="python", fast=False, comments=False, tables=True)


# What a reader never sees: aria-hidden="true" or an inline visibility:hidden (a modal's text, a
# duplicate for screen layouts, a bot trap). Not display:none: collapsed story text ("read more",
# tabs) often waits behind it, and dropping it measured worse on the corpus.
_STYLE = "translate(@style, ' ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"
_HIDDEN = etree.XPath(f"//body//*[@aria-hidden='true' or contains({_STYLE}, 'visibility:hidden')]")


def drop_hidden(root) -> None:
    """Remove the elements a reader never sees (their tail text stays)."""
    for el in _HIDDEN(root):
        if el.getparent() is not None:
            el.drop_tree()


def main_text(root, url: str | None) -> list[str]:
    """The main content's blocks, in page order; [] when nothing is found. Mutates `root`."""
    try:
        drop_hidden(root)
        body, _, _, _ = trafilatura_sequence(root, _OPTIONS, url)
        text = xmltotxt(body, False) or ""
    except Exception:  # a library surprise on one odd page costs that page its body, never the batch
        logging.getLogger(__name__).debug("trafilatura failed on %s", url, exc_info=True)
        return []
    return [block for block in map(normalize, text.split("\n")) if block]
