"""A theme's months as an SVG bar chart, drawn on the server with matplotlib.

Each month is a bar of good, okay, not-good and unrated answers stacked; they
differ by pattern as well as colour, and each bar is labelled in words with its
not-good share, so nothing is told by colour alone (WCAG 1.4.1 Use of Color).
The page beside the image gives the same counts as a table.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Sequence

from governance.theme_trends import SMALL_COUNT, MonthCount

# Dark enough to be told from white and from each other in grey (WCAG 1.4.11 Non-text Contrast).
GOOD = ("#1b6e3a", "")
OKAY = ("#9a6700", "//")
BAD = ("#a4000f", "xx")
# Answers on the theme with no rating (words only, or another scale's answer).
UNRATED = ("#6b6b6b", "..")
UNRATED_LABEL = "No rating"
# matplotlib's font cache and renderer are shared: one chart is drawn at a time.
_DRAWING = threading.Lock()


def share_words(part: int, whole: int) -> str:
    """A share in words: "2 of 3" for small counts, "6 of 12 (50%)" otherwise."""
    if whole < SMALL_COUNT:
        return f"{part} of {whole}"
    return f"{part} of {whole} ({round(100 * part / whole)}%)"


def trend_svg(title: str, months: Sequence[MonthCount], labels: tuple[str, str, str]) -> bytes:
    """The chart of one theme at one service; ``labels`` name good, okay and not good."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    with _DRAWING, matplotlib.rc_context({"svg.hashsalt": "covoice", "font.size": 10}):
        many = len(months) > 8
        figure = Figure(figsize=(max(7.0, 0.45 * len(months)), 3.4), layout="constrained")
        axes = figure.add_subplot()
        names = [f"{month.month:%b %Y}" for month in months]
        where = list(range(len(months)))
        bottom = [0] * len(months)
        for label, (colour, hatch), values in zip(
            (*labels, UNRATED_LABEL),
            (GOOD, OKAY, BAD, UNRATED),
            (
                [m.good for m in months],
                [m.okay for m in months],
                [m.bad for m in months],
                [m.answers - m.rated for m in months],
            ),
            strict=True,
        ):
            axes.bar(
                where,
                values,
                bottom=bottom,
                label=label,
                color=colour,
                hatch=hatch,
                edgecolor="#ffffff",
            )
            bottom = [b + v for b, v in zip(bottom, values, strict=True)]
        for x, month in zip(where, months, strict=True):
            if month.rated:
                axes.annotate(
                    share_words(month.bad, month.rated),
                    (x, month.answers),
                    xytext=(0, 3),
                    textcoords="offset points",
                    ha="center",
                    va="bottom",
                    fontsize=7 if many else 8,
                    rotation=90 if many else 0,
                )
        axes.set_xticks(where, names, rotation=45 if many else 0, ha="right" if many else "center")
        axes.set_ylabel("Answers")
        axes.set_ylim(0, max([m.answers for m in months] + [1]) * (1.6 if many else 1.35))
        axes.yaxis.set_major_locator(MaxNLocator(integer=True))
        axes.set_title(f"{title}\nAbove each bar: {labels[2].lower()} answers of all rated ones")
        axes.legend(loc="upper left", frameon=False, ncols=4)
        axes.spines[["top", "right"]].set_visible(False)
        out = io.BytesIO()
        figure.savefig(out, format="svg", metadata={"Date": None})
    return out.getvalue()
