"""Persistence: SQLAlchemy 2.0 models, engine and sessions, Alembic migrations, the audit chain.

SQLite is the embedded default, PostgreSQL the production database. Nothing above ``store/``
writes SQL: services use these models through a :class:`~sqlalchemy.orm.Session`.
"""

from batterycarbon.store.accounts import ROLES, ApiClient, Organization, User
from batterycarbon.store.audit import (
    AuditEvent,
    ChainReport,
    append_event,
    install_anchor_writer,
    verify_chain,
)
from batterycarbon.store.base import Base
from batterycarbon.store.class_tables import CLASS_TABLE_STATUSES, ClassTableVersion
from batterycarbon.store.db import (
    database_url,
    default_database_path,
    describe_url,
    make_engine,
    session_factory,
)
from batterycarbon.store.declarations import IssuedDeclaration
from batterycarbon.store.exchange import (
    COMPLAINT_STATUSES,
    DATA_REQUEST_STATUSES,
    Complaint,
    DataRequest,
)
from batterycarbon.store.idempotency import IdempotencyRecord
from batterycarbon.store.jobs import JOB_STATES, Job
from batterycarbon.store.migrate import downgrade, upgrade
from batterycarbon.store.passports import PASSPORT_STATUSES, UNIT_KINDS, Passport
from batterycarbon.store.records import (
    DATASET_STATUSES,
    DesignVersion,
    FactorRelease,
    Product,
    SharingGrant,
    SupplierDataset,
)
from batterycarbon.store.workflow import (
    VERIFICATION_STATES,
    Alert,
    Calculation,
    CalculationGrant,
    CalculationInput,
    Finding,
    Verification,
)
from batterycarbon.store.write_once import ImmutableRecordError

install_anchor_writer()

__all__ = [
    "CLASS_TABLE_STATUSES",
    "COMPLAINT_STATUSES",
    "ClassTableVersion",
    "Complaint",
    "DATA_REQUEST_STATUSES",
    "DataRequest",
    "DATASET_STATUSES",
    "ROLES",
    "VERIFICATION_STATES",
    "Alert",
    "ApiClient",
    "AuditEvent",
    "Base",
    "Calculation",
    "CalculationGrant",
    "CalculationInput",
    "ChainReport",
    "DesignVersion",
    "FactorRelease",
    "Finding",
    "IdempotencyRecord",
    "ImmutableRecordError",
    "IssuedDeclaration",
    "JOB_STATES",
    "Job",
    "Organization",
    "PASSPORT_STATUSES",
    "Passport",
    "UNIT_KINDS",
    "Product",
    "SharingGrant",
    "SupplierDataset",
    "User",
    "Verification",
    "append_event",
    "database_url",
    "default_database_path",
    "describe_url",
    "downgrade",
    "make_engine",
    "session_factory",
    "upgrade",
    "verify_chain",
]
