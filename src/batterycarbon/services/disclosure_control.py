"""Statistical disclosure control of the regulator's anonymized footprint statistics.

A group of products (one chemistry, cell-plant country and design year) holds the verified
footprints of several companies; what is published about it must not let any reader, a company
in the group included, recover one company's figure. Two steps, following the sensitivity rules
for magnitude tables in the Handbook on Statistical Disclosure Control (Hundepool et al., ESSnet
SDC, 2010, chapter 4; Hundepool et al., *Statistical Disclosure Control*, Wiley 2012, section
4.2):

1. **Which groups are published.** A group is suppressed (shown only as "suppressed", with
   neither its key nor how many products it holds) unless it passes all of:

   - the *threshold rule* counted in contributors, i.e. distinct organizations, not products:
     at least :data:`MIN_ORGANIZATIONS` (four products of one company and one of another are
     two contributors, and the first knows four of the five figures);
   - the *(n, k) dominance rule* with n = 1 and k = :data:`MAX_ORGANIZATION_SHARE`, applied
     twice: to the group's products (count) and to its summed figure (the sum of the
     products' kg CO2e per kWh, by magnitude): no organization holds more than that share of
     either;
   - the *p% rule* on the summed figure: the group's sum less the two largest organizations'
     contributions is at least :data:`P_PERCENT` of the largest one, so that the second-largest
     contributor, knowing its own part, cannot estimate the largest one's part to within p%.

2. **What is published of a group that passes.** No order statistic is published as such:
   with five values the interpolated 25th, 50th and 75th percentiles *are* the 2nd, 3rd and 4th
   values and the 10th/90th fix the extremes. So only the mean and the interpolated quartiles
   (Hyndman and Fan's definition 7, NumPy's default) are published, each rounded to
   :data:`ROUNDING_STEP_KGCO2E_PER_KWH`; no minimum, maximum or outer percentile; and the
   number of products only as a band (:data:`PRODUCT_COUNT_BANDS`), so that an exact count
   and the mean do not give the sum. Every published number is a multiple of the step, so a
   member's figure is known at best to within half a step, and only as "some member's".

Only per-group statistics are published (no totals across groups), so no suppressed group can be
recovered by subtraction from a margin and no secondary suppression is needed.

References
----------
Hundepool, A., Domingo-Ferrer, J., Franconi, L., Giessing, S., Lenz, R., Naylor, J., Schulte
Nordholt, E., Seri, G., de Wolf, P.-P. (2010). *Handbook on Statistical Disclosure Control*,
version 1.2, ESSnet SDC, chapter 4 (magnitude tabular data: minimum frequency, dominance and
p% rules). Hyndman, R. J., Fan, Y. (1996). Sample quantiles in statistical packages. *The
American Statistician* 50(4), 361-365.
"""

from __future__ import annotations

import math
import uuid
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

#: Fewest distinct organizations in a published group. The usual threshold for published totals
#: is 3 contributors; a quartile is one contributor's figure made less precise, not a sum, so
#: more are needed: with five companies each published quartile sits between figures of other
#: companies, and a company knowing its own figure still does not know which member a quartile
#: came from. (Issue 5 chose five products; issue 12 found products of one company must count
#: once.)
MIN_ORGANIZATIONS = 5

#: Largest share (of the products, and of the summed figure) one organization may hold in a
#: published group: the (1, k) dominance rule with k = 50 %. A company holding most of a group
#: knows most of the values behind each published quartile and could bracket the few others
#: between them; at most half leaves at least as many figures unknown to it as known.
MAX_ORGANIZATION_SHARE = 0.5

#: The p% rule's protection: the second-largest contributor, subtracting its own part from the
#: group's sum, must not learn the largest contributor's part more precisely than 10 %. This is
#: of the order of the protection the rounding gives a single figure (half of
#: :data:`ROUNDING_STEP_KGCO2E_PER_KWH` is 4-14 % of the published pack footprints of about
#: 35-120 kg CO2e/kWh, white paper sections 4.1 and 5.1).
P_PERCENT = 10.0

#: Published statistics are multiples of this (kg CO2e per kWh). Half a step (5) is 4-14 % of a
#: pack footprint of about 35-120 kg CO2e/kWh (white paper sections 4.1 and 5.1): coarse enough
#: that a quartile, which for a small group is one member's figure, is known only to within
#: that, fine enough to tell chemistries and regions apart (they differ by tens of kg CO2e/kWh).
ROUNDING_STEP_KGCO2E_PER_KWH = 10.0

#: Percentiles published: the quartiles only. The 10th and 90th percentiles of a small group are
#: (interpolations next to) its extreme values, the members most easily attributed to a company.
PUBLISHED_PERCENTILES = (25, 50, 75)

