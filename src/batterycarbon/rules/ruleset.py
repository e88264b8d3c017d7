"""Accounting rule sets as versioned data: one TOML file per rule set in ``data/``.

A rule set says what an accounting standard decides and the engine must not: its functional
unit and boundary (stages), which green-electricity contracts count, how recycled content and
end of life are modelled (cut-off or the Circular Footprint Formula), its status and references.
The engine reads these choices; it never branches on a rule set's id.
"""

from __future__ import annotations

import tomllib
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal, Self, get_args

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from batterycarbon.errors import BatteryCarbonError, InputError, excerpt
from batterycarbon.rules.cff import (
    CffBreakdown,
    CffBurdens,
    CffParameters,
    EndOfLifeMethod,
    RecycledContentMethod,
    footprint_per_kg,
    recycled_input_cff,
)
from batterycarbon.rules.defaults import load_cff_defaults

DATA_DIR = Path(__file__).parent / "data"
DEFAULT_RULE_SET = "whitepaper-c2g"

GreenContract = Literal["direct-line", "ppa", "certificate"]
#: Ways a plant gets green electricity: a direct physical connection to the generator (on-site
#: or private wire), a power purchase agreement delivered over the grid, or unbundled energy
#: attribute certificates (guarantees of origin, RECs, I-RECs).
GREEN_CONTRACTS: tuple[str, ...] = get_args(GreenContract)
#: Life-cycle stages a rule set may count; "use" holds only the battery's and charger's losses.
Stage = Literal["raw_materials", "production", "distribution", "use", "end_of_life"]
FunctionalUnitBasis = Literal["capacity", "delivered_energy"]
#: Vehicle categories whose full equivalent cycles per year a delivered-energy rule set gives:
#: cars and vans (M1, N1), two- and three-wheelers (L), buses and trucks (M2, M3, N2, N3).
VehicleCategory = Literal["car_van", "two_three_wheeler", "bus_truck"]
VEHICLE_CATEGORIES: tuple[str, ...] = get_args(VehicleCategory)
#: Stages the battery inventory attributes emissions to; every rule set must name them.
ENGINE_STAGES = ("raw_materials", "production")


#: PACT's codes of the cross-sectoral standards a footprint follows (v3 data model; v2.3 names
#: the first three in words).
PactStandard = Literal["ISO14067", "GHGP-Product", "ISO14040-44", "PEF"]


class RuleSetError(BatteryCarbonError, ValueError):
    """An unknown rule set, an invalid rule-set file or a question the rule set cannot answer."""


