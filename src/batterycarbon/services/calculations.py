"""Calculate a stored design with the supplier figures its bill of materials names.

Which datasets are used is the design's choice, nowhere else: for each material its ``supply``
names a supplier for, the dataset :func:`batterycarbon.services.supply.choose` selects (pinned,
or the newest approved one whose plant and year fit); nothing else of any supplier. A precursor,
cathode or anode material figure replaces that whole step; any other replaces its flow's factor
for that material only. The stored result lists every dataset used (supplier, plant, dataset id
and version, year, verification state, DQR) and the share of primary data. Recalculating
identical inputs returns the stored calculation instead of adding a second one.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator
from sqlalchemy import select
from sqlalchemy.orm import Session

from batterycarbon.battery import Design, footprint, parse_design
from batterycarbon.bounds import MAX_NAME_CHARS
from batterycarbon.errors import InputError
from batterycarbon.rules import DEFAULT_RULE_SET, RuleSetError, load_rule_set
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.factor_releases import library_for, release_library
from batterycarbon.services.lookup import get_visible
from batterycarbon.services.paging import ListQuery, Page, json_text, page_of, paginate, within
from batterycarbon.services.permissions import calculation_access, require_role
from batterycarbon.services.supply import Chosen, choose_all, figure
from batterycarbon.store import Calculation, CalculationInput, DesignVersion, Product
from batterycarbon.store.audit import canonical_json
from batterycarbon.store.locks import serialize
from batterycarbon.units import conversion_factor


class CalculationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    design_version_id: uuid.UUID
    rule_set: str = Field(default=DEFAULT_RULE_SET, max_length=MAX_NAME_CHARS)
    level: Literal["pack", "cell"] = "pack"
    factor_release: str | None = Field(
        default=None, max_length=MAX_NAME_CHARS, description="Default: the active release"
    )

    dataset_ids: None = Field(
        default=None,
        exclude=True,
        deprecated=True,
        description="Removed: the design's supply names the supplier (and optionally the "
        "dataset) of each material; sending it is refused",
    )

    @field_validator("dataset_ids", mode="before")
    @classmethod
    def _no_dataset_ids(cls, value: Any) -> None:
        raise ValueError(
            "no longer accepted: the design's supply names the supplier (and optionally the "
            "dataset) of each material (docs/design-format.md)"
        )


class CalculationOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    design_version_id: uuid.UUID
    factor_release: str
    rule_set: str
    total_kgco2e_per_kwh: float
    primary_share: float
    digest: str
    inputs: dict[str, Any]
    result: dict[str, Any]
    created_at: datetime
    already_stored: bool = Field(
        default=False,
        description="True when this request found a calculation of your organization with the "
        "same inputs and result (same digest) already stored: that one is returned and "
        "nothing is added",
    )


def calculation_out(row: Calculation, already_stored: bool = False) -> CalculationOut:
    return CalculationOut(
        id=row.id,
        organization_id=row.organization_id,
        design_version_id=row.design_version_id,
        factor_release=row.factor_release_id,
        rule_set=row.rule_set,
        total_kgco2e_per_kwh=row.total_kgco2e_per_kwh,
        primary_share=row.primary_share,
        digest=row.digest,
        inputs=row.inputs,
        result=row.result,
        created_at=row.created_at,
        already_stored=already_stored,
    )


def is_material_factor(unit: str) -> bool:
    """Whether a factor is per mass of material (kg CO2e / kg and the like)."""
    try:
        conversion_factor(unit, "kg CO2e / kg")
    except ValueError:
        return False
    return True


def with_figures(design: Design, chosen: list[Chosen]) -> Design:
    """The design with each chosen dataset's figure attached for its material (the engine
    refuses a supplier source without one)."""
    added = [
        {
            "flow": c.row.flow,
            "value": c.row.value,
            "unit": c.row.unit,
            "supplier": c.supplier,
            "reference": f"dataset:{c.row.id}",
            "material": c.material,
        }
        for c in chosen
    ]
    kept = [o.model_dump() for o in design.supplier_overrides]
    return Design.model_validate({**design.model_dump(), "supplier_overrides": kept + added})


def calculate_design(session: Session, actor: Actor, data: CalculationIn) -> CalculationOut:
    """Compute and store an immutable calculation of one of the actor's design versions."""
    with unit_of_work(session):
        require_role(actor, "manufacturer")
        version = get_visible(
            session,
            DesignVersion,
            data.design_version_id,
            f"design_version_id: design version {data.design_version_id} not found",
            lambda row: row.product.organization_id == actor.organization_id,
        )
        row, already_stored = compute_calculation(session, actor, version, data)
        return calculation_out(row, already_stored)


