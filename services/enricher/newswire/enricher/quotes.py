"""Direct quotes and their speakers ("We are close," Kerry said / Kerry said: "...").

Regular expressions over the folded text rather than a dependency parse: the parser is the
costliest spaCy pipe and attribution of direct quotes follows a handful of patterns. The speaker
is the nearest entity-like name next to a speech verb; it is mapped to the article's canonical
person when one of its surface forms matches.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from newswire.contracts import Entity, Quote
from newswire.text import fold_text

_VERBS = (
    r"(?:said|says|told|added|stated|declared|insisted|warned|noted|explained|argued|asked|"
    r"announced|wrote|tweeted|claimed|stressed|replied|continued|acknowledged)"
)
_NAME = r"((?:[A-Z][\w'\-]+|de|al|van|von|bin)(?:\s+(?:[A-Z][\w'\-]+|de|al|van|von|bin))*)"
_QUOTE = re.compile(r'"([^"]{12,600}?)[,.!?]?"')
_AFTER = re.compile(r",?\s+" + _NAME + r"\s+" + _VERBS + r"\b")
_AFTER_INV = re.compile(r",?\s+" + _VERBS + r"\s+(?:the\s+)?" + _NAME)
_BEFORE = re.compile(_NAME + r"\s+" + _VERBS + r"(?:\s+\w+){0,3}?\s*[:,]\s*$")
_PRONOUN = re.compile(r"^(?:He|She|They|It|We|I|The|This|That)$")
#: How far around a quote its attribution is looked for.
_REACH = 80


def quotes(text: str, entities: Sequence[Entity], limit: int = 20) -> tuple[Quote, ...]:
    """Direct quotes of the text (at least four words) with their speakers where attributable:
    each quote, then an attribution right after it or right before it."""
    folded = fold_text(text)
    found: list[Quote] = []
    for match in _QUOTE.finditer(folded):
        quoted = match.group(1).strip()
        after = folded[match.end() : match.end() + _REACH]
        before = folded[max(0, match.start() - _REACH) : match.start()]
        name = None
        if attributed := _AFTER.match(after) or _AFTER_INV.match(after):
            name = attributed.group(1)
        elif attributed := _BEFORE.search(before):
            name = attributed.group(1)
        if name is None and len(quoted.split()) < 4:
            continue
        found.append(Quote(text=quoted, speaker=None if name is None else _speaker(name, entities)))
        if len(found) >= limit:
            break
    return tuple(found)


def _speaker(name: str, entities: Sequence[Entity]) -> str | None:
    name = name.strip()
    if _PRONOUN.match(name):
        return None
    words = name.split()
    for entity in entities:
        if entity.type != "person":
            continue
        forms = {entity.name, *entity.surface_forms}
        if name in forms or any(words[-1] == form.split()[-1] for form in forms):
            return entity.name
    return None
