"""PACT v3 as a client: pull a supplier's footprints from a host, keep them as supplier datasets.

:func:`pull_footprints` gets an access token (RFC 6749 client credentials by HTTP Basic, PACT
Action Authenticate), calls Action ListFootprints and follows the RFC 8288 ``Link: <...>;
rel="next"`` pages to the end. :func:`import_footprints` turns each footprint into a
:class:`~batterycarbon.services.dataset_input.DatasetIn` and stores it through
:func:`~batterycarbon.services.datasets.store_dataset`, so the library, evidence and
plausibility rules of every other submission apply; all footprints of a run are stored, or none
(every problem is named with the footprint it belongs to). The same import takes the
footprints of a RequestFulfilled event (``services.pact_exchange.receive_event``).

How a footprint becomes a dataset:

- owner: the organization the footprint belongs to, found by a ``urn:uuid:<organization id>``
  among its ``companyIds``, else by its ``companyName`` (exactly one organization of that
  name); it must hold the ``supplier`` role. A run may be restricted to one organization.
- flow: the library flow the recipient maps one of its ``productIds`` to, or a product
  classification ``urn:batterycarbon:flow:<flow>`` that the data owner put on the footprint.
- value: ``pcfExcludingBiogenicUptake / declaredUnitAmount`` in kg CO2e per declared unit; a
  footprint per ``kilogram`` is used as it is; any other declared unit is divided by
  ``productMassPerDeclaredUnit`` (kg of product per declared unit), because supplier datasets
  are per kg of material.
- region: ``geographyCountry``, the country of ``geographyCountrySubdivision``, or ``GLO``
  for ``geographyRegionOrSubregion`` ``Global`` / no geography; ``EUROPE`` for ``Europe``;
  other regions are refused. Year: the year of ``referencePeriodStart``.
- dqr: the mean of the ``dqi`` ratings given (technological, temporal, geographical and, where
  present, completeness and reliability), as the PEF data-quality rating averages its criteria;
  a footprint without ``dqi`` is refused (a dataset needs a rating).
- evidence: the footprint's URL (or the event it came in) plus nothing else, so a figure rated
  better than 1.6 (which needs meter readings or invoices) is refused as any submission is.
- activity data: ``pact_footprint_id``, ``pact_source``, ``pact_company_name``,
  ``pact_declared_unit`` and ``primary_data_share_percent`` where given.

A footprint already stored for the organization (same ``pact_footprint_id``, not superseded)
with the same flow, value, region and year is skipped; with other figures it is refused (revise
that dataset instead).

References
----------
WBCSD PACT, Technical Specifications for PCF Data Exchange, version 3.0 (spec/v3/rest-api.md:
Authentication Flow, Action Authenticate, Action ListFootprints with Pagination; data model in
spec/v3/openapi.yaml). RFC 6749 sections 2.3.1 and 4.4; RFC 8288.
"""

from __future__ import annotations

import base64
import json
import math
import re
import ssl
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from batterycarbon.compliance.pact_v3 import validate_product_footprint_v3
from batterycarbon.errors import (
    EXCERPT_CHARS,
    BatteryCarbonError,
    InputError,
    excerpt,
    validation_problems,
)
from batterycarbon.services.context import Actor, unit_of_work
from batterycarbon.services.dataset_input import DatasetIn
from batterycarbon.services.datasets import dataset_problems, store_dataset
from batterycarbon.services.factor_releases import release_library
from batterycarbon.services.paging import json_text
from batterycarbon.store import Organization, SupplierDataset, User
from batterycarbon.text import problem_lines

URN_UUID = "urn:uuid:"
FLOW_URN = "urn:batterycarbon:flow:"
#: The ListFootprints page size asked for; the host may answer fewer.
PAGE_LIMIT = 50
#: Pages followed at most in one run (a host whose links never end is an error, not a hang).
MAX_PAGES = 1000
DQI_KEYS = ("technologicalDQR", "temporalDQR", "geographicalDQR", "completenessDQR", "reliabilityDQR")  # fmt: skip
REGIONS = {"global": "GLO", "europe": "EUROPE"}
NEXT_LINK = re.compile(r'<(?P<url>[^>]*)>\s*;(?:[^,]*?;)?\s*rel="?next"?', re.IGNORECASE)


class PactClientError(BatteryCarbonError):
    """The host could not be reached or did not answer as the specification says."""


