"""Calculate a stored design with suppliers' approved figures replacing library factors.

Which datasets are used: the ones named in ``dataset_ids``, or, by default, every approved
dataset the calculating organization owns or has been shared that the design can use (for two
figures of the same flow: the better data-quality rating, then the newer). A cathode (or
precursor) dataset for the design's chemistry replaces the whole cathode-active-material (or
precursor) step; any other dataset replaces the library factor of its flow. The stored result
lists every supplier figure used, and says which emissions were primary data and their share.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from batterycarbon.battery import Design, build_system, footprint
from batterycarbon.battery.cell import anode_material
from batterycarbon.battery.footprint import accounting_policy
from batterycarbon.battery.options import Options
from batterycarbon.bounds import MAX_DATASETS_PER_CALCULATION, MAX_NAME_CHARS
from batterycarbon.errors import InputError
from batterycarbon.factors import FactorLibrary
from batterycarbon.rules import DEFAULT_RULE_SET, RuleSetError, load_rule_set
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.errors import Conflict, NotFound
from batterycarbon.services.factor_releases import library_for, release_library
from batterycarbon.services.paging import ListQuery, Page, json_text, page_of, paginate, within
from batterycarbon.services.permissions import calculation_access, dataset_access, require_role
from batterycarbon.store import (
    Calculation,
    CalculationInput,
    DesignVersion,
    Organization,
    Product,
    SharingGrant,
    SupplierDataset,
)
from batterycarbon.store.audit import canonical_json
from batterycarbon.units import conversion_factor

#: Library flow prefix -> foreground step a supplier's figure replaces as a whole.
STEP_FLOWS = {"cam_": "cathode_active_material", "pcam_": "precursor"}
STEP_TARGETS = frozenset((*STEP_FLOWS.values(), "anode_active_material"))


class CalculationIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    design_version_id: uuid.UUID
    dataset_ids: list[uuid.UUID] | None = Field(
        default=None,
        max_length=MAX_DATASETS_PER_CALCULATION,
        description="Datasets to use; default: every approved one that applies",
    )
    rule_set: str = Field(default=DEFAULT_RULE_SET, max_length=MAX_NAME_CHARS)
    level: Literal["pack", "cell"] = "pack"
    factor_release: str | None = Field(
        default=None, max_length=MAX_NAME_CHARS, description="Default: the active release"
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


def calculation_out(row: Calculation) -> CalculationOut:
    return CalculationOut(
        id=row.id, organization_id=row.organization_id, design_version_id=row.design_version_id,
        factor_release=row.factor_release_id, rule_set=row.rule_set,
        total_kgco2e_per_kwh=row.total_kgco2e_per_kwh, primary_share=row.primary_share,
        digest=row.digest, inputs=row.inputs, result=row.result, created_at=row.created_at,
    )  # fmt: skip


def _replaceable(design: Design, library: FactorLibrary, rule_set_id: str) -> dict[str, str]:
    """Dataset flow -> the override flow it becomes in this design, for every material flow the
    design uses (energy and transport flows are the plants' own, never a supplier's)."""
    bsys = build_system(design, library, Options(), accounting_policy(load_rule_set(rule_set_id)))
    targets = {}
    for process in bsys.processes:
        if process.factor_id:
            factor = library.get(process.factor_id)
            if is_material_factor(factor.unit):
                targets[factor.flow] = factor.flow
    steps = {
        **{f"{prefix}{design.chemistry.lower()}": step for prefix, step in STEP_FLOWS.items()},
        anode_material(design): "anode_active_material",
    }
    for flow, step in steps.items():
        if step in bsys.system.index and flow in library.flows:
            targets[flow] = step
    return targets


def is_material_factor(unit: str) -> bool:
    """Whether a factor is per mass of material (kg CO2e / kg and the like)."""
    try:
        conversion_factor(unit, "kg CO2e / kg")
    except ValueError:
        return False
    return True


def _with_overrides(design: Design, figures: list[dict[str, Any]]) -> Design:
    """The design with the supplier figures as overrides (replacing its own for those flows)."""
    replaced = {f["replaces"] for f in figures}
    kept = [o.model_dump() for o in design.supplier_overrides if o.flow not in replaced]
    added = [
        {"flow": f["replaces"], "value": f["value"], "unit": f["unit"],
         "supplier": f["supplier"], "reference": f"dataset:{f['dataset_id']}"}
        for f in figures
    ]  # fmt: skip
    return Design.model_validate({**design.model_dump(), "supplier_overrides": kept + added})


def _candidates(
    session: Session, actor: Actor, dataset_ids: list[uuid.UUID] | None
) -> list[SupplierDataset]:
    if dataset_ids is None:
        shared = select(SharingGrant.dataset_id).where(
            SharingGrant.grantee_org_id == actor.organization_id, SharingGrant.revoked_at.is_(None)
        )
        query = select(SupplierDataset).where(
            SupplierDataset.status == "approved",
            or_(SupplierDataset.owner_org_id == actor.organization_id, SupplierDataset.id.in_(shared)),
        )  # fmt: skip
        return list(session.scalars(query.order_by(SupplierDataset.dqr, SupplierDataset.created_at.desc())))  # fmt: skip
    rows = []
    for dataset_id in dict.fromkeys(dataset_ids):
        row = session.get(SupplierDataset, dataset_id)
        if row is None or dataset_access(session, actor, row) not in ("owner", "grantee"):
            raise NotFound(f"dataset_ids: dataset {dataset_id} not found")
        if row.status != "approved":
            raise Conflict(f"dataset_ids: dataset {dataset_id} is {row.status}, not approved")
        rows.append(row)
    return rows


#: Whole steps first, outermost first: replacing the cathode material makes its precursor unused.
STEP_ORDER = ("cathode_active_material", "precursor", "anode_active_material")


def _choose(
    session: Session,
    design: Design,
    library: FactorLibrary,
    rule_set_id: str,
    candidates: list[SupplierDataset],
) -> list[tuple[SupplierDataset, str]]:
    """(dataset, override flow) pairs, at most one per override flow, candidates best first.

    A step replaced as a whole no longer uses its own inputs, so after each step the design's
    replaceable flows are listed again with the steps chosen so far in place.
    """
    used: list[tuple[SupplierDataset, str]] = []
    remaining = list(candidates)
    current = design
    while True:
        targets = _replaceable(current, library, rule_set_id)
        taken = {target for _, target in used}
        options: dict[str, SupplierDataset] = {}
        for row in remaining:
            target = targets.get(row.flow)
            if target is not None and target not in taken:
                options.setdefault(target, row)  # candidates come best first
        step = next((t for t in STEP_ORDER if t in options), None)
        if step is None:
            return used + [(row, target) for target, row in options.items()]
        used.append((options[step], step))
        remaining.remove(options[step])
        current = _with_overrides(design, _figures(session, used))


def _figures(session: Session, used: list[tuple[SupplierDataset, str]]) -> list[dict[str, Any]]:
    """The shared figure of each dataset used, as stored in the calculation's inputs."""
    owners = {row.owner_org_id for row, _ in used}
    names = {o.id: o.name for o in session.scalars(select(Organization).where(Organization.id.in_(owners)))}  # fmt: skip
    return [
        {
            "dataset_id": str(row.id), "flow": row.flow, "replaces": target,
            "value": row.value, "unit": row.unit, "region": row.region, "year": row.year,
            "dqr": row.dqr, "supplier_org_id": str(row.owner_org_id),
            "supplier": names[row.owner_org_id],
        }
        for row, target in used
    ]  # fmt: skip


