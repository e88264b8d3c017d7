"""The bill of materials with sources: which supplier dataset a calculation uses for each material.

A supplier's dataset is used only where the design's ``supply`` names that supplier for that
material (``docs/design-format.md``). With ``dataset`` pinned, that version; otherwise the newest
approved dataset of the supplier for a flow of the material whose region is the plant and whose
year fits the design's year (:data:`MAX_DATA_AGE_YEARS`). Nothing fitting is an error naming the
material, the supplier and why each of its datasets did not fit; never the library in its place.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, replace
from typing import Any

from pydantic import BaseModel
from sqlalchemy import exists, func, select
from sqlalchemy.orm import Session

from batterycarbon.battery import Design
from batterycarbon.battery.design import STEP_MATERIAL_PLANTS, SupplierSource, read_stored_design
from batterycarbon.battery.supply import material_flows, replaces
from batterycarbon.errors import InputError, excerpt
from batterycarbon.services.context import SYSTEM, Actor, unit_of_work
from batterycarbon.services.factor_releases import release_library
from batterycarbon.services.lookup import get_with_access
from batterycarbon.services.permissions import calculation_access, dataset_access, require
from batterycarbon.store import (
    Alert,
    Calculation,
    DesignVersion,
    Organization,
    Product,
    SharingGrant,
    SupplierDataset,
)

#: How old a supplier's dataset may be for a design: the time representativeness (TiR) of
#: company-specific data in the PEF method, Recommendation (EU) 2021/2279, Annex I (the table
#: rating the DQR criteria of company-specific datasets): TiR 1 when the data are of the most
#: recent annual administration period, 2, 3 and 4 for at most two, three and four periods, 5 if
#: older. This project accepts TiR 3 ("good") or better: the dataset's year is the design's year
#: or at most two years before it; a year after the design's is never used.
MAX_DATA_AGE_YEARS = 2


class DatasetChoice(BaseModel):
    id: uuid.UUID
    flow: str
    version: int
    year: int
    region: str
    status: str


class SupplierChoice(BaseModel):
    """A supplier the actor could name for a material: its plants and datasets it can read."""

    supplier: str
    plants: list[str]
    datasets: list[DatasetChoice]


class CalculationChanges(BaseModel):
    calculation_id: uuid.UUID
    newer_data: list[str]


@dataclass(frozen=True)
class Chosen:
    """The dataset used for a material of the design."""

    material: str
    row: SupplierDataset
    supplier: str
    plant: str
    version: int


def version_of(session: Session, row: SupplierDataset) -> int:
    """1 + the number of datasets ``row`` supersedes (its revision number)."""
    version, current = 1, row
    while current.supersedes_id is not None:
        version += 1
        current = session.get_one(SupplierDataset, current.supersedes_id)
    return version


def _readable(session: Session, actor: Actor, row: SupplierDataset) -> bool:
    return dataset_access(session, actor, row) in ("owner", "grantee")


def _plant_words(material: str) -> str:
    step = STEP_MATERIAL_PLANTS.get(material)
    return f"the design's {step} plant" if step else f"supply.{material}.plant"


def _problem(
    design: Design, material: str, row: SupplierDataset, flows: tuple[str, ...], plant: str
) -> str | None:
    """Why a readable dataset does not fit the material, plant and year (``None``: it fits)."""
    if row.status != "approved":
        return f"dataset {row.id} is {row.status}, not approved"
    if row.flow not in flows:
        return f"dataset {row.id} is for {row.flow}; {material} takes {', '.join(flows)}"
    if row.region != plant:
        return f"dataset {row.id} is for plant {row.region}, {_plant_words(material)} is {plant}"
    if row.year > design.year:
        return f"dataset {row.id} is for {row.year}, after the design's year {design.year}"
    if design.year - row.year > MAX_DATA_AGE_YEARS:
        return (
            f"dataset {row.id} is for {row.year}, more than {MAX_DATA_AGE_YEARS} years before "
            f"the design's year {design.year} (PEF time representativeness)"
        )
    return None


def _supplier(session: Session, material: str, name: str) -> Organization:
    org = session.scalar(select(Organization).where(Organization.name == name))
    if org is None:
        raise InputError(
            "design", [f"supply.{material}.supplier: no organization named {excerpt(name)}"]
        )
    return org


def choose(
    session: Session, actor: Actor, design: Design, material: str, source: SupplierSource
) -> Chosen:
    """The dataset of ``source`` used for ``material``; :class:`InputError` naming
    ``supply.<material>`` and why each of the supplier's datasets does not fit."""
    org = _supplier(session, material, source.supplier)
    flows = material_flows(design).get(material, ())
    plant = design.plant_of(material)
    assert plant is not None  # the design's validation requires it
    where = f"supply.{material}"
    if source.dataset is not None:
        row = session.get(SupplierDataset, source.dataset)
        if row is None or not _readable(session, actor, row) or row.owner_org_id != org.id:
            missing = f"no dataset {source.dataset} of {excerpt(source.supplier)} shared with you"
            raise InputError("design", [f"{where}.dataset: {missing}"])
        candidates = [row]
    else:
        query = select(SupplierDataset).where(
            SupplierDataset.owner_org_id == org.id, SupplierDataset.flow.in_(flows)
        )
        candidates = list(session.scalars(query))
    readable = [row for row in candidates if _readable(session, actor, row)]
    fitting, reasons = [], []
    for row in readable:
        problem = _problem(design, material, row, flows, plant)
        if problem is None:
            fitting.append(row)
        else:
            reasons.append(problem)
    if not fitting:
        hidden = len(candidates) - len(readable)
        if hidden:
            reasons.append(
                f"{hidden} dataset(s) of this supplier for it are not shared with your organization"
            )
        why = "; ".join(reasons) or f"it has no dataset for {', '.join(flows) or material}"
        fits = f"fits {material} at plant {plant} for {design.year}"
        raise InputError(
            "design", [f"{where}: no dataset of {excerpt(source.supplier)} {fits}: {why}"]
        )
    versions = {row.id: version_of(session, row) for row in fitting}
    best = max(fitting, key=lambda r: (r.year, versions[r.id], r.created_at))
    return Chosen(material, best, org.name, plant, versions[best.id])


