"""The words of news-page furniture in the major news languages: share bars, "read more" lines,
advertisement labels, reading times, publication-date labels and bylines. `cleanup` builds its
line forms from them, for the page's language and English (pages in every language carry English
widget labels). A hand-written table: no library lists these labels, and they are few and
stable; each entry is a convention of news pages in that language, never one site's wording.

Entries are regular-expression fragments, matched case-insensitively against a whole line.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Furniture:
    """One language's labels."""

    #: A share bar's label ("Share", "Teilen").
    share: tuple[str, ...] = ()
    #: A line that sends the reader elsewhere ("Read more", "Lesen Sie auch", "Lire aussi").
    read_more: tuple[str, ...] = ()
    #: An advertisement's label ("Advertisement", "Anzeige").
    advert: tuple[str, ...] = ()
    #: "Published", "Veröffentlicht" before a date.
    published: tuple[str, ...] = ()
    #: "Updated", "Aktualisiert" before a date.
    updated: tuple[str, ...] = ()
    #: "min read" forms: (number first, label after) and (label first, number after).
    reading_time: tuple[str, ...] = ()
    #: Month names (and their abbreviations) for dates written out.
    months: tuple[str, ...] = ()
    #: The bare "more" of a teaser's link, glued after its last sentence ("... überfordert. mehr").
    more: tuple[str, ...] = ()


ENGLISH = Furniture(
    share=("share", "share this (?:article|story|post)", "share on \\w+"),
    read_more=(
        "read more", "read also", "also read", "see also", "related", "related reading", "more on this (?:story|topic)",
    ),
    advert=("advertisement", "advertisement \\d+", "sponsored", "ad", "story continues below(?: advertisement)?"),
    published=("published", "posted", "first published"),
    updated=("updated", "last updated", "modified"),
    reading_time=("\\d+\\s*(?:-\\s*)?(?:min(?:ute)?s?|m)\\.?\\s+read(?:ing)?(?:\\s+time)?",),
    more=("more",),
)