# --------------------------------------------------------------------------- HTTP (client side)


@dataclass(frozen=True)
class HttpAnswer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self, what: str) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            raise PactClientError(f"{what}: the answer (HTTP {self.status}) is not JSON") from None


def _http(request: urllib.request.Request, context: ssl.SSLContext | None, timeout: float) -> HttpAnswer:  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:  # noqa: S310 - http(s) only, checked by _check_url
            return HttpAnswer(response.status, {k.lower(): v for k, v in response.headers.items()}, response.read())  # fmt: skip
    except urllib.error.HTTPError as exc:
        return HttpAnswer(exc.code, {k.lower(): v for k, v in exc.headers.items()}, exc.read())
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise PactClientError(f"{request.full_url}: cannot connect ({reason})") from None


def _check_url(url: str, option: str) -> str:
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise InputError(option, [f"{option}: {excerpt(url)} is not an http(s) URL"])
    return url


@dataclass
class PactHost:
    """One host's token endpoint and footprints, over HTTP(S) with the standard library.

    ``ca_file`` trusts that certificate bundle (a host with its own certificate authority or a
    self-signed certificate); the system's trust store otherwise."""

    base_url: str
    token_url: str
    client_id: str
    client_secret: str
    ca_file: str | None = None
    timeout_seconds: float = 30.0
    scopes: tuple[str, ...] = ("footprint:list",)
    page_limit: int = PAGE_LIMIT
    _context: ssl.SSLContext | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        _check_url(self.base_url, "URL")
        _check_url(self.token_url, "--token-url")
        problems = [f"{name}: required" for name, value in (("--client-id", self.client_id), ("--client-secret", self.client_secret)) if not value]  # fmt: skip
        if problems:
            raise InputError("pact-pull", problems)
        if self.ca_file is not None:
            try:
                self._context = ssl.create_default_context(cafile=self.ca_file)
            except (OSError, ssl.SSLError) as exc:
                raise InputError("--ca-file", [f"--ca-file: {self.ca_file}: not a readable PEM certificate bundle ({exc})"]) from None  # fmt: skip

    def access_token(self) -> str:
        """Action Authenticate: a bearer token for the client, asking for ``scopes``."""
        credentials = f"{urllib.parse.quote_plus(self.client_id)}:{urllib.parse.quote_plus(self.client_secret)}"  # fmt: skip
        form = urllib.parse.urlencode({"grant_type": "client_credentials", "scope": " ".join(self.scopes)}).encode()  # fmt: skip
        request = urllib.request.Request(self.token_url, data=form, method="POST", headers={
            "Authorization": "Basic " + base64.b64encode(credentials.encode()).decode(),
            "Content-Type": "application/x-www-form-urlencoded", "Accept": "application/json",
        })  # fmt: skip
        answer = _http(request, self._context, self.timeout_seconds)
        body = answer.json("token endpoint")
        if answer.status != 200:
            error = body.get("error") if isinstance(body, dict) else None
            detail = body.get("error_description") if isinstance(body, dict) else None
            raise PactClientError(f"token endpoint {self.token_url}: HTTP {answer.status} {error or ''}{f' ({detail})' if detail else ''}".rstrip())  # fmt: skip
        token = body.get("access_token") if isinstance(body, dict) else None
        if not isinstance(token, str) or not token:
            raise PactClientError(f"token endpoint {self.token_url}: no access_token in the answer")
        return token

    def get(self, url: str, token: str) -> HttpAnswer:
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})  # fmt: skip
        return _http(request, self._context, self.timeout_seconds)


def next_link(header: str | None) -> str | None:
    """The target of the ``rel="next"`` link of an RFC 8288 ``Link`` header, if any."""
    if not header:
        return None
    match = NEXT_LINK.search(header)
    return match["url"] if match else None


def _pact_error(answer: HttpAnswer, url: str) -> PactClientError:
    try:
        body = json.loads(answer.body)
    except ValueError:
        body = None
    if isinstance(body, dict) and "code" in body:
        return PactClientError(f"{url}: HTTP {answer.status} {body.get('code')}: {body.get('message', '')}")  # fmt: skip
    return PactClientError(f"{url}: HTTP {answer.status}")


@dataclass(frozen=True)
class PulledFootprint:
    """A footprint as received, with where it came from (its URL on the host)."""

    reference: str
    document: Any


