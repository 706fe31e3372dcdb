"""Pure rendering: RSS 2.0 and Atom 1.0 feeds, article pages, robots.txt, small HTML pages.

Every function takes the data and returns text; nothing here reads the clock or does I/O.
"""

from __future__ import annotations

import html
import json
from collections.abc import Sequence
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from xml.sax.saxutils import escape as xml_escape
from xml.sax.saxutils import quoteattr

from newswire.farm.model import Article, Outlet, iso

__all__ = [
    "SECTIONS",
    "feed_link",
    "http_date",
    "render_article",
    "render_atom",
    "render_feed",
    "render_home",
    "render_news_sitemap",
    "render_not_found",
    "render_private",
    "render_robots",
    "render_rss",
    "render_sitemap",
    "render_sitemap_index",
]

SECTIONS = ("World", "Politics", "Business", "Science", "Health", "Technology", "Sport", "Culture")
SITEMAP_FORMATS = ("sitemap", "news-sitemap")
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
NEWS_NS = "http://www.google.com/schemas/sitemap-news/0.9"
TRACKING = {"rss": "utm_source=rss&utm_medium=feed", "atom": "utm_source=atom&utm_medium=feed"}


def http_date(ts: float) -> str:
    """RFC 7231 / RFC 822 date in GMT, e.g. ``Sat, 21 Nov 2026 06:15:00 GMT``."""
    return format_datetime(datetime.fromtimestamp(int(ts), UTC), usegmt=True)


def _human_date(ts: float) -> str:
    return datetime.fromtimestamp(ts, UTC).strftime("%-d %B %Y, %H:%M UTC")


def feed_link(outlet: Outlet, article: Article, fmt: str) -> str:
    """The article link as the feed lists it: absolute, with tracking parameters (a sitemap
    lists the plain URL)."""
    if fmt in SITEMAP_FORMATS:
        return outlet.url(article.link_path)
    return f"{outlet.url(article.link_path)}?{TRACKING.get(fmt, TRACKING['rss'])}"


def _feed_updated(items: Sequence[Article], fallback: float) -> float:
    return max((a.modified_at for a in items), default=fallback)


def render_rss(
    outlet: Outlet, items: Sequence[Article], *, updated: float, hub: str | None = None
) -> str:
    """An RSS 2.0 feed of ``items`` (already newest first), advertising ``hub`` if given."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"'
        ' xmlns:atom="http://www.w3.org/2005/Atom">',
        "<channel>",
        f"<title>{xml_escape(outlet.name)}</title>",
        f"<link>{xml_escape(outlet.base_url)}</link>",
        f"<description>{xml_escape('Latest news from ' + outlet.name)}</description>",
        "<language>en</language>",
        f"<lastBuildDate>{http_date(_feed_updated(items, updated))}</lastBuildDate>",
        f'<atom:link href={quoteattr(outlet.feed_url)} rel="self" type="application/rss+xml"/>',
        *([f"<atom:link href={quoteattr(hub)} rel=\"hub\"/>"] if hub else []),
        "<ttl>5</ttl>",
    ]
    for a in items:
        out += [
            "<item>",
            f"<title>{xml_escape(a.title)}</title>",
            f"<link>{xml_escape(feed_link(outlet, a, 'rss'))}</link>",
            f'<guid isPermaLink="false">{xml_escape(a.guid)}</guid>',
            f"<pubDate>{http_date(a.published_at)}</pubDate>",
            f"<dc:creator>{xml_escape(a.author)}</dc:creator>",
            f"<category>{xml_escape(a.category)}</category>",
            f"<description>{xml_escape(a.description)}</description>",
            "</item>",
        ]
    out += ["</channel>", "</rss>", ""]
    return "\n".join(out)


def render_atom(
    outlet: Outlet, items: Sequence[Article], *, updated: float, hub: str | None = None
) -> str:
    """An Atom 1.0 feed of ``items`` (already newest first), advertising ``hub`` if given."""
    out = [
        '<?xml version="1.0" encoding="utf-8"?>',
        '<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">',
        f"<title>{xml_escape(outlet.name)}</title>",
        f"<subtitle>{xml_escape('Latest news from ' + outlet.name)}</subtitle>",
        f"<id>{xml_escape(outlet.base_url)}</id>",
        f'<link rel="alternate" type="text/html" href={quoteattr(outlet.base_url)}/>',
        f'<link rel="self" type="application/atom+xml" href={quoteattr(outlet.feed_url)}/>',
        *([f'<link rel="hub" href={quoteattr(hub)}/>'] if hub else []),
        f"<updated>{iso(_feed_updated(items, updated))}</updated>",
    ]
    for a in items:
        out += [
            "<entry>",
            f'<title type="text">{xml_escape(a.title)}</title>',
            '<link rel="alternate" type="text/html" '
            f"href={quoteattr(feed_link(outlet, a, 'atom'))}/>",
            f"<id>{xml_escape(a.guid)}</id>",
            f"<published>{iso(a.published_at)}</published>",
            f"<updated>{iso(a.modified_at)}</updated>",
            f"<author><name>{xml_escape(a.author)}</name></author>",
            f"<category term={quoteattr(a.category)}/>",
            f'<summary type="text">{xml_escape(a.description)}</summary>',
            "</entry>",
        ]
    out += ["</feed>", ""]
    return "\n".join(out)


def render_feed(
    outlet: Outlet, items: Sequence[Article], *, updated: float, hub: str | None = None
) -> str:
    """The outlet's feed in its own format."""
    fn = render_rss if outlet.feed_format == "rss" else render_atom
    return fn(outlet, items, updated=updated, hub=hub)