def calculate_design(session: Session, actor: Actor, data: CalculationIn) -> CalculationOut:
    """Compute and store an immutable calculation of one of the actor's design versions."""
    with unit_of_work(session):
        require_role(actor, "manufacturer")
        version = session.get(DesignVersion, data.design_version_id)
        if version is None or version.product.organization_id != actor.organization_id:
            raise NotFound(f"design_version_id: design version {data.design_version_id} not found")
        return calculation_out(compute_calculation(session, actor, version, data))


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
    datasets_used: list[tuple[uuid.UUID, str]]  # (dataset id, flow or step it replaces)
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
    design = Design.model_validate(version.design)
    used = _choose(session, design, library, data.rule_set, _candidates(session, actor, data.dataset_ids))  # fmt: skip
    if data.dataset_ids is not None:
        unused = [r for r in dict.fromkeys(data.dataset_ids) if r not in {row.id for row, _ in used}]  # fmt: skip
        if unused:
            raise InputError("calculation", [
                f"dataset_ids: dataset {r} is for a figure this design does not use, or "
                "another dataset named replaces the same figure" for r in unused
            ])  # fmt: skip
    supplier_figures = _figures(session, used)
    return PreparedCalculation(
        design_version_id=version.id, design_digest=version.digest,
        design=_with_overrides(design, supplier_figures), supplier_figures=supplier_figures,
        datasets_used=[(row.id, target) for row, target in used], rule_set=data.rule_set,
        level=data.level, factor_release=library.release_id,
    )  # fmt: skip


