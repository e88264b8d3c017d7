"""A believable demo chain for trying the system (``batterycarbon demo-data``).

On an empty database: a platform administrator, a lithium refiner, a CAM maker, a graphite
maker, a cell maker, an OEM, a verifier and a regulator, each with one user (a freshly generated
password, never a fixed one) and one API client; the suppliers' datasets shared with the cell
maker; open data requests (cell maker -> graphite maker, OEM -> CAM maker); a complaint about
a dataset for the regulator; a product whose calculation uses them and has been verified.

Figures are illustrative, chosen inside the bundled library's ranges (open-2024.1), not a real
company's data.
"""

from __future__ import annotations

import uuid

from pydantic import BaseModel
from sqlalchemy.orm import Session

from batterycarbon.services.accounts import (
    ApiClientIn,
    OrganizationIn,
    UserIn,
    authenticate_user,
    bootstrap_admin,
    create_api_client,
    register_organization,
    register_user,
)
from batterycarbon.services.calculations import CalculationIn, calculate_design
from batterycarbon.services.complaints import ComplaintIn, file_complaint
from batterycarbon.services.data_requests import DataRequestIn, request_data
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.datasets import GrantIn, share_dataset, submit_dataset
from batterycarbon.services.factor_releases import import_bundled_releases
from batterycarbon.services.passwords import password_problems
from batterycarbon.services.products import EXAMPLE_DESIGN, ProductIn, create_product
from batterycarbon.services.security import generate_secret
from batterycarbon.services.verifications import (
    DecisionIn,
    FindingIn,
    VerificationIn,
    add_finding,
    decide,
    start_review,
    submit_for_verification,
)

#: (username, organization, country, role)
PARTIES = (
    ("lithium", "Andes Lithium Refining", "CL", "supplier"),
    ("cam", "Hanil Cathode Materials", "KR", "supplier"),
    ("graphite", "Inner Mongolia Graphite", "CN", "supplier"),
    ("cell", "Danube Cell Works", "HU", "manufacturer"),
    ("oem", "Rhein Motors", "DE", "oem"),
    ("verifier", "Nordic Verification", "SE", "verifier"),
    ("regulator", "Battery Market Authority", "BE", "regulator"),
)
#: (supplier username, dataset) shared with the cell maker.
DATASETS = (
    (
        "lithium",
        DatasetIn(
            flow="lithium_hydroxide_brine",
            value=6.1,
            region="CL",
            year=2023,
            dqr=1.75,
            evidence=["andes-pcf-2023.pdf"],
            activity_data={"electricity_kwh_per_kg": 3.2, "natural_gas_mj_per_kg": 21.0},
        ),
    ),  # fmt: skip
    (
        "cam",
        DatasetIn(
            flow="cam_ncm811",
            value=27.9,
            region="KR",
            year=2023,
            dqr=1.5,
            evidence=["hanil-cam-iso14067-2023.pdf", "hanil-plant-meter-readings-2023.xlsx"],
            activity_data={"electricity_kwh_per_kg": 21.0, "lithium_hydroxide_kg_per_kg": 0.43},
        ),
    ),  # fmt: skip
    (
        "graphite",
        DatasetIn(
            flow="graphite_synthetic",
            value=16.5,
            region="CN",
            year=2023,
            dqr=2.0,
            evidence=["img-graphite-2023.pdf"],
            activity_data={"graphitization_kwh_per_kg": 9.5},
        ),
    ),  # fmt: skip
)


#: (buyer, supplier, flow, region, year, message): requests left open for the supplier to answer.
DATA_REQUESTS = (
    (
        "cell",
        "graphite",
        "graphite_natural",
        "CN",
        2024,
        "Natural graphite figure for our 2025 LFP line, please.",
    ),  # fmt: skip
    (
        "oem",
        "cam",
        "cam_ncm811",
        "KR",
        2023,
        "For the OEM pack declaration of the 2025 model year.",
    ),  # fmt: skip
)
#: (complainant, supplier whose dataset it is about, text): one complaint for the regulator.
COMPLAINTS = (
    (
        "cell",
        "graphite",
        "The graphitization energy looks low for a coal-heavy grid; please check the metering period.",
    ),  # fmt: skip
)


