"""The disclosure control of the regulator's statistics, on made-up groups: which groups are
suppressed (threshold in organizations, dominance by products and by summed figure, p% rule)
and that what is published of the others pins down no single member's figure."""

from __future__ import annotations

import uuid

import pytest

from batterycarbon.services.disclosure_control import (
    MAX_ORGANIZATION_SHARE,
    MIN_ORGANIZATIONS,
    ROUNDING_STEP_KGCO2E_PER_KWH,
    Contribution,
    PublishedGroup,
    count_band,
    dominated,
    p_percent_sensitive,
    publish,
    rounded,
    sensitive,
)

ORGS = [uuid.UUID(int=n + 1) for n in range(12)]
#: Five companies' pack footprints (kg CO2e/kWh): none on a multiple of the rounding step.
FIVE = [61.3, 67.8, 72.4, 79.1, 88.6]


def group(values: list[float], owners: list[int]) -> list[Contribution]:
    return [Contribution(ORGS[o], v) for v, o in zip(values, owners, strict=True)]


def published_numbers(published: PublishedGroup) -> list[float]:
    return [published.mean_kgco2e_per_kwh, *published.percentiles_kgco2e_per_kwh.values()]


def test_four_products_of_one_company_and_one_of_another_are_suppressed() -> None:
    # Five products, as the former rule counted them, but two organizations: the first one,
    # knowing its four figures, would read the fifth off any published statistic.
    assert publish(group(FIVE, [0, 0, 0, 0, 1])) is None
    assert publish(group(FIVE, [0, 1, 2, 3, 3])) is None  # four organizations
    assert publish(group(FIVE, [0, 1, 2, 3, 4])) is not None


def test_a_group_of_distinct_companies_publishes_nothing_a_member_can_be_read_from() -> None:
    members = group(FIVE, [0, 1, 2, 3, 4])
    published = publish(members)
    assert published is not None
    # Quartiles and mean only: no extremes, no outer percentiles, no exact count.
    assert set(published.percentiles_kgco2e_per_kwh) == {"p25", "p50", "p75"}
    assert published.products_band == "5-9"
    assert published.percentiles_kgco2e_per_kwh == {"p25": 70.0, "p50": 70.0, "p75": 80.0}
    assert published.mean_kgco2e_per_kwh == 70.0  # mean 73.84
    for number in published_numbers(published):
        assert number % ROUNDING_STEP_KGCO2E_PER_KWH == 0
        assert number not in FIVE  # formerly p25, p50 and p75 were the 2nd-4th figures
    # Whatever one knows besides, each member's figure could have been another one: moving it
    # by up to 1 kg CO2e/kWh either way publishes exactly the same numbers.
    for index in range(len(FIVE)):
        for delta in (-1.0, -0.5, 0.5, 1.0):
            moved = list(FIVE)
            moved[index] += delta
            assert publish(group(moved, [0, 1, 2, 3, 4])) == published, (index, delta)


def test_the_extremes_cannot_be_recovered_from_the_published_quantiles() -> None:
    # The finding: with five values the 10th/90th percentiles and the quartiles gave the
    # extremes exactly. Two groups that differ only in their extremes publish the same.
    low, high = group([55.2, *FIVE[1:4], 86.1], [0, 1, 2, 3, 4]), group(FIVE, [0, 1, 2, 3, 4])
    assert publish(low) == publish(high)


@pytest.mark.parametrize(
    ("owners", "suppressed"),
    [
        # 10 products, 6 organizations: one holds 5 (50 %, allowed), then 6 of 11 (> 50 %).
        ([0, 0, 0, 0, 0, 1, 2, 3, 4, 5], False),
        ([0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5], True),
    ],
)
def test_one_company_may_hold_at_most_half_of_the_products(
    owners: list[int], suppressed: bool
) -> None:
    values = [70.0 + 1.3 * n for n in range(len(owners))]
    assert sensitive(group(values, owners)) is suppressed


def test_one_company_may_hold_at_most_half_of_the_summed_figure() -> None:
    # One product each, but one company's figure outweighs the four others together.
    values = [300.0, 60.0, 61.0, 62.0, 63.0]
    assert sensitive(group(values, [0, 1, 2, 3, 4]))
    assert not sensitive(group([90.0, 60.0, 61.0, 62.0, 63.0], [0, 1, 2, 3, 4]))


def test_a_negative_figure_counts_by_its_size() -> None:
    # Shares of a signed sum near zero mean nothing; the magnitudes are judged: 300 of 546
    # dominates, 200 of 446 does not.
    assert sensitive(group([-300.0, 60.0, 61.0, 62.0, 63.0], [0, 1, 2, 3, 4]))
    assert not sensitive(group([-200.0, 60.0, 61.0, 62.0, 63.0], [0, 1, 2, 3, 4]))


def test_the_rules_themselves() -> None:
    assert dominated([6, 1, 1, 1, 1, 1], 1, MAX_ORGANIZATION_SHARE)
    assert not dominated([5, 1, 1, 1, 1, 1], 1, MAX_ORGANIZATION_SHARE)
    assert dominated([4, 4, 1], 2, 0.8) and not dominated([3, 3, 1, 1], 2, 0.8)
    # p% rule: the rest (beyond the two largest) must be at least p % of the largest.
    assert p_percent_sensitive([100.0, 50.0, 9.9], 10.0)
    assert not p_percent_sensitive([100.0, 50.0, 5.0, 5.0], 10.0)
    assert p_percent_sensitive([], 10.0) and dominated([], 1, 0.5)
    assert MIN_ORGANIZATIONS == 5


def test_rounding_and_bands() -> None:
    assert [rounded(v) for v in (64.9, 65.0, 74.99, 0.0)] == [60.0, 70.0, 70.0, 0.0]
    assert [count_band(n) for n in (5, 9, 10, 19, 20, 999, 1000, 5000)] == [
        "5-9",
        "5-9",
        "10-19",
        "10-19",
        "20-49",
        "500-999",
        "1000+",
        "1000+",
    ]
    with pytest.raises(ValueError, match="below the smallest band"):
        count_band(4)