def _cleared(session: Session, row: SupplierDataset) -> bool:
    """Whether a verifier cleared a review of the dataset (an alert resolved as ``cleared``)."""
    return bool(
        session.scalar(
            select(
                exists().where(
                    Alert.subject_type == "dataset",
                    Alert.subject_id == row.id,
                    Alert.resolution == "cleared",
                )
            )
        )
    )


def figure(session: Session, chosen: Chosen) -> dict[str, Any]:
    """What a calculation records of a dataset it used (stored in its inputs and result)."""
    row = chosen.row
    return {
        "material": chosen.material,
        "supplier": chosen.supplier,
        "supplier_org_id": str(row.owner_org_id),
        "plant": chosen.plant,
        "dataset_id": str(row.id),
        "version": chosen.version,
        "year": row.year,
        "status": row.status,
        "cleared_by_verifier": _cleared(session, row),
        "dqr": row.dqr,
        "flow": row.flow,
        "replaces": replaces(chosen.material, row.flow),
        "value": row.value,
        "unit": row.unit,
        "region": row.region,
    }


def choose_all(session: Session, actor: Actor, design: Design) -> list[Chosen]:
    """The dataset of each material the design buys from a named supplier; every material
    that has none fitting is named in one :class:`InputError`."""
    chosen, problems = [], []
    for material, source in design.supplier_sources().items():
        try:
            chosen.append(choose(session, actor, design, material, source))
        except InputError as exc:
            problems += exc.problems
    if problems:
        raise InputError("design", problems)
    return chosen


def supply_choices(
    session: Session, actor: Actor, design: Design
) -> dict[str, list[SupplierChoice]]:
    """For each purchased material of ``design``: the suppliers whose datasets for it the
    actor's organization can read (its own, or shared with it), their plants and datasets."""
    with unit_of_work(session):
        shared = select(SharingGrant.dataset_id).where(
            SharingGrant.grantee_org_id == actor.organization_id, SharingGrant.revoked_at.is_(None)
        )
        rows = list(
            session.scalars(
                select(SupplierDataset)
                .where(
                    (SupplierDataset.owner_org_id == actor.organization_id)
                    | SupplierDataset.id.in_(shared)
                )
                .order_by(SupplierDataset.year.desc(), SupplierDataset.created_at.desc())
            )
        )
        owners = {r.owner_org_id for r in rows}
        names = {
            o.id: o.name
            for o in session.scalars(select(Organization).where(Organization.id.in_(owners)))
        }
        choices: dict[str, list[SupplierChoice]] = {}
        for material, flows in material_flows(design).items():
            by_supplier: dict[str, list[SupplierDataset]] = {}
            for row in rows:
                if row.flow in flows:
                    by_supplier.setdefault(names[row.owner_org_id], []).append(row)
            choices[material] = [
                SupplierChoice(
                    supplier=name,
                    plants=sorted({r.region for r in found}),
                    datasets=[
                        DatasetChoice(
                            id=r.id,
                            flow=r.flow,
                            version=version_of(session, r),
                            year=r.year,
                            region=r.region,
                            status=r.status,
                        )
                        for r in found
                    ],
                )
                for name, found in sorted(by_supplier.items())
            ]
        return choices