#: Lower bounds of the bands the number of products is published in; the last is open-ended.
#: An exact count next to the mean would give the group's sum, and a change of one between two
#: releases would single out the product added; bands widen with size like the counts' own
#: stability.
PRODUCT_COUNT_BANDS = (MIN_ORGANIZATIONS, 10, 20, 50, 100, 200, 500, 1000)


@dataclass(frozen=True)
class Contribution:
    """One product's figure in a group and the organization it belongs to."""

    organization_id: uuid.UUID
    value_kgco2e_per_kwh: float


@dataclass(frozen=True)
class PublishedGroup:
    """What may be published of a group that passed the sensitivity rules."""

    products_band: str
    mean_kgco2e_per_kwh: float
    percentiles_kgco2e_per_kwh: dict[str, float]


def _by_organization(contributions: Sequence[Contribution]) -> dict[uuid.UUID, tuple[int, float]]:
    """Per organization: (its number of products, the sum of their figures' magnitudes). A
    negative figure (below zero after end-of-life credits) counts by its size, as the rules are
    usually applied to negative contributions."""
    parts: dict[uuid.UUID, tuple[int, float]] = defaultdict(lambda: (0, 0.0))
    for item in contributions:
        count, total = parts[item.organization_id]
        parts[item.organization_id] = (count + 1, total + abs(item.value_kgco2e_per_kwh))
    return dict(parts)


def dominated(shares: Sequence[float], n: int, k: float) -> bool:
    """The (n, k) dominance rule: whether the ``n`` largest of ``shares`` (non-negative
    contributions) hold more than the fraction ``k`` of their sum."""
    total = sum(shares)
    if total <= 0:
        return True
    return sum(sorted(shares, reverse=True)[:n]) > k * total


def p_percent_sensitive(parts: Sequence[float], p_percent: float) -> bool:
    """The p% rule: whether the sum less the two largest ``parts`` (non-negative) is below
    ``p_percent`` % of the largest, i.e. the second-largest contributor could estimate the
    largest one's part to within p % by subtracting its own from the sum."""
    ordered = sorted(parts, reverse=True)
    if not ordered:
        return True
    largest = ordered[0]
    remainder = sum(ordered[2:])
    return remainder < p_percent / 100 * largest


def sensitive(contributions: Sequence[Contribution]) -> bool:
    """Whether a group must be suppressed: too few organizations, one dominating by products or
    by summed figure, or the p% rule failing on the summed figure (see the module docstring)."""
    parts = _by_organization(contributions)
    if len(parts) < MIN_ORGANIZATIONS:
        return True
    counts = [float(count) for count, _ in parts.values()]
    sums = [total for _, total in parts.values()]
    return (
        dominated(counts, 1, MAX_ORGANIZATION_SHARE)
        or dominated(sums, 1, MAX_ORGANIZATION_SHARE)
        or p_percent_sensitive(sums, P_PERCENT)
    )


def rounded(value: float, step: float = ROUNDING_STEP_KGCO2E_PER_KWH) -> float:
    """``value`` rounded to the nearest multiple of ``step`` (halves away from zero)."""
    return math.copysign(math.floor(abs(value) / step + 0.5) * step, value)


def count_band(count: int) -> str:
    """The band of :data:`PRODUCT_COUNT_BANDS` holding ``count``, e.g. ``"10-19"``, ``"1000+"``."""
    lower = [bound for bound in PRODUCT_COUNT_BANDS if bound <= count]
    if not lower:
        raise ValueError(f"{count} products is below the smallest band {PRODUCT_COUNT_BANDS[0]}")
    start = lower[-1]
    index = PRODUCT_COUNT_BANDS.index(start)
    if index + 1 == len(PRODUCT_COUNT_BANDS):
        return f"{start}+"
    return f"{start}-{PRODUCT_COUNT_BANDS[index + 1] - 1}"


def publish(contributions: Sequence[Contribution]) -> PublishedGroup | None:
    """What may be published of a group: ``None`` if it is :func:`sensitive`, else the product
    count's band, the mean and the interpolated quartiles, each rounded to the step."""
    if sensitive(contributions):
        return None
    values = np.asarray([c.value_kgco2e_per_kwh for c in contributions], dtype=float)
    points = np.percentile(values, PUBLISHED_PERCENTILES)
    return PublishedGroup(
        products_band=count_band(len(contributions)),
        mean_kgco2e_per_kwh=rounded(float(values.mean())),
        percentiles_kgco2e_per_kwh={
            f"p{p}": rounded(float(v)) for p, v in zip(PUBLISHED_PERCENTILES, points, strict=True)
        },
    )