#: The demo product: the example design buying its cathode material from Hanil's plant in Korea
#: and its graphite from Inner Mongolia (the plants of the design's cathode and anode steps).
DEMO_DESIGN = {
    **EXAMPLE_DESIGN,
    "supply": {
        "cathode_active_material": {"supplier": "Hanil Cathode Materials"},
        "anode_active_material": {"supplier": "Inner Mongolia Graphite"},
    },
}


class DemoAccount(BaseModel):
    """One organization's credentials, printed once by the CLI."""

    organization: str
    role: str
    username: str
    password: str
    client_id: str
    client_secret: str


class DemoResult(BaseModel):
    accounts: list[DemoAccount]
    product_id: uuid.UUID
    calculation_id: uuid.UUID
    verification_id: uuid.UUID


def _demo_password(username: str) -> str:
    """A generated password the policy accepts: a random secret now and then holds a short
    username such as "oem" (about one load in a hundred), and is drawn again."""
    while True:
        password = generate_secret()
        if not password_problems(password, username):
            return password


def load_demo_data(session: Session) -> DemoResult:
    """Fill an empty database with the demo chain; :class:`Conflict` if it has organizations."""
    import_bundled_releases(session)
    admin_password = _demo_password("admin")
    bootstrap_admin(session, "admin", admin_password)
    admin = authenticate_user(session, "admin", admin_password)
    accounts = [DemoAccount(organization="Platform administration", role="admin", username="admin", password=admin_password, client_id="", client_secret="")]  # fmt: skip
    actors, orgs = {}, {}
    for username, name, country, role in PARTIES:
        org = register_organization(session, admin, OrganizationIn(name=name, country=country, roles=[role]))  # fmt: skip
        password = _demo_password(username)
        register_user(session, admin, UserIn(organization_id=org.id, username=username, password=password, is_org_admin=True))  # fmt: skip
        client = create_api_client(session, admin, ApiClientIn(organization_id=org.id, name=f"{name} integration"))  # fmt: skip
        actors[username], orgs[username] = authenticate_user(session, username, password), org.id
        accounts.append(DemoAccount(organization=name, role=role, username=username, password=password, client_id=client.client_id, client_secret=client.client_secret))  # fmt: skip
    datasets = {}
    for supplier, data in DATASETS:
        dataset = submit_dataset(session, actors[supplier], data)
        share_dataset(session, actors[supplier], dataset.id, GrantIn(organization_id=orgs["cell"]))
        datasets[supplier] = dataset.id
    for buyer, supplier, flow, region, year, message in DATA_REQUESTS:
        request_data(session, actors[buyer], DataRequestIn(supplier_org_id=orgs[supplier], flow=flow, region=region, year=year, message=message))  # fmt: skip
    for complainant, supplier, text in COMPLAINTS:
        file_complaint(session, actors[complainant], ComplaintIn(subject_type="dataset", subject_id=datasets[supplier], text=text))  # fmt: skip
    product = create_product(
        session, actors["cell"], ProductIn(name="EV pack 60 kWh NCM811", design=DEMO_DESIGN)
    )
    calc = calculate_design(session, actors["cell"], CalculationIn(design_version_id=product.designs[0].id))  # fmt: skip
    verification = submit_for_verification(session, actors["cell"], VerificationIn(calculation_id=calc.id, verifier_org_id=orgs["verifier"]))  # fmt: skip
    start_review(session, actors["verifier"], verification.id)
    add_finding(session, actors["verifier"], verification.id, FindingIn(severity="info", text="Supplier figures match their ISO 14067 reports."))  # fmt: skip
    decide(session, actors["verifier"], verification.id, DecisionIn(decision="approve", note="Verified."))  # fmt: skip
    return DemoResult(accounts=accounts, product_id=product.id, calculation_id=calc.id, verification_id=verification.id)  # fmt: skip
