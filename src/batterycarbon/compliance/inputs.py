"""What a declaration needs beyond the design: use profile, battery category, study link.

They come, in increasing priority, from the design (a ``use`` section, once :class:`Design`
has one), from a compliance inputs file (YAML or JSON, :func:`load_compliance_inputs`) and from
command-line options. Example file::

    use: {usable_capacity_kwh: 54, vehicle_category: M1, warranty_years: 8}
    battery_category: ev
    study_url: https://example.com/cfb-study.pdf
    eu_declaration_of_conformity_id: DoC-2025-001
    distribution: [{mode: sea, distance_km: 19500}, {mode: road, distance_km: 600}]
    use_losses: {battery_efficiency: 0.95, charger_efficiency: 0.9, country: DE}

``distribution`` replaces the cited default trip of the pack to the customer; ``use_losses``
gives the battery and charger efficiencies that rule sets counting the use stage need.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from batterycarbon.battery import Design
from batterycarbon.battery.downstream import DistributionLeg
from batterycarbon.bounds import MAX_REFERENCE_CHARS, MAX_TRANSPORT_LEGS, finite_json
from batterycarbon.compliance.classes import BatteryCategory
from batterycarbon.compliance.standards import Downstream
from batterycarbon.errors import InputError, validation_problems
from batterycarbon.rules.functional_unit import UseProfile, parse_use_profile
from batterycarbon.rules.use_stage import UseLosses
from batterycarbon.safe_yaml import read_yaml_file


class ComplianceInputs(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    use: UseProfile = UseProfile()
    battery_category: BatteryCategory = "ev"
    study_url: str | None = Field(default=None, max_length=MAX_REFERENCE_CHARS)
    eu_declaration_of_conformity_id: str | None = Field(
        default=None, max_length=MAX_REFERENCE_CHARS
    )
    distribution: tuple[DistributionLeg, ...] | None = Field(
        default=None, max_length=MAX_TRANSPORT_LEGS
    )
    use_losses: UseLosses | None = None
    # Battery passport: aspect -> attributes the maker gives (Battery Pass 1.2 names), the
    # base of the public passport URL, and whether an incomplete passport is an error.
    passport: Annotated[dict[str, dict[str, Any]], AfterValidator(finite_json)] = {}
    passport_base_url: str | None = Field(default=None, max_length=MAX_REFERENCE_CHARS)
    passport_complete: bool = False

    def downstream(self) -> Downstream:
        """The distribution legs and use-stage inputs for :func:`.standards.account`."""
        return Downstream(distribution_legs=self.distribution, use_losses=self.use_losses)


def parse_compliance_inputs(data: Any, source: str) -> ComplianceInputs:
    try:
        return ComplianceInputs.model_validate(data or {})
    except ValidationError as exc:
        raise InputError(source, validation_problems(exc)) from None


def load_compliance_inputs(path: str | Path | None) -> ComplianceInputs:
    """The inputs file at ``path`` (YAML or JSON); empty inputs without a path."""
    if path is None:
        return ComplianceInputs()
    source = Path(path)
    return parse_compliance_inputs(read_yaml_file(source), str(source))


def use_profile_for(
    design: Design, inputs: ComplianceInputs | None = None, given: UseProfile | None = None
) -> UseProfile:
    """The use profile from the design, then the inputs file, then options (last wins),
    checked once merged: a value given later replaces one of the design that the rule refuses
    (a design stored before the rule, :func:`batterycarbon.battery.design.read_stored_design`),
    and one left in place is refused naming its field."""
    fields = design.use.model_dump(exclude_none=True) if design.use is not None else {}
    for later in (inputs.use if inputs is not None else None, given):
        if later is not None:
            fields.update(later.model_dump(exclude_none=True))
    return parse_use_profile(fields, f"{design.id or 'design'}: use")
