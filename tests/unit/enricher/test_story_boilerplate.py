"""An outlet's repeated text is dropped from an article's lead before clustering."""

from __future__ import annotations

from datetime import timedelta

from newswire.enricher.stories import StoryClusterer, StoryConfig, StoryInput
from newswire.enricher.story_boilerplate import OutletRepeats

from tests.factories import T0

NOTICE = "We have sent you a verification email. Please check your inbox to activate your profile."


def test_a_sentence_the_outlet_published_before_is_dropped_from_the_lead() -> None:
    repeats = OutletRepeats(window_s=86400.0)
    first = repeats.clean("site", f"{NOTICE}\n\nA man was shot on Main Street on Saturday night.", T0, 150)
    assert first.startswith("We have sent you")  # the first time it is the article's own text
    second = repeats.clean("site", f"{NOTICE}\n\nTwo women were hurt in a crash on Elm Road.", T0 + timedelta(hours=1), 150)
    assert second == "Two women were hurt in a crash on Elm Road."
    other = repeats.clean("elsewhere", f"{NOTICE} A dog was rescued from a well.", T0 + timedelta(hours=1), 150)
    assert other.startswith("We have sent you")  # another outlet's text is its own
    later = repeats.clean("site", f"{NOTICE} A fire closed the bridge.", T0 + timedelta(days=3), 150)
    assert later.startswith("We have sent you")  # forgotten past the window
    short = repeats.clean("site", "Police said. Police said. It rained all day on the coast.", T0 + timedelta(days=3), 150)
    assert short == "Police said. Police said. It rained all day on the coast."  # too short to be a template
    assert repeats.clean("", f"{NOTICE} x", T0, 150) == f"{NOTICE} x"


def test_the_lead_is_taken_after_the_template_is_dropped() -> None:
    repeats = OutletRepeats(window_s=86400.0)
    repeats.clean("site", NOTICE, T0, 150)
    text = f"{NOTICE} " + " ".join(f"Sentence number {n} of the report." for n in range(40))
    lead = repeats.clean("site", text, T0 + timedelta(minutes=5), 12)
    assert lead == "Sentence number 0 of the report. Sentence number 1 of the report."  # whole sentences, >= 12 words


def test_clustering_reads_leads_without_the_outlet_template() -> None:
    clusterer = StoryClusterer(StoryConfig(model=""))  # the features do not depend on a model
    template = " ".join(f"Watch our video number {n} about local sports now." for n in range(12))
    a = StoryInput("a1", "Man shot in Millbrook", f"{template} A man was shot in Millbrook.", T0, "site")
    b = StoryInput("a2", "Flood closes bridge", f"{template} The river flooded the bridge.", T0 + timedelta(hours=1), "site")
    clusterer.featurise(a)
    art = clusterer.featurise(b)
    assert "video" not in art.body and "flooded" in art.body
