"""The PNG chart of one alert for the digest email (pure: a frame in, PNG bytes out).

History (~60 days) as a line, the detector's expected value and the band where it is drawn,
the warning/critical thresholds in force each day (step lines, so a threshold change shows),
the flagged days marked by why they are flagged (`alert_status.day_flag`: beyond a threshold,
outside the expected range, part of a sustained shift; the legend says which) and the as-of
day highlighted. Rendered at 2x for sharp display at 560 px wide.
"""

from __future__ import annotations

import io
from datetime import date

import matplotlib

matplotlib.use("Agg")  # no display on servers; must precede pyplot

import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from alerts.state.alert_status import FLAG_LABELS  # noqa: E402
from alerts.state.status_series import drawn_runs  # noqa: E402

WIDTH_PX, HEIGHT_PX, SCALE = 560, 220, 2
INK, BAND, EXPECTED = "#1f2937", "#dbeafe", "#2563eb"
BAND_EDGE = "#93c5fd"  # a lone drawn day's range: a short bar, darker than the fill
WARNING, CRITICAL, FLAG = "#d97706", "#dc2626", "#dc2626"
# marker, filled: the same shapes as the dashboard trend (x outside the range, diamond beyond a
# threshold, open circle for a day that only counts as part of a sustained shift, triangle for
# a volume collapse or surge).
LEGEND_COLUMNS = 4
UNJUDGED = "#9ca3af"
FLAG_MARKERS = {
    "beyond_threshold": ("D", True),
    "outside_range": ("X", True),
    "shift": ("o", False),
    "volume": ("v", True),
}


def value_formatter(kind: str) -> FuncFormatter:
    if kind == "share":
        return FuncFormatter(lambda v, _: f"{v * 100:.0f}%" if abs(v) >= 0.1 else f"{v * 100:.1f}%")
    if kind == "duration":
        return FuncFormatter(lambda v, _: f"{v:.0f} h")
    return FuncFormatter(lambda v, _: f"{v:,.0f}" if abs(v) >= 10 else f"{v:.2g}")


