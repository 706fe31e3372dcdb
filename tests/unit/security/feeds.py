"""Generated bad feed documents: truncations, mis-encodings and XML entity bombs, built from
the well-formed feeds of the poller's own tests and from the feedparser corpus."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from tests.unit.poller.test_parsing import ATOM03, JSON_FEED, RDF, RSS091, RSS2_HINTS

CORPUS = Path(__file__).parent / "corpus" / "feedparser"
_HEADER = re.compile(rb"Header:\s*Content-type:\s*([^\r\n]+)", re.IGNORECASE)

UNICODE_RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Genève – “talks” 東京 Ünïcödé</title>
<link>https://news.example.net/</link><description>d</description>
<item><title>Kerry and Lavrov meet in Genève – “talks”</title><link>https://news.example.net/u/1</link>
<description>Über 9 000 Menschen; 東京で会談; ça marche — naïve café.</description>
<category>Wörld</category><author>jose@example.net (José Müller)</author></item>
<item><title>Второй материал</title><link>https://news.example.net/u/2</link></item>
</channel></rss>"""

BASES: dict[str, bytes] = {
    "rss091": RSS091, "rdf": RDF, "atom03": ATOM03, "rss2": RSS2_HINTS, "json": JSON_FEED,
    "unicode": UNICODE_RSS.encode("utf-8"),
}


def feedparser_corpus() -> list[tuple[str, bytes, str | None]]:
    """(name, body, content type) of every document of the feedparser corpus."""
    out = []
    for path in sorted(CORPUS.rglob("*.xml")):
        body = path.read_bytes()
        header = _HEADER.search(body)
        out.append((str(path.relative_to(CORPUS)), body, header.group(1).decode().strip() if header else None))
    return out


def truncations(cuts_per_doc: int = 40) -> Iterator[tuple[str, bytes]]:
    """Every base document cut short at evenly spaced points (and one byte short)."""
    for name, body in BASES.items():
        step = max(1, len(body) // cuts_per_doc)
        for cut in [*range(1, len(body), step), len(body) - 1]:
            yield f"{name}@{cut}", body[:cut]


def _redeclare(doc: str, encoding: str) -> str:
    return doc.replace('encoding="UTF-8"', f'encoding="{encoding}"', 1)


def misencodings() -> Iterator[tuple[str, bytes, str | None]]:
    """(name, body, content type): documents whose bytes, declaration and header disagree, or
    that carry bytes no encoding makes sense of."""
    doc = UNICODE_RSS
    utf8 = doc.encode("utf-8")
    yield "declared-utf8-body-latin1", doc.encode("latin-1", "replace"), None
    yield "declared-utf8-body-cp1252", doc.encode("cp1252", "replace"), None
    yield "declared-latin1-body-utf8", _redeclare(doc, "ISO-8859-1").encode("utf-8"), None
    yield "declared-utf16-body-utf8", _redeclare(doc, "UTF-16").encode("utf-8"), None
    yield "utf16-no-bom-declared-utf8", doc.encode("utf-16-le"), None
    yield "utf16-bom-declared-utf8", doc.encode("utf-16"), None
    yield "utf32", _redeclare(doc, "UTF-32").encode("utf-32"), None
    yield "utf8-bom-declared-utf16", b"\xef\xbb\xbf" + _redeclare(doc, "UTF-16").encode("utf-8"), None
    yield "ebcdic-cp037", _redeclare(doc, "cp037").encode("cp037", "replace"), None
    yield "shift-jis-header-on-utf8", utf8, "application/rss+xml; charset=shift_jis"
    yield "bogus-encoding-name", _redeclare(doc, "x-no-such-charset").encode("utf-8"), None
    yield "bogus-header-charset", utf8, "text/xml; charset=nonsense-42"
    yield "utf7", _redeclare(doc, "UTF-7").encode("utf-7"), None
    for label, junk in [
        ("ff-fe", b"\xff\xfe"), ("overlong", b"\xc0\xaf"), ("lone-continuation", b"\x80\x80"),
        ("truncated-multibyte", b"\xe2\x82"), ("cesu-surrogate", b"\xed\xa0\x80"),
        ("nul", b"\x00"), ("c1-controls", b"\x85\x9f"), ("del-and-controls", b"\x7f\x01\x1b[31m"),
    ]:
        yield f"invalid-{label}-in-title", utf8.replace("Kerry".encode(), b"Ke" + junk + b"rry"), None
        yield f"invalid-{label}-in-link", utf8.replace(b"/u/1", b"/u/" + junk + b"1"), None
    for label, ref in [("surrogate", "&#55296;"), ("surrogate-hex", "&#xDFFF;"), ("beyond-unicode", "&#x110000;"),
                       ("nul", "&#0;"), ("noncharacter", "&#xFFFE;"), ("huge", "&#99999999999999999999;")]:
        yield f"charref-{label}", doc.replace("Kerry", f"Ke{ref}rry").encode("utf-8"), None
        yield f"charref-{label}-loose", doc.replace("Kerry", f"Ke{ref}rry").replace("</rss>", "</rs").encode("utf-8"), None


_LOL = "".join(
    f'<!ENTITY l{i} "{("&l%d;" % (i - 1)) * 10 if i else "lol"}">' for i in range(10)
)
_BIG = "A" * 100_000


def _feed(prolog: str, ref: str) -> str:
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}<rss version="2.0"><channel><title>{ref}</title>'
        f"<item><title>{ref}</title><link>https://x.example/1</link><description>{ref}</description></item>"
        "</channel></rss>"
    )


