"""The article body: trafilatura's main-content pass on the lxml tree the page was parsed into once.

Its whole cascade runs (its own extractor, then the readability/justext comparison and the baseline
rescue), with its metadata pass skipped: the generic site reads metadata itself, which is where most
of trafilatura's time goes. What comes out is lines of text; the generic site trims the headline off
their top and the cleaner's rules (sites.generic.BOILERPLATE) remove and log the rest.
"""

import logging

from trafilatura.core import trafilatura_sequence
from trafilatura.settings import Extractor
from trafilatura.xml import xmltotxt

from kabar.text import normalize

logging.getLogger("trafilatura").setLevel(logging.CRITICAL)
logging.getLogger("htmldate").setLevel(logging.CRITICAL)

_OPTIONS = Extractor(output_format="python", fast=False, comments=True, tables=True)


def main_text(root, url: str | None) -> list[str]:
    """The main content's blocks, in page order; [] when nothing is found. Mutates `root`."""
    try:
        body, _, _, _ = trafilatura_sequence(root, _OPTIONS, url)
        text = xmltotxt(body, False) or ""
    except Exception:  # a library surprise on one odd page costs that page its body, never the batch
        logging.getLogger(__name__).debug("trafilatura failed on %s", url, exc_info=True)
        return []
    return [block for block in map(normalize, text.split("\n")) if block]
