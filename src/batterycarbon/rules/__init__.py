"""Accounting rule sets as versioned data, and the Circular Footprint Formula they may apply.

- :mod:`.ruleset`: :class:`RuleSet` and :func:`load_rule_set` (functional unit, boundary,
  green-electricity contracts, recycled content and end of life, status, references).
- :mod:`.cff`: the CFF of the EU PEF method and its cut-off counterpart, as pure functions.
- :mod:`.defaults`: default A, B and quality ratios per material group, each with its source.
"""

from __future__ import annotations

from batterycarbon.rules.cff import (
    CffBreakdown,
    CffBurdens,
    CffParameters,
    circular_footprint,
    compare_methods,
    cutoff_footprint,
    parse_cff_parameters,
)
from batterycarbon.rules.defaults import CffDefaults, load_cff_defaults
from batterycarbon.rules.ruleset import (
    DATA_DIR,
    DEFAULT_RULE_SET,
    GREEN_CONTRACTS,
    RuleSet,
    RuleSetError,
    load_rule_set,
    rule_set_ids,
)

__all__ = [
    "DATA_DIR",
    "DEFAULT_RULE_SET",
    "GREEN_CONTRACTS",
    "CffBreakdown",
    "CffBurdens",
    "CffDefaults",
    "CffParameters",
    "RuleSet",
    "RuleSetError",
    "circular_footprint",
    "compare_methods",
    "cutoff_footprint",
    "load_cff_defaults",
    "load_rule_set",
    "parse_cff_parameters",
    "rule_set_ids",
]