def pull_footprints(host: PactHost, token: str | None = None) -> list[PulledFootprint]:
    """Every footprint the client may list, following ``rel="next"`` links to the end."""
    token = token or host.access_token()
    base = host.base_url.rstrip("/")
    url: str | None = f"{base}/3/footprints?limit={host.page_limit}"
    pulled: list[PulledFootprint] = []
    seen: set[str] = set()
    for _ in range(MAX_PAGES):
        if url is None:
            return pulled
        if url in seen:
            raise PactClientError(f"{url}: the host's next link points back to a page already read")  # fmt: skip
        seen.add(url)
        answer = host.get(url, token)
        if answer.status not in (200, 202):
            raise _pact_error(answer, url)
        body = answer.json(url)
        if not isinstance(body, dict) or not isinstance(body.get("data"), list):
            raise PactClientError(f"{url}: expected a JSON object with a list 'data'")
        for document in body["data"]:
            pf_id = document.get("id") if isinstance(document, dict) else None
            pulled.append(PulledFootprint(f"{base}/3/footprints/{pf_id}", document))
        following = next_link(answer.headers.get("link"))
        url = urllib.parse.urljoin(url, following) if following else None
    raise PactClientError(f"{host.base_url}: more than {MAX_PAGES} pages; stopped")


# ------------------------------------------------------------------- footprint -> supplier dataset


def _decimal(value: Any) -> Decimal | None:
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    return number if number.is_finite() else None


def _region(pcf: dict[str, Any], problems: list[str], where: str) -> str:
    if "geographyCountry" in pcf:
        return str(pcf["geographyCountry"])
    if "geographyCountrySubdivision" in pcf:
        return str(pcf["geographyCountrySubdivision"]).split("-", 1)[0].upper()
    region = pcf.get("geographyRegionOrSubregion")
    if region is None:
        return "GLO"
    mapped = REGIONS.get(str(region).strip().lower())
    if mapped is None:
        problems.append(
            f"{where}pcf.geographyRegionOrSubregion: {excerpt(region)} has no region in the factor library (use geographyCountry, Europe or Global)"
        )
        return "GLO"
    return mapped


def _flow(document: dict[str, Any], flows: dict[str, str], problems: list[str], where: str) -> str:
    by_product = {flows[p.lower()] for p in document.get("productIds", []) if p.lower() in flows}
    by_class = {
        c[len(FLOW_URN) :] for c in document.get("productClassifications", [])
        if isinstance(c, str) and c.lower().startswith(FLOW_URN)
    }  # fmt: skip
    found = by_product or by_class
    if len(found) == 1:
        return found.pop()
    if not found:
        problems.append(
            f"{where}productIds: {excerpt(document.get('productIds', []))} mapped to no library flow (map a product id to a flow, or classify the footprint {FLOW_URN}<flow>)"
        )
    else:
        problems.append(f"{where}productIds: mapped to several flows ({', '.join(sorted(found))}); map the footprint to one")  # fmt: skip
    return ""


