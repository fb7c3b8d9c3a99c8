"""The rules' thresholds and how they are read from the classifier config.

Thresholds have defaults that suit a typical software value stream; an organization
tunes them under the ``waste_rules`` key of the classifier config. A misspelt key is an
error rather than silently ignored, because a threshold that never applies looks
exactly like one that works.
"""

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

CONFIG_KEY = "waste_rules"


class RuleConfigError(ValueError):
    """The ``waste_rules`` config cannot be used; the message says which setting and why."""


class RuleThresholds(BaseModel):
    """Every tunable number and word list of the rules, with the practice's defaults."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    wait_to_process_ratio: float = Field(default=3.0, gt=0)
    bottleneck_share: float = Field(default=0.5, gt=0, le=1)
    pca_threshold: float = Field(default=80.0, ge=0, le=100)
    queue_threshold: int = Field(default=10, ge=1)
    motion_role_steps: int = Field(default=4, ge=2)
    many_tools: int = Field(default=4, ge=2)
    talent_people: int = Field(default=3, ge=1)
    senior_role_words: tuple[str, ...] = ("architect", "senior", "lead")
    management_words: tuple[str, ...] = (
        "status",
        "approval",
        "approve",
        "sign-off",
        "sign off",
        "signoff",
        "review meeting",
        "report",
    )
    runs_per_week: float = Field(default=10.0, gt=0)

    @field_validator("senior_role_words", "management_words")
    @classmethod
    def _clean_words(cls, words: tuple[str, ...]) -> tuple[str, ...]:
        """Matching is case-insensitive; an empty word would match every step."""
        cleaned = tuple(word.strip().lower() for word in words)
        if any(not word for word in cleaned):
            raise ValueError("words must not be empty")
        return cleaned


def load_thresholds(config: Mapping[str, Any] | None) -> RuleThresholds:
    """The thresholds from the classifier config, or a ``RuleConfigError`` that names the fix."""
    settings = (config or {}).get(CONFIG_KEY, {})
    if not isinstance(settings, Mapping):
        raise RuleConfigError(
            f"{CONFIG_KEY} must be an object of settings, not {type(settings).__name__}"
        )
    known = RuleThresholds.model_fields
    unknown = sorted(str(key) for key in settings if key not in known)
    if unknown:
        raise RuleConfigError(
            f"{CONFIG_KEY}: unknown setting(s) {', '.join(map(repr, unknown))}; "
            f"known settings are {', '.join(known)}"
        )
    try:
        return RuleThresholds.model_validate(dict(settings))
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(part) for part in error['loc'])}: {error['msg']}"
            for error in exc.errors()
        )
        raise RuleConfigError(f"{CONFIG_KEY}: {problems}") from None
