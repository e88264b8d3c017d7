"""One design accounted under several rule sets side by side, per each one's functional unit.

:func:`account` gives the footprint of a pack under one rule set: the inventory's stages (raw
materials, production) as the rule set's electricity and recycled-content rules value them,
distribution of the finished pack to the customer (cited default legs unless the maker gives
its own, :mod:`batterycarbon.battery.downstream`), the use stage's battery and charger losses
where the rule set counts use (only from the maker's efficiencies, :mod:`batterycarbon.rules.
use_stage`), and end of life: the rule set's formula (cut-off or CFF) for its default recycling
route plus disposal of what that route neither recovers nor burns; all divided by the rule set's
functional unit (kWh of capacity or kWh delivered over the service life). Every result also carries kg CO2e per kWh of capacity and,
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

from batterycarbon.battery import BatterySystem, Design, Options, build_system, footprint
from batterycarbon.battery.downstream import (
    Disposal,
    Distribution,
    DistributionLeg,
    disposal_kgco2e,
    distribution_kgco2e,
)
from batterycarbon.battery.footprint import Footprint
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary, merge_warnings
from batterycarbon.recycling import end_of_life_methods, get_route
from batterycarbon.recycling.end_of_life import EndOfLifeMethods
from batterycarbon.rules import DEFAULT_RULE_SET, RuleSet, load_rule_set, rule_set_ids
from batterycarbon.rules.functional_unit import (
    UseProfile,
    delivered_energy_or_none,
    functional_unit_energy_kwh,
)
from batterycarbon.rules.use_stage import UseLosses, use_losses_kwh

#: The rule set whose cycles per year give a "per kWh delivered" figure to capacity-based ones.
EU_REFERENCE_RULE_SET = "eu-draft-2024"


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
    distribution: Distribution | None = None
    disposal: Disposal | None = None
    use_stage: dict[str, Any] | None = None
    #: The factor lookup's substitutions in every stage (:meth:`FactorLibrary.lookup`), once.
    warnings: tuple[str, ...] = ()

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
            "distribution": self.distribution.to_dict() if self.distribution else None,
            "use_stage": self.use_stage,
            "disposal": self.disposal.to_dict() if self.disposal else None,
            "inputs_digest": self.footprint.inputs_digest,
            "factor_release": self.footprint.factor_release,
            "warnings": list(self.warnings),
        }


EndOfLifeSource = Callable[[str], EndOfLifeMethods]


@dataclass(frozen=True)
class Downstream:
    """What happens after the factory gate, beyond the rule set's end-of-life formula.

    ``distribution_legs``: the maker's own trip to the customer (``None``: the cited default for
    the pack plant's region); ``use_losses``: battery and charger efficiencies and country of
    use (``None``: the use stage is not provided and counts 0).
    """

    distribution_legs: tuple[DistributionLeg, ...] | None = None
    use_losses: UseLosses | None = None


class _Shared:
    """Calculations several rule sets share for one design: routes, disposal, pack masses."""

    def __init__(self, design: Design, library: FactorLibrary) -> None:
        self.design, self.library = design, library
        self._eol: dict[str, EndOfLifeMethods] = {}
        self._disposal: dict[str, Disposal] = {}
        self._bsys: BatterySystem | None = None

    @property
    def bsys(self) -> BatterySystem:
        if self._bsys is None:
            self._bsys = build_system(self.design, self.library, Options())
        return self._bsys

    def end_of_life(self, route: str) -> EndOfLifeMethods:
        if route not in self._eol:
            self._eol[route] = end_of_life_methods(route, self.design, self.library)
        return self._eol[route]

    def disposal(self, route: str) -> Disposal:
        if route not in self._disposal:
            r = get_route(route)
            rates: dict[str, float] = {str(rec.material): rec.rate for rec in r.recovery}
            burnt = {e.name for e in r.direct_emissions}
            self._disposal[route] = disposal_kgco2e(self.bsys, route, rates, burnt, self.library)
        return self._disposal[route]


def _end_of_life_parts(
    methods: EndOfLifeMethods, disposal: Disposal, method: str, capacity_kwh: float
) -> dict[str, float]:
    """kg CO2e per kWh of capacity: the recycling by ``method`` (``cff`` or cut-off) and the
    disposal of what the route leaves; their sum is the end-of-life stage."""
    recycling = methods.cff_kgco2e_per_kwh if method == "cff" else methods.cut_off_kgco2e_per_kwh
    return {"recycling": recycling, "disposal": disposal.kgco2e_per_pack / capacity_kwh}


def end_of_life_stage(
    design: Design, library: FactorLibrary, route: str, method: str
) -> dict[str, float]:
    """The end-of-life stage of ``design`` recycled by ``route`` as a rule set whose end-of-life
    method is ``method`` counts it (kg CO2e per kWh of capacity): ``recycling``, ``disposal``
    and their ``total`` — the same figures :func:`account` puts in its stage."""
    shared = _Shared(design, library)
    parts = _end_of_life_parts(
        shared.end_of_life(route), shared.disposal(route), method, shared.bsys.pack_capacity_kwh
    )
    return {**parts, "total": sum(parts.values())}


def _use_stage(
    losses: UseLosses | None, delivered_kwh: float | None, library: FactorLibrary, year: int
) -> tuple[float, dict[str, Any], tuple[str, ...]]:
    """kg CO2e per pack of the use stage, its record (``provided`` False without inputs) and the
    grid lookup's warnings."""
    if losses is None:
        note = (
            "not provided: give use_losses (battery_efficiency, charger_efficiency, country) "
            "in the compliance inputs; no default efficiency is bundled"
        )
        return 0.0, {"provided": False, "kgco2e_per_pack": 0.0, "note": note}, ()
    if delivered_kwh is None:
        raise InputError(
            "use_losses",
            ["the use stage needs the energy delivered over the service life: give "
             "usable_capacity_kwh, vehicle_category and warranty_years"],
        )  # fmt: skip
    lost_kwh = use_losses_kwh(delivered_kwh, losses.battery_efficiency, losses.charger_efficiency)
    found = library.lookup("electricity_grid", losses.country.upper(), losses.year or year)
    record = {
        "provided": True,
        **losses.model_dump(),
        "delivered_energy_kwh": delivered_kwh,
        "losses_kwh": lost_kwh,
        "grid_factor": found.factor.id,
        "kgco2e_per_pack": lost_kwh * found.factor.value,
    }
    return lost_kwh * found.factor.value, record, found.warnings