def footprint_dataset(
    document: dict[str, Any], flows: dict[str, str], reference: str, where: str
) -> tuple[DatasetIn | None, list[str]]:
    """The supplier dataset a schema-valid v3 footprint gives, or the problems (prefixed
    ``where``) why it gives none; see the module text for the mapping."""
    problems: list[str] = []
    pcf = document["pcf"]
    flow = _flow(document, {k.lower(): v for k, v in flows.items()}, problems, where)
    pcf_value = _decimal(pcf["pcfExcludingBiogenicUptake"])
    amount = _decimal(pcf["declaredUnitAmount"])
    unit = pcf["declaredUnitOfMeasurement"]
    value: Decimal | None = None
    if pcf_value is None or amount is None or amount <= 0:
        problems.append(f"{where}pcf.pcfExcludingBiogenicUptake: not a decimal footprint per declared unit")  # fmt: skip
    elif unit == "kilogram":
        value = pcf_value / amount
    else:
        mass = _decimal(pcf.get("productMassPerDeclaredUnit"))
        if mass is None or mass <= 0:
            problems.append(
                f"{where}pcf.productMassPerDeclaredUnit: {excerpt(pcf.get('productMassPerDeclaredUnit'))}: a positive mass is needed to turn a footprint per {unit} into kg CO2e / kg (supplier datasets are per kg of material)"
            )
        else:
            value = pcf_value / amount / mass
    ratings = [_decimal(v) for k, v in (pcf.get("dqi") or {}).items() if k in DQI_KEYS]
    if not ratings or any(r is None for r in ratings):
        problems.append(f"{where}pcf.dqi: required with decimal ratings (a supplier dataset needs a data-quality rating)")  # fmt: skip
        dqr = 0.0
    else:
        dqr = round(float(sum(r for r in ratings if r is not None) / len(ratings)), 3)
    region = _region(pcf, problems, where)
    activity: dict[str, float | str] = {
        "pact_footprint_id": str(document["id"]), "pact_source": reference,
        "pact_company_name": str(document["companyName"]), "pact_declared_unit": str(unit),
    }  # fmt: skip
    share = _decimal(pcf.get("primaryDataShare"))
    if share is not None:
        activity["primary_data_share_percent"] = float(share)
    if problems or value is None:
        return None, problems
    try:
        data = DatasetIn(
            flow=flow, value=float(value), unit="kg CO2e / kg", region=region,
            year=int(str(pcf["referencePeriodStart"])[:4]), dqr=dqr,
            evidence=[f"PACT v3 ProductFootprint {reference}"], activity_data=activity,
        )  # fmt: skip
    except ValidationError as exc:
        return None, [f"{where}{p}" for p in validation_problems(exc)]
    if not math.isfinite(data.value):
        return None, [f"{where}pcf.pcfExcludingBiogenicUptake: not a finite value"]
    return data, []


def _belongs_to(document: dict[str, Any], org: Organization) -> bool:
    ids = {c.lower() for c in document.get("companyIds", [])}
    return f"{URN_UUID}{org.id}" in ids or document.get("companyName") == org.name


def _owner(session: Session, document: dict[str, Any]) -> Organization | None:
    for company in document.get("companyIds", []):
        if company.lower().startswith(URN_UUID):
            try:
                org = session.get(Organization, uuid.UUID(company[len(URN_UUID) :]))
            except ValueError:
                continue
            if org is not None:
                return org
    named = session.scalars(select(Organization).where(Organization.name == document.get("companyName"))).all()  # fmt: skip
    return named[0] if len(named) == 1 else None


def organization_actor(org: Organization, user: User | None = None) -> Actor:
    """Who stores a footprint for ``org``: its user when one is named, else the system acting
    for the organization (the operator running the command, or the host's event handler)."""
    if user is not None:
        return Actor(kind="user", name=user.username, organization_id=org.id, roles=frozenset(org.roles), user_id=user.id, is_org_admin=user.is_org_admin)  # fmt: skip
    return Actor(kind="system", name="system", organization_id=org.id, roles=frozenset(org.roles))


@dataclass(frozen=True)
class ImportedDataset:
    footprint_id: str
    organization: str
    dataset_id: uuid.UUID
    flow: str
    value_kgco2e_per_kg: float
    region: str
    year: int
    dqr: float
    status: str  # approved, flagged (plausibility alert raised) or unchanged (already stored)


@dataclass(frozen=True)
class ImportReport:
    datasets: list[ImportedDataset]

    @property
    def stored(self) -> int:
        return sum(1 for d in self.datasets if d.status != "unchanged")


def _already_stored(session: Session, org: Organization, footprint_id: str) -> SupplierDataset | None:  # fmt: skip
    query = select(SupplierDataset).where(
        SupplierDataset.owner_org_id == org.id,
        SupplierDataset.status != "superseded",
        json_text(SupplierDataset.activity_data, "pact_footprint_id") == footprint_id,
    ).order_by(SupplierDataset.created_at.desc())  # fmt: skip
    return session.scalars(query).first()