def render_robots(crawl_delay: float | None, sitemaps: Sequence[str] = ()) -> str:
    """robots.txt: everything allowed except ``/private/``, optional Crawl-delay, and a
    ``Sitemap:`` line per sitemap URL."""
    lines = ["User-agent: *", "Disallow: /private/"]
    if crawl_delay is not None:
        lines.append(f"Crawl-delay: {crawl_delay:g}")
    if sitemaps:
        lines.append("")
        lines += [f"Sitemap: {url}" for url in sitemaps]
    return "\n".join(lines) + "\n"


def render_sitemap(outlet: Outlet, items: Sequence[Article]) -> str:
    """A plain sitemap (``<urlset>``) of ``items``: each article's URL and ``lastmod``."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<urlset xmlns="{SITEMAP_NS}">']
    for a in items:
        out.append(
            f"<url><loc>{xml_escape(feed_link(outlet, a, 'sitemap'))}</loc>"
            f"<lastmod>{iso(a.modified_at)}</lastmod></url>"
        )
    out += ["</urlset>", ""]
    return "\n".join(out)


def render_news_sitemap(outlet: Outlet, items: Sequence[Article]) -> str:
    """A Google News sitemap of ``items``: publication name and language, publication date,
    title and keywords per URL."""
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<urlset xmlns="{SITEMAP_NS}" xmlns:news="{NEWS_NS}">',
    ]
    for a in items:
        out.append(
            f"<url><loc>{xml_escape(feed_link(outlet, a, 'news-sitemap'))}</loc>"
            f"<lastmod>{iso(a.modified_at)}</lastmod>"
            "<news:news><news:publication>"
            f"<news:name>{xml_escape(outlet.name)}</news:name><news:language>en</news:language>"
            "</news:publication>"
            f"<news:publication_date>{iso(a.published_at)}</news:publication_date>"
            f"<news:title>{xml_escape(a.title)}</news:title>"
            f"<news:keywords>{xml_escape(a.category)}</news:keywords>"
            "</news:news></url>"
        )
    out += ["</urlset>", ""]
    return "\n".join(out)


def render_sitemap_index(children: Sequence[tuple[str, float]]) -> str:
    """A sitemap index of ``(absolute URL, lastmod)`` children."""
    out = ['<?xml version="1.0" encoding="UTF-8"?>', f'<sitemapindex xmlns="{SITEMAP_NS}">']
    for url, lastmod in children:
        out.append(f"<sitemap><loc>{xml_escape(url)}</loc><lastmod>{iso(lastmod)}</lastmod></sitemap>")
    out += ["</sitemapindex>", ""]
    return "\n".join(out)


def _e(text: str) -> str:
    return html.escape(text, quote=True)


def _header(outlet: Outlet) -> str:
    nav = "".join(f'<li><a href="/{s.lower()}/">{s}</a></li>' for s in SECTIONS)
    return (
        '<div id="cookie-consent" class="consent-banner" role="dialog" aria-label="Cookie consent">'
        "<p>We use cookies and similar technologies to improve your experience, measure audiences "
        "and show you personalised advertising. You can accept all cookies or manage your "
        "preferences at any time.</p>"
        '<button class="accept">Accept all</button> <button class="manage">Manage preferences'
        "</button></div>\n"
        '<header class="site-header">'
        f'<a class="logo" href="/">{_e(outlet.name)}</a>'
        '<a class="subscribe" href="/subscribe">Subscribe</a> <a class="login" href="/login">'
        "Sign in</a>"
        f'<nav class="main-nav"><ul><li><a href="/">Home</a></li>{nav}</ul></nav>'
        "</header>\n"
    )


def _footer(outlet: Outlet, year: int) -> str:
    return (
        '<footer class="site-footer">'
        '<ul><li><a href="/about">About us</a></li><li><a href="/contact">Contact</a></li>'
        '<li><a href="/privacy">Privacy policy</a></li><li><a href="/terms">Terms of use</a></li>'
        '<li><a href="/private/subscribers">Subscriber area</a></li></ul>'
        f"<p>&copy; {year} {_e(outlet.name)}. All rights reserved. Registered in England "
        "and Wales.</p></footer>\n"
    )


def _link_list(items: Sequence[tuple[str, str]], tag: str) -> str:
    lis = "".join(f'<li><a href="{_e(url)}">{_e(title)}</a></li>' for title, url in items)
    return f"<{tag}>{lis}</{tag}>"


def _json_ld(outlet: Outlet, article: Article, canonical: str) -> str:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical},
        "headline": article.title,
        "datePublished": iso(article.published_at),
        "dateModified": iso(article.modified_at),
        "author": [{"@type": "Person", "name": article.author}],
        "publisher": {
            "@type": "Organization",
            "name": outlet.name,
            "logo": {"@type": "ImageObject", "url": outlet.url("/static/logo.png")},
        },
        "articleSection": article.category,
        "inLanguage": "en",
        "url": canonical,
    }
    if outlet.jsonld_article_body:
        data["articleBody"] = "\n\n".join(article.current.paragraphs)
    return json.dumps(data, ensure_ascii=False, indent=1).replace("</", "<\\/")


def render_article(
    outlet: Outlet,
    article: Article,
    *,
    related: Sequence[tuple[str, str]] = (),
    most_read: Sequence[tuple[str, str]] = (),
) -> str:
    """A full article page with realistic boilerplate around ``<article><p>`` paragraphs."""
    canonical = outlet.url(article.path)
    title = _e(article.title)
    desc = _e(article.description)
    published, modified = iso(article.published_at), iso(article.modified_at)
    section = article.category
    paragraphs = "\n".join(f"<p>{_e(p)}</p>" for p in article.current.paragraphs)
    updated = (
        f' <span class="updated">Updated <time datetime="{modified}">'
        f"{_human_date(article.modified_at)}</time></span>"
        if len(article.versions) > 1
        else ""
    )
    year = datetime.fromtimestamp(article.published_at, UTC).year
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n'
        '<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title} | {_e(outlet.name)}</title>\n"
        f'<meta name="description" content="{desc}">\n'
        f'<meta name="author" content="{_e(article.author)}">\n'
        f'<link rel="canonical" href="{_e(canonical)}">\n'
        f'<meta property="og:title" content="{title}">\n'
        f'<meta property="og:site_name" content="{_e(outlet.name)}">\n'
        f'<meta property="og:url" content="{_e(canonical)}">\n'
        '<meta property="og:type" content="article">\n'
        f'<meta property="og:description" content="{desc}">\n'
        f'<meta property="og:image" content="{_e(outlet.url("/static/share.jpg"))}">\n'
        f'<meta property="article:published_time" content="{published}">\n'
        f'<meta property="article:modified_time" content="{modified}">\n'
        f'<meta property="article:section" content="{_e(section)}">\n'
        f'<meta name="twitter:card" content="summary_large_image">\n'
        f'<link rel="alternate" type="application/rss+xml" title="{_e(outlet.name)}" '
        f'href="{_e(outlet.feed_url)}">\n'
        '<link rel="stylesheet" href="/static/site.css">\n'
        '<script type="application/ld+json">\n'
        f"{_json_ld(outlet, article, canonical)}\n"
        "</script>\n"
        "<script>window.dataLayer=window.dataLayer||[];"
        "dataLayer.push({'event':'pageview','section':'" + _e(section) + "'});</script>\n"
        "</head>\n<body>\n"
        + _header(outlet)
        + '<main id="content">\n'
        f'<nav class="breadcrumb" aria-label="Breadcrumb"><a href="/">Home</a> &rsaquo; '
        f'<a href="/{_e(section.lower())}/">{_e(section)}</a></nav>\n'
        '<article class="story">\n'
        f'<h1 class="headline">{title}</h1>\n'
        f'<div class="byline">By <span class="author" rel="author">{_e(article.author)}</span> '
        f'<time datetime="{published}">{_human_date(article.published_at)}</time>{updated}</div>\n'
        f"{paragraphs}\n"
        "</article>\n"
        '<div class="share-bar">Share this story: <a href="/share/facebook">Facebook</a> '
        '<a href="/share/x">X</a> <a href="/share/whatsapp">WhatsApp</a> '
        '<a href="/share/email">Email</a></div>\n'
        '<section class="newsletter"><h2>Get the morning briefing</h2><p>Sign up for our free '
        "newsletter and get the day's top stories in your inbox every morning.</p>"
        '<form action="/newsletter" method="post"><input type="email" name="email" '
        'placeholder="Your email address"><button>Sign up</button></form></section>\n'
        '<aside class="related"><h2>Related stories</h2>'
        + _link_list(related, "ul")
        + "</aside>\n"
        '<aside class="most-read"><h2>Most read</h2>' + _link_list(most_read, "ol") + "</aside>\n"
        "</main>\n" + _footer(outlet, year) + "</body>\n</html>\n"
    )


def _alternate(outlet: Outlet) -> str:
    kind = "atom" if outlet.feed_format == "atom" else "rss"
    return f'<link rel="alternate" type="application/{kind}+xml" href="{_e(outlet.feed_url)}">'


def render_home(outlet: Outlet, items: Sequence[Article], *, year: int) -> str:
    """The outlet's front page: a list of the latest headlines."""
    lst = _link_list([(a.title, a.link_path) for a in items], "ul")
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{_e(outlet.name)} | Latest news</title>"
        + ("" if outlet.sitemap_only else _alternate(outlet))
        + "</head>\n<body>\n" + _header(outlet) + '<main id="content"><h1>Latest news</h1>'
        f"{lst}</main>\n" + _footer(outlet, year) + "</body>\n</html>\n"
    )


def render_private(outlet: Outlet) -> str:
    """A page robots.txt forbids (a crawler that fetches it ignores robots.txt)."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Subscribers | '
        f"{_e(outlet.name)}</title></head><body><h1>Subscribers only</h1>"
        "<p>Please sign in to continue.</p></body></html>\n"
    )


def render_not_found(outlet: Outlet) -> str:
    """A 404 page."""
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>Page not found | '
        f"{_e(outlet.name)}</title></head><body><h1>Sorry, we couldn't find that page</h1>"
        '<p><a href="/">Go to the front page</a></p></body></html>\n'
    )