class RuleSet(BaseModel):
    """One accounting standard's choices, loaded from ``data/<id>.toml``."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    id: str
    version: str
    title: str
    status: Literal["published", "draft"]
    functional_unit: str
    boundary: str
    stages: tuple[Stage, ...]
    stage_names: dict[str, str]
    electricity: str
    accepted_green_contracts: tuple[GreenContract, ...]
    contract_notes: str = Field(min_length=1)
    end_of_life: EndOfLifeMethod
    recycled_content_method: RecycledContentMethod
    method_notes: str = Field(min_length=1)
    references: tuple[str, ...] = Field(min_length=1)
    # PACT crossSectoralStandards codes this rule set follows (compliance/pcf_figures.py).
    pact_standards: tuple[PactStandard, ...] = ()
    # What the functional unit is counted in: kWh of capacity, or kWh delivered over the service
    # life (usable capacity x full equivalent cycles per year x years): see rules.functional_unit.
    functional_unit_basis: FunctionalUnitBasis = "capacity"
    cycles_per_year: dict[VehicleCategory, float] = {}
    cycles_notes: str = ""
    # Recycling route whose end of life the rule set's end_of_life method applies to by default.
    end_of_life_route: str = "hydro"
    # Parts of the standard this engine does not model (reported, never silently dropped), and
    # rules whose reading is draft, disputed or not checked against the text.
    not_modelled: tuple[str, ...] = ()
    disputed: tuple[str, ...] = ()

    @model_validator(mode="after")
    def _consistent(self) -> Self:
        problems = []
        if set(self.stage_names) != set(self.stages):
            problems.append(
                f"stage_names: keys {sorted(self.stage_names)} must be the stages {list(self.stages)}"
            )
        missing = [s for s in ENGINE_STAGES if s not in self.stages]
        if missing:
            problems.append(f"stages: missing {missing}, which the inventory always reports")
        if (self.end_of_life == "excluded") == ("end_of_life" in self.stages):
            problems.append(
                f"end_of_life = {self.end_of_life!r} but stages "
                f"{'include' if 'end_of_life' in self.stages else 'omit'} 'end_of_life'"
            )
        if len(set(self.accepted_green_contracts)) != len(self.accepted_green_contracts):
            problems.append(
                f"accepted_green_contracts: duplicates in {list(self.accepted_green_contracts)}"
            )
        if self.functional_unit_basis == "delivered_energy":
            missing_categories = [c for c in VEHICLE_CATEGORIES if c not in self.cycles_per_year]
            if missing_categories:
                problems.append(
                    f"cycles_per_year: missing {missing_categories} for a delivered-energy unit"
                )
            if not self.cycles_notes:
                problems.append("cycles_notes: cite where the cycles per year come from")
        if any(v <= 0 for v in self.cycles_per_year.values()):
            problems.append(f"cycles_per_year: expected positive numbers ({self.cycles_per_year})")
        if problems:
            raise ValueError("; ".join(problems))
        return self

    @property
    def label(self) -> str:
        return f"{self.id}@{self.version}"

    def counts_green(self, contract: str) -> bool:
        """Whether green electricity bought under ``contract`` counts as green in this rule set.

        ``contract`` is one of :data:`GREEN_CONTRACTS`; power under a contract that does not
        count is accounted at the grid mix. The answer is the rule set's data
        (``accepted_green_contracts``); ``contract_notes`` cites why.
        """
        if contract not in GREEN_CONTRACTS:
            raise RuleSetError(
                f"green-electricity contract {contract!r}: expected one of "
                f"{', '.join(GREEN_CONTRACTS)}"
            )
        return contract in self.accepted_green_contracts

    def recycled_burden(
        self,
        ev_kgco2e_per_kg: float,
        erecycled_kgco2e_per_kg: float,
        material: str,
        **given: float,
    ) -> float:
        """Burden of one kg of the *recycled part* of an input of ``material``, kg CO2e per kg.

        ``recycled_content_method = "cut-off"``: ``Erecycled``. ``"cff"``:
        ``A·Erecycled + (1 - A)·Ev·Qsin/Qp`` with A and Qsin/Qp from the defaults of
        ``material`` (a material-group name or a library flow, ``data/cff_defaults.toml``)
        unless given (``a=…``, ``qsin_qp=…``). The signature fits
        ``battery.options.AccountingPolicy.recycled_burden``.
        """
        if self.recycled_content_method == "cut-off":
            return erecycled_kgco2e_per_kg
        params = load_cff_defaults().parameters(material, **given)
        return recycled_input_cff(
            params.a, ev_kgco2e_per_kg, erecycled_kgco2e_per_kg, params.qsin_qp
        )

    def recycled_content_kgco2e_per_kg(
        self,
        material: str,
        r1: float,
        ev_kgco2e_per_kg: float,
        erecycled_kgco2e_per_kg: float,
        **given: float,
    ) -> float:
        """Burden of one kg of ``material`` whose recycled-content share is ``r1``, kg CO2e/kg.

        ``(1 - R1)·Ev + R1·`` :meth:`recycled_burden`: the cut-off's
        ``(1-R1)·Ev + R1·Erecycled`` or the CFF material part, by ``recycled_content_method``.
        """
        if not 0.0 <= r1 <= 1.0:  # also rejects NaN
            raise InputError(
                f"recycled content of {material!r}", [f"r1: expected 0 <= r1 <= 1 (got {r1!r})"]
            )
        recycled = self.recycled_burden(
            ev_kgco2e_per_kg, erecycled_kgco2e_per_kg, material, **given
        )
        return (1.0 - r1) * ev_kgco2e_per_kg + r1 * recycled

    def material_footprint(self, params: CffParameters, burdens: CffBurdens) -> CffBreakdown:
        """One kg of a material by CFF part under this rule set's two methods (kg CO2e/kg).

        End-of-life parts are zero where ``end_of_life = "excluded"``.
        """
        return footprint_per_kg(params, burdens, self.recycled_content_method, self.end_of_life)


def rule_set_ids() -> list[str]:
    """Ids of the bundled rule sets (every ``data/*.toml`` except the CFF defaults)."""
    return sorted(p.stem for p in DATA_DIR.glob("*.toml") if p.stem != "cff_defaults")


@lru_cache(maxsize=8)
def load_rule_set(rule_set_id: str = DEFAULT_RULE_SET) -> RuleSet:
    """Load and validate a bundled rule set; :class:`RuleSetError` lists the known ids."""
    known = rule_set_ids()
    if rule_set_id not in known:
        raise RuleSetError(f"unknown rule set {excerpt(rule_set_id)}; known: {', '.join(known)}")
    path = DATA_DIR / f"{rule_set_id}.toml"
    data: dict[str, Any] = tomllib.loads(path.read_text(encoding="utf-8"))
    try:
        rule_set = RuleSet.model_validate(data)
    except ValidationError as exc:
        raise RuleSetError(f"rule set file {path.name} is invalid:\n{exc}") from None
    if rule_set.id != rule_set_id:
        raise RuleSetError(f"rule set file {path.name}: id {rule_set.id!r} must be the file name")
    return rule_set