def render_chart(history: pd.DataFrame, kind: str, as_of: date) -> bytes:
    """history: date, value, expected, lower, upper, warning, critical (any may be NaN) and
    flag (None or a key of FLAG_LABELS); lower/upper are NaN where no band is drawn."""
    frame = history.sort_values("date").copy()
    frame["date"] = pd.to_datetime(frame["date"])
    fig, ax = plt.subplots(figsize=(WIDTH_PX / 100, HEIGHT_PX / 100), dpi=100 * SCALE)
    try:
        _draw(ax, frame, pd.Timestamp(as_of))
        ax.yaxis.set_major_formatter(value_formatter(kind))
        ax.xaxis.set_major_locator(mdates.WeekdayLocator(byweekday=mdates.MO, interval=2))
        ax.xaxis.set_major_formatter(mdates.DateFormatter("%d %b"))
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        for side in ("left", "bottom"):
            ax.spines[side].set_color("#9ca3af")
        ax.tick_params(labelsize=7, colors="#4b5563", length=2)
        ax.grid(axis="y", color="#e5e7eb", linewidth=0.6)
        ax.set_axisbelow(True)
        handles, labels = ax.get_legend_handles_labels()
        rows = -(-len(handles) // LEGEND_COLUMNS)
        if handles:
            ax.legend(
                handles,
                labels,
                fontsize=6.5,
                frameon=False,
                ncol=min(len(handles), LEGEND_COLUMNS),
                loc="lower left",
                bbox_to_anchor=(0, 1.0),
                handlelength=1.6,
            )
        fig.subplots_adjust(left=0.09, right=0.985, top=0.88 - 0.07 * rows, bottom=0.12)
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", metadata={"Software": None})
        return buffer.getvalue()
    finally:
        plt.close(fig)


def _draw(ax: plt.Axes, frame: pd.DataFrame, as_of: pd.Timestamp) -> None:
    x = frame["date"]
    drawn = frame["lower"].notna() & frame["upper"].notna()
    runs = drawn_runs(drawn.reset_index(drop=True))
    spread = pd.Series(False, index=range(len(frame)))
    for start, stop in runs:
        if stop - start > 1:
            spread.iloc[start:stop] = True
    lone = frame.iloc[[start for start, stop in runs if stop - start == 1]]
    # Legend entries only for what is drawn: a fill needs two days, a lone drawn day is a
    # short vertical range (the dashboard trend draws the same).
    if spread.any():
        ax.fill_between(
            x,
            frame["lower"].fillna(0.0),
            frame["upper"].fillna(0.0),
            where=spread.to_numpy(),
            color=BAND,
            linewidth=0,
            label="expected range",
            step=None,
        )
        ax.plot(
            x,
            frame["expected"].where(spread.to_numpy()),
            color=EXPECTED,
            linewidth=0.9,
            linestyle=(0, (3, 2)),
            label="expected",
        )
    if not lone.empty:
        ax.vlines(
            lone["date"],
            lone["lower"],
            lone["upper"],
            color=BAND_EDGE,
            linewidth=3.5,
            label="_nolegend_" if spread.any() else "expected range",
        )
        ax.scatter(
            lone["date"],
            lone["expected"],
            marker="_",
            s=40,
            color=EXPECTED,
            linewidths=1.0,
            zorder=3,
            label="_nolegend_" if spread.any() else "expected",
        )
    for column, color, label in (
        ("warning", WARNING, "warning"),
        ("critical", CRITICAL, "critical"),
    ):
        if frame[column].notna().any():
            ax.step(
                x,
                frame[column],
                where="mid",
                color=color,
                linewidth=1.0,
                linestyle=(0, (6, 3)),
                label=label,
            )
    ax.plot(
        x, frame["value"], color=INK, linewidth=1.4, label="observed", marker="o", markersize=1.8
    )
    for flag, (marker, filled) in FLAG_MARKERS.items():
        days = frame[(frame["flag"] == flag) & frame["value"].notna()]
        if days.empty:
            continue
        ax.scatter(
            days["date"],
            days["value"],
            s=26,
            marker=marker,
            color=FLAG if filled else "white",
            zorder=5,
            edgecolors="white" if filled else FLAG,
            linewidths=0.6 if filled else 1.1,
            label=FLAG_LABELS[flag].lower(),
        )
    if "unjudged_breach" in frame:
        few = frame[frame["unjudged_breach"].fillna(False).astype(bool) & frame["value"].notna()]
        if not few.empty:
            ax.scatter(few["date"], few["value"], s=22, marker="s", color="white", zorder=4,
                       edgecolors=UNJUDGED, linewidths=1.0,
                       label="too few cases to judge")  # fmt: skip
    # matplotlib's date converter takes timestamps; its stubs only say float.
    ax.axvline(as_of, color="#6b7280", linewidth=0.7, linestyle=":")  # type: ignore[arg-type]
    _fit_y(ax, frame)
    # Start where the history starts, not at an empty left margin.
    known = frame.loc[frame["value"].notna() | frame["expected"].notna(), "date"]
    first = known.min() if not known.empty else x.min()
    ax.set_xlim(first - pd.Timedelta(days=0.5), max(x.max(), as_of) + pd.Timedelta(days=0.5))


def _fit_y(ax: plt.Axes, frame: pd.DataFrame) -> None:
    """Scale to what matters (values, expected, thresholds); a very wide band is clipped
    rather than allowed to flatten the line."""
    cols = ["value", "expected", "warning", "critical"]
    seen = pd.concat([frame[c] for c in cols]).dropna()
    if seen.empty:
        return
    lo, hi = float(seen.min()), float(seen.max())
    pad = (hi - lo) * 0.12 or abs(hi) * 0.05 or 1.0
    ax.set_ylim(lo - pad, hi + pad)
