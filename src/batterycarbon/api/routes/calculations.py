"""Calculations: compute a stored design with shared supplier data; read results."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status

from batterycarbon.api.deps import ActorDep, SessionDep
from batterycarbon.services import calculations
from batterycarbon.services.calculations import CalculationIn, CalculationOut

router = APIRouter(tags=["calculations"])


@router.get("/calculations", response_model=list[CalculationOut])
def list_calculations(session: SessionDep, actor: ActorDep) -> list[CalculationOut]:
    return calculations.list_calculations(session, actor)


@router.post("/calculations", response_model=CalculationOut, status_code=status.HTTP_201_CREATED)
def calculate(session: SessionDep, actor: ActorDep, body: CalculationIn) -> CalculationOut:
    return calculations.calculate_design(session, actor, body)


@router.get("/calculations/{calculation_id}", response_model=CalculationOut)
def get_calculation(session: SessionDep, actor: ActorDep, calculation_id: uuid.UUID) -> CalculationOut:  # fmt: skip
    return calculations.get_calculation(session, actor, calculation_id)
