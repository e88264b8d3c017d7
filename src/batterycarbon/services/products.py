"""Products (battery models) and their versioned designs.

A design is stored as the validated design document (``battery.Design``); a new version is
added, never edited, so every calculation points at exactly the design it computed.
"""

from __future__ import annotations

import hashlib
import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batterycarbon.battery import parse_design
from batterycarbon.errors import excerpt
from batterycarbon.services.context import Actor, audit, unit_of_work
from batterycarbon.services.errors import Conflict
from batterycarbon.services.lookup import get_visible
from batterycarbon.services.paging import ListQuery, Page, json_text, page_of, paginate, within
from batterycarbon.services.permissions import require_role
from batterycarbon.store import DesignVersion, Product
from batterycarbon.store.audit import canonical_json
from batterycarbon.text import Line

EXAMPLE_DESIGN: dict[str, Any] = {
    "chemistry": "NCM811",
    "format": "prismatic",
    "cell": {"capacity_ah": 100, "nominal_voltage_v": 3.7},
    "pack": {"cells": 162},
    "plants": {"precursor": "CN", "cathode": "KR", "anode": "CN", "cell": "HU", "pack": "DE"},
    "year": 2023,
}


class ProductIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"name": "EV pack 60 kWh", "design": EXAMPLE_DESIGN}]},
    )

    name: Line = Field(min_length=2, max_length=200)
    design: dict[str, Any] = Field(description="A design document (docs/design-format.md)")


class DesignIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"design": EXAMPLE_DESIGN}]}
    )

    design: dict[str, Any]


class DesignVersionOut(BaseModel):
    id: uuid.UUID
    product_id: uuid.UUID
    version: int
    design: dict[str, Any]
    digest: str
    created_at: datetime


class ProductOut(BaseModel):
    id: uuid.UUID
    organization_id: uuid.UUID
    name: str
    designs: list[DesignVersionOut]


def _version_out(row: DesignVersion) -> DesignVersionOut:
    return DesignVersionOut(
        id=row.id,
        product_id=row.product_id,
        version=row.version,
        design=row.design,
        digest=row.digest,
        created_at=row.created_at,
    )


def _product_out(row: Product) -> ProductOut:
    return ProductOut(
        id=row.id,
        organization_id=row.organization_id,
        name=row.name,
        designs=[_version_out(d) for d in row.designs],
    )


def _validated_design(document: dict[str, Any]) -> dict[str, Any]:
    """The design validated by the product model (:class:`InputError` naming each bad field)."""
    return parse_design(document, "design").model_dump(mode="json", exclude_none=True)


def _add_version(
    session: Session, actor: Actor, product: Product, design: dict[str, Any]
) -> DesignVersion:
    latest = session.scalar(
        select(func.max(DesignVersion.version)).where(DesignVersion.product_id == product.id)
    )
    row = DesignVersion(
        product_id=product.id,
        version=(latest or 0) + 1,
        design=design,
        digest=hashlib.sha256(canonical_json(design).encode()).hexdigest(),
        created_by=actor.user_id,
    )
    session.add(row)
    session.flush()
    audit(
        session,
        actor,
        "design.created",
        "design_version",
        row.id,
        after={"product_id": str(product.id), "version": row.version, "digest": row.digest},
    )
    return row


def create_product(session: Session, actor: Actor, data: ProductIn) -> ProductOut:
    """A new product of the actor's (manufacturer) organization with its first design version."""
    with unit_of_work(session):
        require_role(actor, "manufacturer")
        design = _validated_design(data.design)
        taken = session.scalar(
            select(Product.id).where(
                Product.organization_id == actor.organization_id, Product.name == data.name
            )
        )
        if taken:
            raise Conflict(f"name: your organization already has a product {excerpt(data.name)}")
        assert actor.organization_id is not None
        product = Product(
            organization_id=actor.organization_id, name=data.name, created_by=actor.user_id
        )
        session.add(product)
        session.flush()
        audit(session, actor, "product.created", "product", product.id, after={"name": data.name})
        _add_version(session, actor, product, design)
        session.refresh(product)
        return _product_out(product)


def own_product(
    session: Session, actor: Actor, product_id: uuid.UUID, field: str | None = None
) -> Product:
    """One of the actor's organization's products; :class:`NotFound` otherwise, naming
    ``field`` first when the id came from a request's body."""
    return get_visible(
        session,
        Product,
        product_id,
        f"{field + ': ' if field else ''}product {product_id} not found",
        lambda row: row.organization_id == actor.organization_id,
    )


def add_design_version(
    session: Session, actor: Actor, product_id: uuid.UUID, data: DesignIn
) -> DesignVersionOut:
    with unit_of_work(session):
        require_role(actor, "manufacturer")
        product = own_product(session, actor, product_id)
        return _version_out(_add_version(session, actor, product, _validated_design(data.design)))


def get_product(session: Session, actor: Actor, product_id: uuid.UUID) -> ProductOut:
    with unit_of_work(session):
        return _product_out(own_product(session, actor, product_id))


class ProductQuery(ListQuery):
    chemistry: str | None = Field(
        default=None, max_length=20, description="Of any design version", examples=["NCM811"]
    )
    name: str | None = Field(default=None, max_length=200, description="Part of the name, any case")


def find_products(
    session: Session, actor: Actor, filters: ProductQuery | None = None
) -> Page[ProductOut]:
    """The actor's organization's products, by name."""
    with unit_of_work(session):
        query = select(Product).where(Product.organization_id == actor.organization_id)
        if filters is not None:
            query = within(query, Product.created_at, filters)
            if filters.chemistry is not None:
                versions = select(DesignVersion.product_id).where(
                    json_text(DesignVersion.design, "chemistry") == filters.chemistry
                )
                query = query.where(Product.id.in_(versions))
            if filters.name is not None:
                query = query.where(Product.name.icontains(filters.name, autoescape=True))
        rows, total = paginate(session, query, filters, (Product.name, Product.id))
        return page_of([_product_out(p) for p in rows], total, filters)


def list_products(session: Session, actor: Actor) -> list[ProductOut]:
    return find_products(session, actor).items
