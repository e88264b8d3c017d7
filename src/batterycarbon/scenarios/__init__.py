"""Reduction levers as data: scenarios applied to any design, composed in order, pathways."""

from batterycarbon.scenarios.library import (
    PathwayPreset,
    bundled_pathway_ids,
    bundled_scenario_ids,
    load_pathway,
    load_scenario,
    parse_scenario,
)
from batterycarbon.scenarios.model import GreenPower, Scenario, apply, compose
from batterycarbon.scenarios.pathway import PathwayResult, pathway

__all__ = [
    "GreenPower", "PathwayPreset", "PathwayResult", "Scenario", "apply", "bundled_pathway_ids",
    "bundled_scenario_ids", "compose", "load_pathway", "load_scenario", "parse_scenario",
    "pathway",
]  # fmt: skip