def account(
    design: Design,
    library: FactorLibrary,
    rule_set_id: str,
    options: Options | None = None,
    profile: UseProfile | None = None,
    route: str | None = None,
    end_of_life: EndOfLifeSource | None = None,
    downstream: Downstream | None = None,
    shared: _Shared | None = None,
) -> RuleSetFootprint:
    """The pack's footprint under ``rule_set_id`` per its functional unit (see the module).

    ``route`` overrides the rule set's ``end_of_life_route``; ``end_of_life`` (route id ->
    :class:`EndOfLifeMethods`) lets a caller share one calculation between rule sets;
    ``downstream`` gives the maker's distribution legs and use-stage efficiencies.
    Raises :class:`InputError` when the functional unit needs use inputs that are missing.
    """
    rule_set = load_rule_set(rule_set_id)
    downstream = downstream or Downstream()
    shared = shared or _Shared(design, library)
    fp = footprint(design, library, options, level="pack", rule_set_id=rule_set_id)
    fu_energy = functional_unit_energy_kwh(rule_set, fp.capacity_kwh, profile)
    stages: dict[str, float] = {s: float(fp.stages.get(s, 0.0)) for s in rule_set.stages}
    capacity = fp.capacity_kwh
    default_cycles = load_rule_set(EU_REFERENCE_RULE_SET).cycles_per_year
    delivered = delivered_energy_or_none(rule_set, profile, default_cycles)
    distribution = None
    warnings: list[tuple[str, ...]] = [tuple(fp.warnings)]
    if "distribution" in rule_set.stages:
        distribution = distribution_kgco2e(
            float(fp.pack["pack_mass_kg"]), str(fp.pack["plants"]["pack"]), library,
            int(fp.pack["year"]), downstream.distribution_legs,
        )  # fmt: skip
        stages["distribution"] = distribution.kgco2e_per_pack / capacity
        warnings.append(distribution.warnings)
    use_stage = None
    if "use" in rule_set.stages:
        use_kg, use_stage, use_warnings = _use_stage(
            downstream.use_losses, delivered, library, int(fp.pack["year"])
        )
        stages["use"] = use_kg / capacity
        warnings.append(use_warnings)
    chosen_route = None
    disposal = None
    if "end_of_life" in rule_set.stages:
        chosen_route = route or rule_set.end_of_life_route
        methods = (end_of_life or shared.end_of_life)(chosen_route)
        disposal = shared.disposal(chosen_route)
        stages["end_of_life"] = sum(
            _end_of_life_parts(methods, disposal, rule_set.end_of_life, capacity).values()
        )
        warnings += [methods.warnings, disposal.warnings]
    return RuleSetFootprint(
        rule_set=rule_set,
        capacity_kwh=capacity,
        fu_energy_kwh=fu_energy,
        delivered_energy_kwh=delivered,
        stages_kgco2e_per_kwh_capacity=stages,
        end_of_life_route=chosen_route,
        footprint=fp,
        use_profile=profile,
        distribution=distribution,
        disposal=disposal,
        use_stage=use_stage,
        warnings=merge_warnings(*warnings),
    )


def compare(
    design: Design,
    library: FactorLibrary,
    rule_sets: Sequence[str] | None = None,
    options: Options | None = None,
    profile: UseProfile | None = None,
    route: str | None = None,
    downstream: Downstream | None = None,
) -> list[RuleSetFootprint]:
    """:func:`account` under each of ``rule_sets`` (default: every bundled one, the reference
    first), computing each recycling route's end of life and disposal once."""
    ids = list(rule_sets or rule_set_ids())
    if DEFAULT_RULE_SET in ids:
        ids.remove(DEFAULT_RULE_SET)
        ids.insert(0, DEFAULT_RULE_SET)
    shared = _Shared(design, library)
    return [
        account(design, library, i, options, profile, route, None, downstream, shared) for i in ids
    ]


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
        added_effect = sum(stages.get(s, 0.0) for s in added)
        parts = [f"{s} {stages.get(s, 0.0):.3g}" for s in added]
        if "distribution" in added and result.distribution is not None:
            parts[added.index("distribution")] += f" ({result.distribution.scenario} legs)"
        if "use" in added and result.use_stage and not result.use_stage["provided"]:
            parts[added.index("use")] += " (not provided: no efficiencies given)"
        row(
            "boundary",
            ref_rs.boundary,
            rs.boundary,
            effect_kgco2e_per_kwh_capacity=added_effect,
            explanation=(
                "adds " + ", ".join(parts) + " kg CO2e/kWh capacity"
                if added
                else "same stages before end of life"
            ),
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
        if result.disposal is not None:
            eol_why += (
                f"; plus disposal of the {result.disposal.disposed_kg:.3g} kg per pack the "
                f"route does not recover: "
                f"{result.disposal.kgco2e_per_pack / result.capacity_kwh:.3g} kg CO2e/kWh"
            )
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