def newer_data(session: Session, actor: Actor, calculation_id: uuid.UUID) -> list[str]:
    """What changed since the calculation was made, one readable line each: a newer fitting
    approved dataset of a supplier its design names (e.g. a fulfilled data request), a
    supplier figure that no longer fits, a newer active factor release, a newer design version.
    Empty: recalculating would give the same inputs."""
    with unit_of_work(session):
        calc, access = get_with_access(
            session,
            Calculation,
            calculation_id,
            f"calculation {calculation_id} not found",
            lambda row: calculation_access(session, actor, row),
        )
        require(
            access == "owner",
            "only the organization that made the calculation sees what changed since",
        )
        version = session.get_one(DesignVersion, calc.design_version_id)
        design = read_stored_design(version.design)  # also one stored before a later rule
        lines = []
        used = {d.get("material"): d for d in calc.inputs.get("datasets", [])}
        for material, source in design.supplier_sources().items():
            before = used.get(material)
            try:
                now = choose(session, actor, design, material, source)
            except InputError as exc:
                lines.append(
                    f"{material}: the supplier data no longer fits ({'; '.join(exc.problems)})"
                )
                continue
            if before is None or before["dataset_id"] != str(now.row.id):
                was = (
                    f"dataset {before['dataset_id']} version {before['version']} ({before['year']})"
                    if before and "version" in before
                    else "another dataset"
                )
                lines.append(
                    f"{material}: {now.supplier} has dataset {now.row.id} version {now.version} "
                    f"({now.row.year}) for plant {now.plant}; this calculation used {was}"
                )
        active = release_library(session, None).release_id
        if active != calc.factor_release_id:
            lines.append(
                f"factor release {active} is active; this calculation used {calc.factor_release_id}"
            )
        newest = session.scalar(
            select(func.max(DesignVersion.version)).where(
                DesignVersion.product_id == version.product_id
            )
        )
        if newest is not None and newest > version.version:
            lines.append(
                f"design version {newest} is newer than version {version.version} calculated"
            )
        return lines


@dataclass(frozen=True)
class StoredFootprint:
    """A product's latest stored calculation with the datasets it used and what changed since."""

    product: str
    organization: str
    calculation: Calculation
    newer_data: list[str]


def stored_footprint(
    session: Session, product: str, organization: str | None = None
) -> StoredFootprint:
    """The latest calculation of the product named (or with the id) ``product``, of the
    organization named ``organization`` if given: for an operator reading the database (the
    CLI), not a web or API user. :class:`InputError` naming ``--product`` when there is no such
    product, several organizations have one of that name, or it has no calculation."""
    with unit_of_work(session):
        query = select(Product, Organization).join(
            Organization, Product.organization_id == Organization.id
        )
        try:
            query = query.where(Product.id == uuid.UUID(product))
        except ValueError:
            query = query.where(Product.name == product)
        if organization is not None:
            query = query.where(Organization.name == organization)
        found = session.execute(query).all()
        if not found:
            where = f" of organization {excerpt(organization)}" if organization else ""
            raise InputError("--product", [f"no product {excerpt(product)}{where}"])
        if len(found) > 1:
            names = ", ".join(sorted(excerpt(o.name) for _, o in found))
            raise InputError(
                "--product",
                [f"{excerpt(product)} names products of {names}: add --organization NAME"],
            )
        ((row, org),) = found
        versions = select(DesignVersion.id).where(DesignVersion.product_id == row.id)
        calc = session.scalar(
            select(Calculation)
            .where(Calculation.design_version_id.in_(versions))
            .order_by(Calculation.created_at.desc(), Calculation.id)
            .limit(1)
        )
        if calc is None:
            raise InputError(
                "--product",
                [
                    f"product {excerpt(row.name)} has no stored calculation yet: calculate it on its product page or with POST /calculations"
                ],
            )
    on_behalf = replace(SYSTEM, organization_id=org.id)
    return StoredFootprint(row.name, org.name, calc, newer_data(session, on_behalf, calc.id))
