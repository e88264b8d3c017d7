"""One design accounted under several rule sets side by side, per each one's functional unit.

:func:`account` gives the footprint of a pack under one rule set: the inventory's stages (raw
materials, production) as the rule set's electricity and recycled-content rules value them,
distribution (not modelled yet: 0) and end of life by the rule set's formula (cut-off or CFF)
for its default recycling route, divided by the rule set's functional unit (kWh of capacity or
kWh delivered over the service life). Every result also carries kg CO2e per kWh of capacity and,
where the use profile allows, per kWh delivered, so that any two can be compared.

:func:`compare` accounts a design under every rule set (one end-of-life calculation per route)
and :func:`reconcile` explains, rule set by rule set, how its figure follows from the reference
(the white paper's cradle-to-gate study): electricity and recycled content, boundary, end-of-life
formula, functional unit.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from batterycarbon.battery import Design, Options, footprint
from batterycarbon.battery.footprint import Footprint
from batterycarbon.factors import FactorLibrary
from batterycarbon.recycling import end_of_life_methods
from batterycarbon.recycling.end_of_life import EndOfLifeMethods
from batterycarbon.rules import DEFAULT_RULE_SET, RuleSet, load_rule_set, rule_set_ids
from batterycarbon.rules.functional_unit import (
    UseProfile,
    delivered_energy_or_none,
    functional_unit_energy_kwh,
)

#: The rule set whose cycles per year give a "per kWh delivered" figure to capacity-based ones.
EU_REFERENCE_RULE_SET = "eu-draft-2024"
NOT_MODELLED_STAGE = "distribution"


@dataclass(frozen=True)
class RuleSetFootprint:
    """A pack's footprint under one rule set.

    ``stages_kgco2e_per_kwh_capacity`` per kWh of rated pack capacity; ``fu_energy_kwh`` the
    kWh of functional unit in one pack (the capacity, or the energy delivered over the service
    life); ``delivered_energy_kwh`` the latter where the use profile gives it, else ``None``.
    """

    rule_set: RuleSet
    capacity_kwh: float
    fu_energy_kwh: float
    delivered_energy_kwh: float | None
    stages_kgco2e_per_kwh_capacity: dict[str, float]
    end_of_life_route: str | None
    footprint: Footprint = field(repr=False)
    use_profile: UseProfile | None = None

    @property
    def total_kgco2e_per_kwh_capacity(self) -> float:
        return sum(self.stages_kgco2e_per_kwh_capacity.values())

    @property
    def total_kgco2e_per_pack(self) -> float:
        return self.total_kgco2e_per_kwh_capacity * self.capacity_kwh

    @property
    def stages_kgco2e_per_fu(self) -> dict[str, float]:
        per_fu = self.capacity_kwh / self.fu_energy_kwh
        return {k: v * per_fu for k, v in self.stages_kgco2e_per_kwh_capacity.items()}

    @property
    def total_kgco2e_per_fu(self) -> float:
        return self.total_kgco2e_per_pack / self.fu_energy_kwh

    @property
    def total_kgco2e_per_kwh_delivered(self) -> float | None:
        if self.delivered_energy_kwh is None:
            return None
        return self.total_kgco2e_per_pack / self.delivered_energy_kwh

    def to_dict(self) -> dict[str, Any]:
        rs = self.rule_set
        return {
            "id": rs.id,
            "version": rs.version,
            "status": rs.status,
            "functional_unit": rs.functional_unit,
            "functional_unit_basis": rs.functional_unit_basis,
            "boundary": rs.boundary,
            "total_kgco2e_per_fu": self.total_kgco2e_per_fu,
            "stages": self.stages_kgco2e_per_fu,
            "total_kgco2e_per_kwh_capacity": self.total_kgco2e_per_kwh_capacity,
            "stages_per_kwh_capacity": dict(self.stages_kgco2e_per_kwh_capacity),
            "total_kgco2e_per_kwh_delivered": self.total_kgco2e_per_kwh_delivered,
            "total_kgco2e_per_pack": self.total_kgco2e_per_pack,
            "capacity_kwh": self.capacity_kwh,
            "fu_energy_kwh_per_pack": self.fu_energy_kwh,
            "end_of_life": rs.end_of_life,
            "end_of_life_route": self.end_of_life_route,
            "accepted_green_contracts": list(rs.accepted_green_contracts),
            "not_modelled": list(rs.not_modelled),
            "disputed": list(rs.disputed),
            "inputs_digest": self.footprint.inputs_digest,
            "factor_release": self.footprint.factor_release,
        }


EndOfLifeSource = Callable[[str], EndOfLifeMethods]


def account(
    design: Design,
    library: FactorLibrary,
    rule_set_id: str,
    options: Options | None = None,
    profile: UseProfile | None = None,
    route: str | None = None,
    end_of_life: EndOfLifeSource | None = None,
) -> RuleSetFootprint:
    """The pack's footprint under ``rule_set_id`` per its functional unit (see the module).

    ``route`` overrides the rule set's ``end_of_life_route``; ``end_of_life`` (route id ->
    :class:`EndOfLifeMethods`) lets a caller share one calculation between rule sets.
    Raises :class:`InputError` when the functional unit needs use inputs that are missing.
    """
    rule_set = load_rule_set(rule_set_id)
    fp = footprint(design, library, options, level="pack", rule_set_id=rule_set_id)
    fu_energy = functional_unit_energy_kwh(rule_set, fp.capacity_kwh, profile)
    stages: dict[str, float] = {s: float(fp.stages.get(s, 0.0)) for s in rule_set.stages}
    chosen_route = None
    if "end_of_life" in rule_set.stages:
        chosen_route = route or rule_set.end_of_life_route
        methods = (end_of_life or (lambda r: end_of_life_methods(r, design, library)))(chosen_route)
        stages["end_of_life"] = (
            methods.cff_kgco2e_per_kwh
            if rule_set.end_of_life == "cff"
            else methods.cut_off_kgco2e_per_kwh
        )
    default_cycles = load_rule_set(EU_REFERENCE_RULE_SET).cycles_per_year
    delivered = delivered_energy_or_none(rule_set, profile, default_cycles)
    return RuleSetFootprint(
        rule_set=rule_set,
        capacity_kwh=fp.capacity_kwh,
        fu_energy_kwh=fu_energy,
        delivered_energy_kwh=delivered,
        stages_kgco2e_per_kwh_capacity=stages,
        end_of_life_route=chosen_route,
        footprint=fp,
        use_profile=profile,
    )


def compare(
    design: Design,
    library: FactorLibrary,
    rule_sets: Sequence[str] | None = None,
    options: Options | None = None,
    profile: UseProfile | None = None,
    route: str | None = None,
) -> list[RuleSetFootprint]:
    """:func:`account` under each of ``rule_sets`` (default: every bundled one, the reference
    first), computing each recycling route's end of life once."""
    ids = list(rule_sets or rule_set_ids())
    if DEFAULT_RULE_SET in ids:
        ids.remove(DEFAULT_RULE_SET)
        ids.insert(0, DEFAULT_RULE_SET)
    cache: dict[str, EndOfLifeMethods] = {}

    def shared(route_id: str) -> EndOfLifeMethods:
        if route_id not in cache:
            cache[route_id] = end_of_life_methods(route_id, design, library)
        return cache[route_id]

    return [account(design, library, i, options, profile, route, shared) for i in ids]