LANGUAGES: dict[str, Furniture] = {
    "en": ENGLISH,
    "de": Furniture(
        share=("teilen", "artikel teilen", "beitrag teilen", "jetzt teilen"),
        read_more=(
            "lesen sie auch", "lesen sie mehr", "mehr zum thema", "weiterlesen", "mehr lesen", "zum artikel",
            "auch interessant", "das könnte sie auch interessieren", "mehr dazu",
        ),
        advert=("anzeige", "werbung", "externer inhalt nicht verfügbar"),
        published=("veröffentlicht(?: am)?", "erschienen(?: am)?", "publiziert(?: am)?", "stand"),
        updated=("aktualisiert(?: am)?", "zuletzt aktualisiert(?: am)?"),
        reading_time=("\\d+\\s*min(?:uten|\\.)?\\s+lesezeit", "lesezeit\\s*:?\\s*\\d+\\s*min(?:uten|\\.)?"),
        months=("januar", "jänner", "februar", "märz", "april", "mai", "juni", "juli", "august", "september",
                "oktober", "november", "dezember"),
        more=("mehr",),
    ),
    "fr": Furniture(
        share=("partager", "partager cet article", "partagez"),
        read_more=("lire aussi", "à lire aussi", "lire la suite", "voir aussi", "sur le même sujet", "en savoir plus"),
        advert=("publicité", "annonce", "passer la publicité"),
        published=("publié(?: le)?", "mis en ligne(?: le)?"),
        updated=("mis à jour(?: le)?", "modifié(?: le)?"),
        reading_time=("\\d+\\s*min(?:utes)?\\s+de\\s+lecture", "lecture\\s*:?\\s*\\d+\\s*min(?:utes)?"),
        months=("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                "novembre", "décembre"),
        more=("plus",),
    ),
    "es": Furniture(
        share=("compartir", "comparte", "compartir en \\w+"),
        read_more=(
            "lee también", "lea también", "leer más", "te puede interesar", "más información", "ver también",
            "noticias? relacionadas?",
        ),
        advert=("publicidad", "anuncio"),
        published=("publicado(?: el)?",),
        updated=("actualizado(?: el)?",),
        reading_time=("\\d+\\s*min(?:utos)?\\s+de\\s+lectura", "lectura\\s*:?\\s*\\d+\\s*min(?:utos)?"),
        months=("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
                "noviembre", "diciembre"),
        more=("más",),
    ),
    "it": Furniture(
        share=("condividi", "condividi l'articolo"),
        read_more=("leggi anche", "leggi di più", "per saperne di più", "potrebbe interessarti"),
        advert=("pubblicità",),
        published=("pubblicato(?: il)?",),
        updated=("aggiornato(?: il)?", "ultimo aggiornamento"),
        reading_time=("\\d+\\s*min(?:uti)?\\s+di\\s+lettura", "tempo di lettura\\s*:?\\s*\\d+\\s*min(?:uti)?"),
        months=("gennaio", "febbraio", "marzo", "aprile", "maggio", "giugno", "luglio", "agosto", "settembre",
                "ottobre", "novembre", "dicembre"),
        more=("altro",),
    ),
    "pt": Furniture(
        share=("compartilhar", "partilhar", "compartilhe"),
        read_more=("leia também", "leia mais", "veja também", "saiba mais"),
        advert=("publicidade", "anúncio"),
        published=("publicado(?: em)?",),
        updated=("atualizado(?: em)?", "actualizado(?: em)?"),
        reading_time=("\\d+\\s*min(?:utos)?\\s+de\\s+leitura", "leitura\\s*:?\\s*\\d+\\s*min(?:utos)?"),
        months=("janeiro", "fevereiro", "março", "abril", "maio", "junho", "julho", "agosto", "setembro", "outubro",
                "novembro", "dezembro"),
        more=("mais",),
    ),
    "nl": Furniture(
        share=("delen", "deel dit artikel", "deel"),
        read_more=("lees ook", "lees meer", "meer over", "bekijk ook"),
        advert=("advertentie",),
        published=("gepubliceerd(?: op)?",),
        updated=("bijgewerkt(?: op)?", "aangepast(?: op)?"),
        reading_time=("\\d+\\s*min(?:uten)?\\s+leestijd", "leestijd\\s*:?\\s*\\d+\\s*min(?:uten)?"),
        months=("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september", "oktober",
                "november", "december"),
        more=("meer",),
    ),
    "pl": Furniture(
        share=("udostępnij",),
        read_more=("czytaj więcej", "czytaj też", "czytaj także", "zobacz też", "zobacz także"),
        advert=("reklama",),
        more=("więcej",),
    ),
    # Norwegian (Bokmål and Nynorsk share these), Danish and Swedish
    "no": Furniture(
        share=("del", "del artikkelen", "del saken"),
        read_more=("les også", "les mer", "mer om"),
        advert=("annonse",),
        published=("publisert",),
        updated=("oppdatert", "sist oppdatert"),
        reading_time=("\\d+\\s*min(?:utter)?\\s+lesetid", "lesetid\\s*:?\\s*\\d+\\s*min(?:utter)?"),
        more=("mer",),
    ),
    "da": Furniture(
        share=("del", "del artiklen"),
        read_more=("læs også", "læs mere"),
        advert=("annonce", "reklame"),
        published=("publiceret",),
        updated=("opdateret", "senest opdateret"),
        reading_time=("\\d+\\s*min(?:utter)?\\s+læsetid", "læsetid\\s*:?\\s*\\d+\\s*min(?:utter)?"),
        more=("mere",),
    ),
    "sv": Furniture(
        share=("dela", "dela artikeln"),
        read_more=("läs också", "läs mer", "läs även"),
        advert=("annons",),
        published=("publicerad",),
        updated=("uppdaterad", "senast uppdaterad"),
        reading_time=("\\d+\\s*min(?:uter)?\\s+lästid", "lästid\\s*:?\\s*\\d+\\s*min(?:uter)?"),
        more=("mer",),
    ),
}
#: Languages whose labels are the same as another's.
ALIASES = {"nb": "no", "nn": "no"}


def furniture_for(language: str | None) -> tuple[Furniture, ...]:
    """The labels to look for on a page in `language`: English and that language's; every
    language's when it is not known."""
    if language is None:
        return tuple(LANGUAGES.values())
    code = language.casefold().split("-")[0]
    own = LANGUAGES.get(ALIASES.get(code, code))
    return (ENGLISH,) if own is None or own is ENGLISH else (ENGLISH, own)


def _month_numbers() -> dict[str, int]:
    """Month names (casefolded) -> month number, for dates printed in bylines: English and the
    languages above, in full and abbreviated (an abbreviation, the first three letters of a
    name or a common longer cut, is kept only where it names one month in every language:
    "jui" is French June and July, so it is left out)."""
    full: list[tuple[str, ...]] = [
        ("january", "januar", "jänner", "janvier", "enero", "gennaio", "janeiro", "januari"),
        ("february", "februar", "février", "febrero", "febbraio", "fevereiro", "februari"),
        ("march", "märz", "mars", "marzo", "março", "maart", "marts"),
        ("april", "avril", "abril", "aprile"),
        ("may", "mai", "mayo", "maggio", "maio", "mei", "maj"),
        ("june", "juni", "juin", "junio", "giugno", "junho"),
        ("july", "juli", "juillet", "julio", "luglio", "julho"),
        ("august", "août", "agosto", "augustus", "augusti"),
        ("september", "septembre", "septiembre", "setiembre", "settembre", "setembro"),
        ("october", "oktober", "octobre", "octubre", "ottobre", "outubro"),
        ("november", "novembre", "noviembre", "novembro"),
        ("december", "dezember", "décembre", "diciembre", "dicembre", "dezembro", "desember"),
    ]
    out: dict[str, int] = {}
    cuts: dict[str, set[int]] = {}
    for number, names in enumerate(full, start=1):
        for name in names:
            out[name] = number
            cuts.setdefault(name[:3], set()).add(number)
    for cut, numbers in cuts.items():
        if len(numbers) == 1 and cut not in out:
            out[cut] = numbers.pop()
    out.pop("maa", None)  # Dutch abbreviates maart "mrt"
    out.update({"sept": 9, "janv": 1, "févr": 2, "juil": 7, "mrt": 3})
    return out


#: Month names and abbreviations of the languages above and English -> month number.
MONTH_NUMBERS = _month_numbers()