@dataclass(frozen=True)
class PreparedCalculation:
    """Everything a calculation is computed from, read from the database and checked: the
    design with the supplier figures in place, the figures, rule set, level and release.
    Plain data (picklable): :func:`evaluate_calculation` needs no database, so it may run in
    another process (a Dask worker)."""

    design_version_id: uuid.UUID
    design_digest: str
    design: Design
    supplier_figures: list[dict[str, Any]]
    datasets_used: list[tuple[uuid.UUID, str]]  # (dataset id, material it is used for)
    rule_set: str
    level: Literal["pack", "cell"]
    factor_release: str


def prepare_calculation(
    session: Session, actor: Actor, version: DesignVersion, data: CalculationIn
) -> PreparedCalculation:
    """Read and check what a calculation of ``version`` for ``actor``'s organization needs;
    raises (:class:`InputError`, :class:`NotFound`, :class:`Conflict`) if the inputs do not
    fit (rule set, datasets, release). Writes nothing."""
    try:
        load_rule_set(data.rule_set)
    except RuleSetError as exc:
        raise InputError("calculation", [f"rule_set: {exc}"]) from None
    library = release_library(session, data.factor_release)
    # Checked again as a new document: a version stored before a rule applied (a vehicle
    # category such as "car") is an InputError naming the field, not a crash.
    design = parse_design(version.design, f"design version {version.version}")
    chosen = choose_all(session, actor, design)
    return PreparedCalculation(
        design_version_id=version.id,
        design_digest=version.digest,
        design=with_figures(design, chosen),
        supplier_figures=[figure(session, c) for c in chosen],
        datasets_used=[(c.row.id, c.material) for c in chosen],
        rule_set=data.rule_set,
        level=data.level,
        factor_release=library.release_id,
    )


def evaluate_calculation(prepared: PreparedCalculation) -> dict[str, Any]:
    """The result of a prepared calculation (no database: the release's bundled library).
    Deterministic: the same prepared inputs give the same result, bit for bit, in any process."""
    library = library_for(prepared.factor_release)
    result = footprint(
        prepared.design, library, level=prepared.level, rule_set_id=prepared.rule_set
    ).to_dict()
    result["supplier_datasets"] = prepared.supplier_figures
    return result


def stored_calculation(
    session: Session, organization_id: uuid.UUID, digest: str
) -> Calculation | None:
    """The organization's calculation with ``digest``, if stored. The rest of the caller's
    transaction is serialized with others checking the same digest, so two identical requests
    at once store one row (:func:`batterycarbon.store.locks.serialize`)."""
    serialize(session, f"calculation:{organization_id}:{digest}")
    return session.scalar(
        select(Calculation)
        .where(Calculation.organization_id == organization_id, Calculation.digest == digest)
        .order_by(Calculation.created_at)
        .limit(1)
    )


