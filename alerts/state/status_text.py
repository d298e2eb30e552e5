"""The sentences of `alert_status`'s decisions, worded once so that every surface says the
same thing ("33.3% on 3 appeals decided: too few to call critical"). Values are formatted by
the presentation layer; this module only words what `alert_status` decided."""

from __future__ import annotations

from typing import Literal

from metrics.presentation import format_value, plural, value_with_count

FlagKind = Literal["beyond_threshold", "outside_range", "shift", "volume"]
_LEVEL_NOUN = {"critical": "critical", "warning": "a warning"}


def _v(kind: str, value: float | None) -> str:
    return format_value(kind, value)


def threshold_sentence(
    kind: str,
    value: float,
    raw: str,
    judged: str | None,
    side: str,
    limits: dict[str, float | None],
    cases: tuple[float | None, str, float | None] | None,
) -> str:
    """Why a day has its threshold status. `raw` is the level of the value as it stands,
    `judged` the rule book's (None: not judged); `cases` (denominator, noun, min_volume) is
    given when the day had fewer cases than the rule's minimum volume (noun singular)."""
    word = "below" if side == "below" else "above"
    shown = _v(kind, value)
    on = value_with_count(kind, value, cases[0], cases[1]) if cases else shown
    if judged is None:
        if raw != "ok":
            return f"{on}: too few to call {_LEVEL_NOUN[raw]}"
        if cases and cases[2] is not None:
            return f"{on}: too few to judge (the rule needs {plural(cases[2], cases[1])})"
        return f"{shown}: too few cases for the threshold rule to judge"
    if judged == "ok":
        name = "warning" if limits.get("warning") is not None else "critical"
        return f"{shown} is within target ({name} {word} {_v(kind, limits[name])})"
    if raw != judged:  # the guard judged the day lower than the value stands
        return f"{on}: too few to call {_LEVEL_NOUN[raw]}"
    text = f"{shown} is {word} the {judged} threshold {_v(kind, limits[judged])}"
    if cases and cases[0] is not None:
        text += f" even on only {plural(cases[0], cases[1])}"
    return text


def band_sentence(kind: str, lower: float | None, upper: float | None, drawn: bool) -> str:
    if not drawn or lower is None or upper is None:
        return "no expected range (the detector had too few cases to judge)"
    return f"expected range {_v(kind, lower)} to {_v(kind, upper)}"


def verdict_sentence(
    verdict: str,
    kind: str,
    value: float | None,
    lower: float | None,
    upper: float | None,
    score: float | None,
    case_noun: str = "case",
) -> str:
    """The detector's part of a day's sentence. Parts that could be mistaken for the
    threshold's verdict (not judged) name the detector."""
    has_range = lower is not None and upper is not None
    band = f"{_v(kind, lower)} to {_v(kind, upper)}"
    shown = _v(kind, value)
    strength = f" (score {abs(score):.1f})" if score is not None else ""
    cases = f"{case_noun}s"
    if verdict == "within":
        return f"{shown} is within the expected range {band}"
    if verdict in ("flagged_above", "flagged_below"):
        return f"{shown} is {verdict.split('_')[1]} the expected range {band}"
    if verdict in ("shift_above", "shift_below"):
        move = "rise" if verdict == "shift_above" else "fall"
        alone = (
            f", though the day alone is within its expected range {band}"
            if has_range
            else ", with no expected range for the day itself"
        )
        return f"{shown} is part of a sustained {move} the detector flagged{strength}{alone}"
    if verdict in ("volume_below", "volume_above"):
        move = "collapsed far below" if verdict == "volume_below" else "surged far above"
        return (
            f"{shown}, but the {cases} themselves {move} their recent level{strength}: the "
            "detector flags the volume, whatever the value"
        )
    if verdict == "unusual":
        return f"{shown} is unusual in the harmless direction (expected {band})"
    if verdict == "not_judged":
        return (
            f"the detector: too few {cases} or too little history to judge against "
            "its expected range"
        )
    if verdict == "too_wide":
        return (
            f"the detector: too few {cases} to judge (its expected range {band} covers "
            "every possible value)"
        )
    if verdict == "no_value":
        return "no value for this day"
    return "not scored by the detector yet"
