"""A rendered document as text: the HTML of its body for a page, its plain text, and the form text is searched in.

Search compares the *search form* of a text with the search form of the query: NFKC (full-width and half-width
letters, digits and brackets alike), case folded, without the invisible characters printing adds (zero-width
spaces for line breaks, bidi isolates), every run of white space one space. A substring of the search form of a
contract's text is then "a phrase of its text", whatever the widths or line breaks it was typed with.
"""

from __future__ import annotations

import re
import unicodedata
from html.parser import HTMLParser

__all__ = ["body_html", "plain_text", "search_form"]

_BODY = re.compile(r"<body[^>]*>(.*)</body>", re.DOTALL)
_INVISIBLE = re.compile("[\u200b\u200c\u200d\u2060\ufeff\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
# Elements after which the text of the next one starts a new line (never glued to the previous one's last word).
_BLOCKS = frozenset({"p", "div", "h1", "h2", "h3", "h4", "li", "tr", "td", "th", "table", "br", "section"})


def body_html(html: str) -> str:
    """The inside of a standalone document's <body> (the whole text when it has none)."""
    found = _BODY.search(html)
    return (found.group(1) if found else html).strip()


class _Text(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head", "title"):
            self._skip += 1
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head", "title"):
            self._skip = max(0, self._skip - 1)
        elif tag in _BLOCKS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def plain_text(html: str) -> str:
    """The words of an HTML document or fragment, one line per block, without markup or invisible characters."""
    parser = _Text()
    parser.feed(body_html(html))
    parser.close()
    text = _INVISIBLE.sub("", "".join(parser.parts))
    lines = (_SPACES.sub(" ", line).strip() for line in text.splitlines())
    return "\n".join(line for line in lines if line)


def search_form(text: str) -> str:
    """The form a text (or a query) is compared in: NFKC, case folded, no invisible characters, single spaces."""
    folded = unicodedata.normalize("NFKC", _INVISIBLE.sub("", text)).casefold()
    return _SPACES.sub(" ", folded).strip()