def store_calculation(
    session: Session, actor: Actor, prepared: PreparedCalculation, result: dict[str, Any]
) -> tuple[Calculation, bool]:
    """Store and audit the calculation of ``prepared`` with its ``result``, in the caller's
    transaction, for ``actor``'s organization: (the row, False). If the organization already
    stored one with the same digest (identical inputs and result), (that one, True) and
    nothing is written."""
    inputs = {
        "design_version_id": str(prepared.design_version_id),
        "design_digest": prepared.design_digest,
        "design": prepared.design.model_dump(mode="json"),
        "datasets": prepared.supplier_figures,
        "rule_set": prepared.rule_set,
        "level": prepared.level,
        "factor_release": prepared.factor_release,
    }
    digest = hashlib.sha256(
        canonical_json({"inputs": inputs, "result": result}).encode()
    ).hexdigest()
    assert actor.organization_id is not None
    existing = stored_calculation(session, actor.organization_id, digest)
    if existing is not None:
        return existing, True
    row = Calculation(
        organization_id=actor.organization_id,
        design_version_id=prepared.design_version_id,
        factor_release_id=prepared.factor_release,
        rule_set=prepared.rule_set,
        inputs=inputs,
        result=result,
        total_kgco2e_per_kwh=result["total_kgco2e_per_kwh"],
        primary_share=result["primary_share"],
        digest=digest,
        created_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    for dataset_id, target in prepared.datasets_used:
        session.add(
            CalculationInput(calculation_id=row.id, dataset_id=dataset_id, replaced_flow=target)
        )
    audit(
        session,
        actor,
        "calculation.created",
        "calculation",
        row.id,
        after={
            "digest": digest,
            "total_kgco2e_per_kwh": row.total_kgco2e_per_kwh,
            "datasets": [f["dataset_id"] for f in prepared.supplier_figures],
        },
    )
    return row, False


def compute_calculation(
    session: Session, actor: Actor, version: DesignVersion, data: CalculationIn
) -> tuple[Calculation, bool]:
    """Compute, store and audit a calculation of ``version`` for ``actor``'s organization, in
    the caller's transaction; the caller has checked that the organization owns ``version``.
    Raises before writing anything if the inputs do not fit (rule set, supply, release).
    (row, True) when identical inputs were already stored (see :func:`store_calculation`)."""
    prepared = prepare_calculation(session, actor, version, data)
    return store_calculation(session, actor, prepared, evaluate_calculation(prepared))


def visible_calculation(session: Session, actor: Actor, calculation_id: uuid.UUID) -> Calculation:
    """The whole calculation, if the actor's organization made it or was asked to verify it.

    A customer it was shared with sees only its declared figures: see
    :func:`batterycarbon.services.calculation_sharing.read_calculation`."""
    return get_visible(
        session,
        Calculation,
        calculation_id,
        f"calculation {calculation_id} not found",
        lambda row: calculation_access(session, actor, row) in ("owner", "verifier"),
    )


def get_calculation(session: Session, actor: Actor, calculation_id: uuid.UUID) -> CalculationOut:
    with unit_of_work(session):
        return calculation_out(visible_calculation(session, actor, calculation_id))


class CalculationQuery(ListQuery):
    chemistry: str | None = Field(default=None, max_length=20, examples=["NCM811"])
    factor_release: str | None = Field(default=None, max_length=64, examples=["open-2024.1"])
    rule_set: str | None = Field(default=None, max_length=100)
    product_id: uuid.UUID | None = None


def find_calculations(
    session: Session, actor: Actor, filters: CalculationQuery | None = None
) -> Page[CalculationOut]:
    """The actor's organization's calculations, oldest first."""
    with unit_of_work(session):
        query = select(Calculation).where(Calculation.organization_id == actor.organization_id)
        if filters is not None:
            query = within(query, Calculation.created_at, filters)
            if filters.chemistry is not None:
                query = query.where(
                    json_text(Calculation.inputs, "design", "chemistry") == filters.chemistry
                )
            if filters.factor_release is not None:
                query = query.where(Calculation.factor_release_id == filters.factor_release)
            if filters.rule_set is not None:
                query = query.where(Calculation.rule_set == filters.rule_set)
            if filters.product_id is not None:
                versions = select(DesignVersion.id).where(
                    DesignVersion.product_id == filters.product_id
                )
                query = query.where(Calculation.design_version_id.in_(versions))
        rows, total = paginate(session, query, filters, (Calculation.created_at, Calculation.id))
        return page_of([calculation_out(r) for r in rows], total, filters)


def list_calculations(session: Session, actor: Actor) -> list[CalculationOut]:
    return find_calculations(session, actor).items


def product_of(session: Session, calculation: Calculation) -> Product:
    return session.get_one(DesignVersion, calculation.design_version_id).product