def _in_boundary(result: RuleSetFootprint) -> float:
    stages = result.stages_kgco2e_per_kwh_capacity
    return stages.get("raw_materials", 0.0) + stages.get("production", 0.0)


def _contracts(rule_set: RuleSet) -> str:
    return ", ".join(rule_set.accepted_green_contracts) or "none"


def reconcile(
    results: Sequence[RuleSetFootprint], reference_id: str = DEFAULT_RULE_SET
) -> list[dict[str, Any]]:
    """Rows explaining how each rule set's figure follows from the reference's.

    Four rows per rule set, in the order they apply (a waterfall in kg CO2e per kWh of
    capacity, then one division): ``electricity`` (and recycled-content method: the two
    rules that change the in-boundary stages), ``boundary`` (stages added: distribution),
    ``end_of_life`` (the stage and its formula, cut-off or CFF, for the route) and
    ``functional_unit`` (the divisor from kWh of capacity to the rule set's unit).
    Each row: ``rule_set``, ``aspect``, ``reference``, ``this``, ``effect_kgco2e_per_kwh_capacity``
    (``None`` for the functional unit), ``fu_divisor`` (kWh of functional unit per kWh of
    capacity, only for the functional unit) and ``explanation``.
    """
    by_id = {r.rule_set.id: r for r in results}
    reference = by_id.get(reference_id) or results[0]
    ref_rs = reference.rule_set
    rows: list[dict[str, Any]] = []
    for result in results:
        rs = result.rule_set
        if rs.id == ref_rs.id:
            continue
        stages = result.stages_kgco2e_per_kwh_capacity

        def row(
            aspect: str, ref_text: str, this_text: str, rs: RuleSet = rs, **values: Any
        ) -> None:
            rows.append({"rule_set": rs.id, "aspect": aspect, "reference": ref_text,
                         "this": this_text, "effect_kgco2e_per_kwh_capacity": None,
                         "fu_divisor": None, **values})  # fmt: skip

        delta = _in_boundary(result) - _in_boundary(reference)
        same_rules = (
            rs.accepted_green_contracts == ref_rs.accepted_green_contracts
            and rs.recycled_content_method == ref_rs.recycled_content_method
        )
        if same_rules:
            why = "same green-power contracts counted and same recycled-content method"
        elif abs(delta) < 1e-9:
            why = (
                "the rules differ but give the same figure here: no green-power contract "
                "and no recycled content in this design or its options that one counts "
                "and the other does not"
            )
        else:
            why = "green power bought under contracts one rule set counts and the other does not, or recycled content valued by a different method"  # noqa: E501
        row(
            "electricity",
            f"{ref_rs.electricity} [contracts counted: {_contracts(ref_rs)}; recycled content: {ref_rs.recycled_content_method}]",  # noqa: E501
            f"{rs.electricity} [contracts counted: {_contracts(rs)}; recycled content: {rs.recycled_content_method}]",  # noqa: E501
            effect_kgco2e_per_kwh_capacity=delta,
            explanation=why,
        )
        added = [s for s in rs.stages if s not in ref_rs.stages and s != "end_of_life"]
        distribution = sum(stages.get(s, 0.0) for s in added)
        row(
            "boundary",
            ref_rs.boundary,
            rs.boundary,
            effect_kgco2e_per_kwh_capacity=distribution,
            explanation=(
                f"adds {', '.join(added)}"
                + (" (not modelled yet: 0)" if NOT_MODELLED_STAGE in added else "")
                if added
                else "same stages before end of life"
            )
            + "".join(f"; not modelled: {n}" for n in rs.not_modelled if n.startswith("use stage")),
        )
        eol = stages.get("end_of_life", 0.0)
        ref_eol = reference.stages_kgco2e_per_kwh_capacity.get("end_of_life", 0.0)
        ref_text = ref_rs.end_of_life if "end_of_life" in ref_rs.stages else "excluded"
        this_text = rs.end_of_life if "end_of_life" in rs.stages else "excluded"
        if this_text == "cff":
            eol_why = (
                f"Circular Footprint Formula for route {result.end_of_life_route}: the pack "
                "carries (1-A) of the recycling burden net of the virgin material replaced "
                "(a credit when negative)"
            )
        elif this_text == "cut-off":
            eol_why = (
                f"cut-off for route {result.end_of_life_route}: the recycling process belongs "
                "to the next user of the material, no credit"
            )
        else:
            eol_why = "end of life outside the boundary"
        row("end_of_life", ref_text, this_text,
            effect_kgco2e_per_kwh_capacity=eol - ref_eol, explanation=eol_why)  # fmt: skip
        divisor = result.fu_energy_kwh / result.capacity_kwh
        fu_why = (
            "same unit"
            if rs.functional_unit_basis == ref_rs.functional_unit_basis
            else f"kWh delivered over the service life per kWh of capacity: divide by {divisor:.4g}"
        )
        row("functional_unit", ref_rs.functional_unit, rs.functional_unit,
            fu_divisor=divisor, explanation=fu_why)  # fmt: skip
    return rows


def standards_report(
    results: Sequence[RuleSetFootprint], profile: UseProfile | None = None
) -> dict[str, Any]:
    """The JSON document of the ``standards`` command."""
    first = results[0].footprint
    return {
        "design": first.design,
        "factor_release": first.factor_release,
        "software_version": first.software_version,
        "reference": results[0].rule_set.id,
        "use_profile": (profile or UseProfile()).model_dump(),
        "rule_sets": [r.to_dict() for r in results],
        "reconciliation": reconcile(results),
    }
