"""How ANTARA copy marks itself, whatever page layout shows it: a dateline crediting the wire opens the
story; a reporter code and a copyright line may close it."""

import re

from kabar.clean import rule

# City (and province), a press release's date, then the wire credited, in parentheses: "Mataram, NTB
# (ANTARA News) - ", "Jakarta (ANTARA News) - ", "ISTANBUL, 23 Februari 2016 (Antara/PRNewswire) --"
DATELINE = re.compile(
    r"^(?P<city>[A-Z][\w.' -]{1,40}?(?:,\s*[A-Z][\w.' -]{1,30}?)?)(?:,\s*\d{1,2}\s+[A-Za-z]+\s+\d{4})?"
    r",?\s*\((?P<credit>(?i:antara)[^()]{0,40})\)\s*[-–—]"
)
BOILERPLATE = (
    # reporter/editor desk codes on a line of their own: "(T.R025/B012)", "(U.A043/A023)"; never a date
    # such as "(10/11)" (rules match case-insensitively)
    rule(
        "reporter_code",
        r"\((?=[^)]*\d)(?=[^)]*[a-z])(?:[a-z]{1,2}\.)?[a-z0-9-]{2,12}(?:/[a-z0-9-]{1,12})+\)$",
    ),
    rule("copyright_line", r"copyright\s*(©|\(c\))"),  # "COPYRIGHT © ANTARA 2015", "COPYRIGHT © 2016"
)


def dateline(paragraphs: tuple[str, ...]) -> dict[str, str | None]:
    """The city opening the story and the wire its credit names: "ANTARA News" -> ANTARA; "Antara/
    PRNewswire" (a press release ANTARA carries) -> "ANTARA, PRNewswire". A stray line may come first;
    a story without the credit (a column, a guest article) is not ANTARA copy: no agency."""
    match = next(filter(None, (DATELINE.match(p) for p in paragraphs[:5])), None)
    if match is None:
        return {"dateline": None, "agency": None}
    wires = (part.strip() for part in match["credit"].split("/")[1:])
    return {"dateline": match["city"], "agency": ", ".join(["ANTARA", *wires])}