def import_footprints(
    session: Session,
    footprints: list[PulledFootprint],
    flows: dict[str, str] | None = None,
    *,
    organization: Organization | None = None,
    actor_for: Callable[[Organization], Actor] = organization_actor,
    source: str = "PACT footprints",
) -> ImportReport:
    """Validate every footprint against the v3 schema, map it to a supplier dataset of the
    organization it belongs to (``organization`` only, if given) and store them all, or none:
    :class:`InputError` lists every problem as ``footprint <id>: field: problem``."""
    flows = flows or {}
    problems: list[str] = []
    planned: list[tuple[str, Organization, DatasetIn, SupplierDataset | None]] = []
    with unit_of_work(session):
        library = release_library(session, None)
        seen: set[tuple[uuid.UUID, str]] = set()
        for number, pulled in enumerate(footprints, 1):
            pf_id = pulled.document.get("id") if isinstance(pulled.document, dict) else None
            short_id = isinstance(pf_id, str) and len(pf_id) <= EXCERPT_CHARS
            where = (
                f"footprint {pf_id if short_id else excerpt(pf_id) if pf_id else f'#{number}'}: "
            )
            # Another host's JSON: its escapes may make characters no text may hold (text.py).
            if bad_text := problem_lines(pulled.document):
                problems.extend(f"{where}{p}" for p in bad_text)
                continue
            try:
                document = validate_product_footprint_v3(pulled.document, source)
            except InputError as exc:
                problems.extend(f"{where}{p}" for p in exc.problems)
                continue
            owner = organization if organization is not None and _belongs_to(document, organization) else None  # fmt: skip
            if organization is None:
                owner = _owner(session, document)
            if owner is None:
                target = f"organization {organization.name!r}" if organization is not None else "an organization on this platform (urn:uuid:<organization id> or its exact name)"  # fmt: skip
                problems.append(
                    f"{where}companyIds: {excerpt(document['companyIds'])} ({excerpt(document['companyName'])}) is not {target}"
                )
                continue
            if "supplier" not in owner.roles:
                problems.append(f"{where}companyIds: organization {owner.name!r} does not hold the supplier role, so it has no supplier datasets")  # fmt: skip
                continue
            if (owner.id, document["id"]) in seen:
                problems.append(f"{where}id: the same footprint is listed twice")
                continue
            seen.add((owner.id, document["id"]))
            data, found = footprint_dataset(document, flows, pulled.reference, where)
            if data is None:
                problems.extend(found)
                continue
            problems.extend(dataset_problems(library, data, where))
            existing = _already_stored(session, owner, document["id"])
            if existing is not None and (existing.flow, existing.region, existing.year) == (data.flow, data.region, data.year) and math.isclose(existing.value, data.value, rel_tol=1e-12):  # fmt: skip
                planned.append((document["id"], owner, data, existing))
            elif existing is not None:
                problems.append(f"{where}id: already stored as dataset {existing.id} with other figures; revise that dataset")  # fmt: skip
            else:
                planned.append((document["id"], owner, data, None))
        if problems:
            raise InputError(source, problems)
        imported = []
        for pf_id, owner, data, existing in planned:
            row = existing or store_dataset(session, actor_for(owner), library, data)
            imported.append(ImportedDataset(
                footprint_id=pf_id, organization=owner.name, dataset_id=row.id, flow=row.flow,
                value_kgco2e_per_kg=row.value, region=row.region, year=row.year, dqr=row.dqr,
                status="unchanged" if existing is not None else row.status,
            ))  # fmt: skip
        return ImportReport(imported)


def resolve_target(session: Session, name: str) -> tuple[Organization, User | None]:
    """``--as``: a username (that user's organization, stored in the user's name) or an
    organization's exact name; :class:`InputError` naming the option otherwise."""
    with unit_of_work(session):
        user = session.scalar(select(User).where(User.username == name))
        if user is not None:
            if not user.is_active:
                raise InputError("--as", [f"--as: user {excerpt(name)} is inactive"])
            return session.get_one(Organization, user.organization_id), user
        orgs = session.scalars(select(Organization).where(func.lower(Organization.name) == name.lower())).all()  # fmt: skip
        if len(orgs) != 1:
            raise InputError(
                "--as",
                [
                    f"--as: {excerpt(name)} is no username and {'several' if orgs else 'no'} organization{'s' if orgs else ''} of that name"
                ],
            )
        return orgs[0], None


def pull_and_import(
    session: Session,
    host: PactHost,
    flows: dict[str, str] | None = None,
    as_name: str | None = None,
) -> ImportReport:
    """``batterycarbon pact-pull``: pull every footprint of ``host`` and store them (or none)."""
    organization, user = resolve_target(session, as_name) if as_name else (None, None)
    footprints = pull_footprints(host)

    def actor_for(org: Organization) -> Actor:
        return organization_actor(org, user)

    return import_footprints(
        session, footprints, flows, organization=organization, actor_for=actor_for,
        source=f"PACT pull from {host.base_url}",
    )  # fmt: skip