def evaluate_calculation(prepared: PreparedCalculation) -> dict[str, Any]:
    """The result of a prepared calculation (no database: the release's bundled library).
    Deterministic: the same prepared inputs give the same result, bit for bit, in any process."""
    library = library_for(prepared.factor_release)
    result = footprint(prepared.design, library, level=prepared.level, rule_set_id=prepared.rule_set).to_dict()  # fmt: skip
    result["supplier_datasets"] = prepared.supplier_figures
    return result


def store_calculation(
    session: Session, actor: Actor, prepared: PreparedCalculation, result: dict[str, Any]
) -> Calculation:
    """Store and audit the calculation of ``prepared`` with its ``result``, in the caller's
    transaction, for ``actor``'s organization."""
    inputs = {
        "design_version_id": str(prepared.design_version_id), "design_digest": prepared.design_digest,
        "design": prepared.design.model_dump(mode="json"), "datasets": prepared.supplier_figures,
        "rule_set": prepared.rule_set, "level": prepared.level, "factor_release": prepared.factor_release,
    }  # fmt: skip
    digest = hashlib.sha256(canonical_json({"inputs": inputs, "result": result}).encode()).hexdigest()  # fmt: skip
    assert actor.organization_id is not None
    row = Calculation(
        organization_id=actor.organization_id, design_version_id=prepared.design_version_id,
        factor_release_id=prepared.factor_release, rule_set=prepared.rule_set, inputs=inputs,
        result=result, total_kgco2e_per_kwh=result["total_kgco2e_per_kwh"],
        primary_share=result["primary_share"], digest=digest, created_by=actor.user_id,
    )  # fmt: skip
    session.add(row)
    session.flush()
    for dataset_id, target in prepared.datasets_used:
        session.add(CalculationInput(calculation_id=row.id, dataset_id=dataset_id, replaced_flow=target))  # fmt: skip
    audit(session, actor, "calculation.created", "calculation", row.id, after={"digest": digest, "total_kgco2e_per_kwh": row.total_kgco2e_per_kwh, "datasets": [f["dataset_id"] for f in prepared.supplier_figures]})  # fmt: skip
    return row


def compute_calculation(
    session: Session, actor: Actor, version: DesignVersion, data: CalculationIn
) -> Calculation:
    """Compute, store and audit a calculation of ``version`` for ``actor``'s organization, in
    the caller's transaction; the caller has checked that the organization owns ``version``.
    Raises before writing anything if the inputs do not fit (rule set, datasets, release)."""
    prepared = prepare_calculation(session, actor, version, data)
    return store_calculation(session, actor, prepared, evaluate_calculation(prepared))


def visible_calculation(session: Session, actor: Actor, calculation_id: uuid.UUID) -> Calculation:
    """The whole calculation, if the actor's organization made it or was asked to verify it.

    A customer it was shared with sees only its declared figures: see
    :func:`batterycarbon.services.calculation_sharing.read_calculation`."""
    row = session.get(Calculation, calculation_id)
    if row is not None and calculation_access(session, actor, row) in ("owner", "verifier"):
        return row
    raise NotFound(f"calculation {calculation_id} not found")


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
                query = query.where(json_text(Calculation.inputs, "design", "chemistry") == filters.chemistry)  # fmt: skip
            if filters.factor_release is not None:
                query = query.where(Calculation.factor_release_id == filters.factor_release)
            if filters.rule_set is not None:
                query = query.where(Calculation.rule_set == filters.rule_set)
            if filters.product_id is not None:
                versions = select(DesignVersion.id).where(DesignVersion.product_id == filters.product_id)  # fmt: skip
                query = query.where(Calculation.design_version_id.in_(versions))
        rows, total = paginate(session, query, filters, (Calculation.created_at, Calculation.id))
        return page_of([calculation_out(r) for r in rows], total, filters)


def list_calculations(session: Session, actor: Actor) -> list[CalculationOut]:
    return find_calculations(session, actor).items


def product_of(session: Session, calculation: Calculation) -> Product:
    return session.get_one(DesignVersion, calculation.design_version_id).product
