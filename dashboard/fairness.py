"""Fair rankings (issue 19): every rate a ranking shows carries its sample size and a Wilson 95%
confidence interval, and a unit whose sample is under RANKING_MIN_SAMPLE is not ranked but
listed apart (样本不足), so one bad month of three issues does not put a village last.

Ranked units are ordered by the lower end of the resolution rate's interval (then of the
satisfaction rate's, then fewest overdue): a rate measured on more issues is trusted more, which
is what Evan Miller's "How not to sort by average rating" and FixMyStreet issue #1957 ask for.
"""

from __future__ import annotations

import math

from django.conf import settings

Z95 = 1.959963984540054  # the 97.5th percentile of the standard normal

# rate key → (numerator, denominator) of the counts behind it (issues.selectors.rates_from)
RATE_PARTS = {
    "response_rate": (lambda r: r["contacted_in_time"], lambda r: r["contact_counted"]),
    "resolution_rate": (
        lambda r: r["resolved"],
        lambda r: r["resolved"] + r["explained"] + r["overdue"],
    ),
    "satisfaction_rate": (lambda r: r["satisfied"], lambda r: r["rated"]),
}
SAMPLE_RATE = "resolution_rate"  # the rate whose sample decides whether a unit is ranked


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float] | None:
    """The Wilson score interval of a proportion, as fractions (None without a sample)."""
    if n <= 0:
        return None
    p = successes / n
    denominator = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return max(0.0, centre - half), min(1.0, centre + half)


def min_sample() -> int:
    return max(1, int(getattr(settings, "RANKING_MIN_SAMPLE", 10)))


def with_intervals(row: dict) -> dict:
    """The row with, for each rate, `<rate>_n` and `<rate>_ci` ((low, high) in %, 1 decimal)."""
    for rate, (part, whole) in RATE_PARTS.items():
        n = whole(row)
        interval = wilson_interval(part(row), n)
        row[f"{rate}_n"] = n
        row[f"{rate}_ci"] = (
            (round(100 * interval[0], 1), round(100 * interval[1], 1)) if interval else None
        )
    row["sample"] = row[f"{SAMPLE_RATE}_n"]
    return row


def _low(row: dict, rate: str) -> float:
    interval = row[f"{rate}_ci"]
    return interval[0] if interval else -1.0


def fair_ranking(rows: list[dict], *, minimum: int | None = None) -> dict:
    """{"ranked": rows with `rank`, best first, "withheld": rows under the minimum sample,
    largest sample first, "min_sample": the minimum}. Rows without a key (issues not yet routed
    to a village) are neither."""
    minimum = min_sample() if minimum is None else minimum
    named = [with_intervals(r) for r in rows if r["key"] is not None]
    ranked = sorted(
        (r for r in named if r["sample"] >= minimum),
        key=lambda r: (
            -_low(r, "resolution_rate"),
            -_low(r, "satisfaction_rate"),
            r["overdue"],
            str(r["label"]),
        ),
    )
    for position, row in enumerate(ranked, start=1):
        row["rank"] = position
    withheld = sorted(
        (r for r in named if r["sample"] < minimum), key=lambda r: (-r["sample"], str(r["label"]))
    )
    for row in withheld:
        row["rank"] = None
    return {"ranked": ranked, "withheld": withheld, "min_sample": minimum}