def entity_bombs(canary: str) -> Iterator[tuple[str, bytes]]:
    """Entity-expansion and external-entity documents in several disguises. `canary` is a URL
    that must never be requested (external entities and DTDs are not fetched)."""
    plain = {
        "billion-laughs": _feed(f"<!DOCTYPE rss [{_LOL}]>", "&l9;"),
        "quadratic-blowup": _feed(f'<!DOCTYPE rss [<!ENTITY a "{_BIG}">]>', "&a;" * 20_000),
        "xxe-file": _feed('<!DOCTYPE rss [<!ENTITY x SYSTEM "file:///etc/passwd">]>', "&x;"),
        "xxe-http": _feed(f'<!DOCTYPE rss [<!ENTITY x SYSTEM "{canary}/xxe">]>', "&x;"),
        "xxe-public": _feed(f'<!DOCTYPE rss [<!ENTITY x PUBLIC "-//X//Y" "{canary}/pub">]>', "&x;"),
        "parameter-entity": _feed(f'<!DOCTYPE rss [<!ENTITY % p SYSTEM "{canary}/p.dtd"> %p;]>', "t"),
        "parameter-entity-nested": _feed(
            f'<!DOCTYPE rss [<!ENTITY % a "<!ENTITY &#x25; b SYSTEM \'{canary}/b\'>"> %a; %b;]>', "t"
        ),
        "lowercase-declaration": _feed(f"<!doctype rss [{_LOL.replace('ENTITY', 'entity')}]>", "&l9;"),
        "comment-padded-past-64k": _feed("<!--" + "x" * 70_000 + f"--><!DOCTYPE rss [{_LOL}]>", "&l9;"),
        "whitespace-padded-past-64k": _feed(" " * 70_000 + f'<!DOCTYPE rss [<!ENTITY a "{_BIG}">]>', "&a;" * 20_000),
        "pi-padded-past-64k": _feed("<?pad " + "y" * 70_000 + f'?><!DOCTYPE rss [<!ENTITY a "{_BIG}">]>', "&a;" * 5000),
        "atom-billion-laughs": (
            f'<?xml version="1.0" encoding="UTF-8"?><!DOCTYPE feed [{_LOL}]><feed xmlns="http://www.w3.org/2005/Atom">'
            "<title>&l9;</title><entry><title>&l9;</title><id>x</id></entry></feed>"
        ),
    }
    # No entity declared, but the document points at external things to fetch.
    external = {
        "external-dtd": _feed(f'<!DOCTYPE rss SYSTEM "{canary}/rss.dtd">', "t"),
        "external-dtd-public": _feed(f'<!DOCTYPE rss PUBLIC "-//Netscape//DTD RSS 0.91//EN" "{canary}/rss-0.91.dtd">', "t"),
        "xinclude": _feed("", f'<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="{canary}/xi"/>'),
        "xml-stylesheet": f'<?xml-stylesheet type="text/xsl" href="{canary}/x.xsl"?>' + _feed("", "t"),
    }
    for name, doc in {**plain, **external}.items():
        yield name, doc.encode("utf-8")
    for name, doc in plain.items():
        for encoding in ("utf-16", "utf-16-be", "utf-32", "cp037"):
            yield f"{name}-{encoding}", doc.replace('encoding="UTF-8"', f'encoding="{encoding}"').encode(encoding)
