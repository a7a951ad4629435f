"""Excessive data collection: personal data collected with no declared purpose, special-category data,
free-text fields that invite personal data, and personal data hiding in fields named for something else.

Reads the fields a system declares (SQL DDL, SQLAlchemy and Django models, OpenAPI / JSON Schema, HTML
forms; see :mod:`trustops.audit.fields`) and the sample values next to them, and compares them with the data
inventory (``--inventory FILE``), which declares a purpose per field (:mod:`trustops.audit.inventory`). A
field's inventory entry is looked up as ``container.field`` (``users.email``, ``Customer.email``, the form
or schema name), under the container's other names (Django ``db_table``, the model class), as the stored
column name, and as the bare field name; ``*.email`` patterns match any container.

Rules (GDPR Art. 5(1)(c) data minimisation, Art. 9 special categories, Art. 30 records of processing;
trustops ``rules.md`` §7; categories named in the fideslang vocabulary):

``collection/undeclared-personal-data`` — **medium**
    A personal-data field (e-mail, phone, postal address, postcode, a person's name, IP address, precise
    location, device or advertising id, bank account, card number, marital status) with no inventory entry
    declaring its purpose. Without any inventory file, every such field is reported (per field, not per
    file: the fix is one inventory entry each). Why: Art. 5(1)(c) allows only data adequate and limited to
    what a purpose needs; a field nobody can name a purpose for should not be collected.
``collection/undeclared-special-category`` — **high**
    Special-category data under Art. 9(1) (health, religion, ethnicity/race, political opinion, sexual
    orientation, genetic, biometric, trade-union membership; criminal records under Art. 10) or data
    rules.md §7 treats as sensitive (gender, date of birth, national and government ids) with no inventory
    entry declaring a purpose. Processing it is prohibited unless an Art. 9(2) condition applies.
``collection/special-category-for-marketing`` — **medium**
    Special-category or sensitive data whose declared purpose is marketing, advertising, analytics,
    personalisation or sharing (fideslang ``marketing.*``, ``analytics``, ``personalize``,
    ``third_party_sharing``): such uses need explicit consent (Art. 9(2)(a)) and are rarely necessary.
    A special-category field declared for an essential purpose is not reported.
``collection/free-text`` — **low**
    A free-text field (notes, comments, message, description, instructions, bio… stored as TEXT, a long or
    unbounded string, a ``<textarea>``) on a record about a person (customers, patients, tickets, orders,
    bookings; or a table/form/schema holding other personal data). People type health details, card numbers
    and third parties' data into such boxes; nothing limits what is collected (rules.md §7 "free text holding
    PII"). Reported whether or not the inventory declares it: a declaration does not limit what people type.
``collection/hidden-personal-data`` — **medium**, **high** for card numbers and national ids
    A sample value (SQL ``INSERT``, OpenAPI ``example``, a JSON fixture beside a schema, a form placeholder or
    value) holding an e-mail address, phone number, IBAN, card number or national id in a field whose name
    does not say so (``contact``, ``ref``, ``notes``). Reviews and inventories go by names; this is personal
    data nobody sees. Not reported when the inventory declares the field with a purpose. Values are found by
    :func:`trustops.listen.redact.redact` (checksums for IBANs, cards and national ids); IP addresses are not
    sampled (version numbers look like them).

What is not reported (near misses, by design):

- technical fields: primary keys, foreign keys (``user_id REFERENCES users``, ``ForeignKey``), and names whose
  other words say they are not the value itself: ``_id``/``_key``/``_uuid``, hashed or pseudonymised forms
  (``email_hash``, ``hashed_email``, ``phone_sha256``, ``user_key``), flags and metadata (``email_verified``,
  ``is_email_confirmed``, ``email_opt_in``, ``phone_type``, ``email_count``, ``*_at`` timestamps), and
  configuration (``ip_allowlist``, ``smtp_from_email``, ``server_ip``, ``bind_address``, ``health_check_url``).
  Special categories keep ``_id``, ``_status``, ``is_``/``has_`` and timestamps (``religion_id`` referencing a
  lookup table, ``is_pregnant``, ``vaccinated_at`` still hold the data);
- places, organisations and animals: addresses, phones, e-mails, names and coordinates of stores, clinics,
  warehouses, offices, suppliers, companies, pets… are not personal data (special categories still count);
- technical records: ``health``, ``diagnosis`` and the like on components, servers, checks, jobs, incidents;
- ambiguous words alone: ``name``, ``display_name``, ``address``, ``mobile``, ``lat``, ``zip``, ``race``,
  ``health`` count only on a container *named* for people (``customers.name``, not ``products.name`` nor
  ``notification_routes.name``) or with a word that makes them personal (``billing_address``, ``first_name``);
  ``line1``, ``city``… count in an ``addresses`` table; ``fingerprint`` alone, ``orientation``, ``party``,
  ``union`` and ``condition`` are never read as special categories;
- free text on records not about people (``products.description``, ``incidents.description``), short strings
  (under 100 characters), and system text (``error_message``, ``status_message``, ``seo_description``).

A field declared in several places under the same container and name (a ``.sql`` schema and a model of the
same table) is reported once, at the first place in path order.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from trustops.audit.fields import Declared, DeclaredField, Sample, read
from trustops.audit.findings import Finding, Location, Severity, quote
from trustops.audit.inventory import Inventory, InventoryEntry
from trustops.audit.scanner import Context, Family
from trustops.listen.redact import redact

UNDECLARED = "collection/undeclared-personal-data"
SPECIAL = "collection/undeclared-special-category"
SPECIAL_MARKETING = "collection/special-category-for-marketing"
FREE_TEXT = "collection/free-text"
HIDDEN = "collection/hidden-personal-data"

GDPR_5 = "GDPR Art. 5(1)(c) data minimisation: https://gdpr-info.eu/art-5-gdpr/"
GDPR_9 = "GDPR Art. 9 special categories of personal data: https://gdpr-info.eu/art-9-gdpr/"
GDPR_30 = "GDPR Art. 30 records of processing (purposes per category): https://gdpr-info.eu/art-30-gdpr/"
CPRA = "CCPA/CPRA Cal. Civ. Code §1798.100(a) and (c): collection reasonably necessary for disclosed purposes"
FIDES = "fideslang data categories and uses: https://ethyca.github.io/fideslang/"
RULES = "trustops reference/rules.md §7 (data minimisation)"
ICO_MINIMISATION = (
    "ICO, data minimisation: https://ico.org.uk/for-organisations/uk-gdpr-guidance-and-resources/"
    "data-protection-principles/a-guide-to-the-data-protection-principles/data-minimisation/"
)
PCI = "PCI DSS v4.0 Requirement 3: protect stored account data (no readable card numbers)"

MIN_FREE_TEXT = 100  # characters: shorter strings are codes, labels and one-line answers


@dataclass(frozen=True)
class Kind:
    id: str
    label: str  # "an e-mail address"
    category: str  # fideslang
    special: bool = False
    basis: str = ""  # why it is special: "GDPR Art. 9(1)", "sensitive per rules.md §7"


_ART9 = "special-category data under GDPR Art. 9(1)"
_SENSITIVE = "sensitive data (rules.md §7; CPRA sensitive personal information)"
KINDS = {
    kind.id: kind
    for kind in (
        Kind("email", "an e-mail address", "user.contact.email"),
        Kind("phone", "a phone number", "user.contact.phone_number"),
        Kind("address", "a postal address", "user.contact.address"),
        Kind("postcode", "a postcode", "user.contact.address.postal_code"),
        Kind("name", "a person's name", "user.name"),
        Kind("ip", "an IP address", "user.device.ip_address"),
        Kind("geo", "a precise location", "user.location.precise"),
        Kind("device", "a device or advertising identifier", "user.device.device_id"),
        Kind("bank", "a bank account number", "user.financial.bank_account"),
        Kind("card", "a payment card number", "user.financial.credit_card"),
        Kind("marital", "marital status", "user.demographic.marital_status"),
        Kind("health", "health data", "user.health_and_medical", True, _ART9),
        Kind("religion", "religious belief", "user.demographic.religious_belief", True, _ART9),
        Kind("ethnicity", "racial or ethnic origin", "user.demographic.race_ethnicity", True, _ART9),
        Kind("political", "political opinion", "user.demographic.political_opinion", True, _ART9),
        Kind("sexual", "sexual orientation or sex life", "user.demographic.sexual_orientation", True, _ART9),
        Kind("genetic", "genetic data", "user.health_and_medical.genetic", True, _ART9),
        Kind("biometric", "biometric data", "user.biometric", True, _ART9),
        Kind("union", "trade-union membership", "user.demographic", True, _ART9),
        Kind("criminal", "criminal records", "user.criminal_history", True, "criminal-offence data under GDPR Art. 10"),
        Kind("gender", "gender or sex", "user.demographic.gender", True, _SENSITIVE),
        Kind("dob", "a date of birth", "user.demographic.date_of_birth", True, _SENSITIVE),
        Kind("national_id", "a national or government id", "user.government_id", True, _SENSITIVE),
    )
}
FREE = Kind("free_text", "free text", "user.content.private")


def _vocabulary(strong: str, weak: str = "") -> dict[tuple[str, ...], bool]:
    """``"email e_mail"`` → {("email",): True, ("e", "mail"): True}; weak words need a personal context."""
    words = {tuple(term.split("_")): True for term in strong.split()}
    words.update({tuple(term.split("_")): False for term in weak.split()})
    return words


# Words as they appear in identifiers once split (snake_case, camelCase, kebab-case): "dateOfBirth" → date_of_birth.
VOCABULARY: dict[str, dict[tuple[str, ...], bool]] = {
    "email": _vocabulary("email emails emailaddress e_mail", "mail"),
    "phone": _vocabulary(
        "phone phones phonenumber telephone msisdn mobilephone cellphone mobile_number mobile_phone cell_phone "
        "telephonenumber tel_number fax_number",
        "tel mobile fax cell",
    ),
    "address": _vocabulary(
        "street streetaddress street_address address_line addressline house_number housenumber", "address"
    ),
    "postcode": _vocabulary("postcode postalcode postal_code post_code zipcode zip_code eircode", "zip"),
    "name": _vocabulary(
        "firstname lastname fullname surname forename givenname familyname maidenname first_name last_name "
        "full_name given_name family_name middle_name maiden_name legal_name",
        "name display_name",
    ),
    "ip": _vocabulary(
        "ipaddress ip_address ipaddr ip_addr remote_addr remote_address client_ip x_forwarded_for forwarded_for",
        "ip",
    ),
    "geo": _vocabulary(
        "latitude longitude geolocation geo_location geopoint geo_point gps coordinates", "lat lng lon geo"
    ),
    "device": _vocabulary(
        "device_id deviceid idfa idfv gaid advertising_id ad_id adid android_id imei mac_address macaddress "
        "push_token fcm_token apns_token device_token browser_fingerprint device_fingerprint visitor_id cookie_id "
        "anonymous_id"
    ),
    "bank": _vocabulary("iban bank_account bank_account_number sort_code routing_number"),
    "card": _vocabulary(
        "card_number cardnumber credit_card creditcard ccnumber cc_number cc_num pan_number cvv cvc cvv2", "pan"
    ),
    "marital": _vocabulary("marital_status maritalstatus"),
    "health": _vocabulary(
        "medical diagnosis diagnoses allergy allergies disability disabilities medication medications "
        "prescription prescriptions blood_type blood_group bloodtype symptom symptoms illness illnesses "
        "pregnancy pregnant mental_health vaccination vaccinated hiv bmi impairment sick_leave sickness "
        "medical_history health_condition health_conditions sick_note fit_note",
        "health",
    ),
    "religion": _vocabulary("religion religious religious_belief faith denomination"),
    "ethnicity": _vocabulary("ethnicity ethnic ethnic_origin ethnic_group skin_colour skin_color", "race"),
    "political": _vocabulary(
        "political political_party political_opinion political_affiliation party_affiliation "
        "party_membership voting_intention"
    ),
    "sexual": _vocabulary("sexual_orientation sexuality sexual sex_life"),
    "genetic": _vocabulary("genetic genetics dna genome genotype"),
    "biometric": _vocabulary(
        "biometric biometrics faceprint voiceprint face_template face_encoding face_embedding iris retina "
        "fingerprint_template fingerprint_image fingerprint_scan palm_print"
    ),
    "union": _vocabulary("trade_union tradeunion union_member union_membership"),
    "criminal": _vocabulary(
        "criminal_record criminal_records criminal_history conviction convictions offence offences offense offenses"
    ),
    "gender": _vocabulary("gender sex gender_identity"),
    "dob": _vocabulary(
        "dob birthdate birthday bday birth_date date_of_birth dateofbirth birth_year birthyear year_of_birth"
    ),
    "national_id": _vocabulary(
        "ssn social_security social_security_number national_id nationalid national_insurance_number nino "
        "passport passport_number passportnumber tax_id taxid driver_license drivers_license driving_licence "
        "driving_license driver_licence id_card_number nhs_number aadhaar bsn personnummer identity_card "
        "government_id national_identification_number cpf ni_number ni_no"
    ),
}
FREE_TEXT_WORDS = _vocabulary(
    "note notes comment comments message messages remark remarks description details bio biography about "
    "about_me additional_info additional_information free_text freetext feedback memo instructions "
    "special_requests special_request reason explanation story body cover_letter personal_statement"
)

# Other words in a name that say the field is not the value itself (a key, a hash, a flag, configuration).
_TECHNICAL = frozenset("id ids uuid guid pk fk key keys ref".split())
_NOT_THE_VALUE = frozenset(
    """hash hashed digest sha1 sha256 sha512 md5 hmac bcrypt pseudonym pseudonymised pseudonymized token tokens
    salt mask masked redacted obfuscated anonymised anonymized last4 consent consented optin opt opted optout
    count counts total policy template templates format pattern regex validator validation label placeholder
    hint settings setting config check probe endpoint url uri api webhook field column server host hostname
    version required max min length enabled disabled allowed allowlist whitelist blocklist blacklist denylist
    prompt question""".split()
)
_NOT_PERSONAL_VALUE = _NOT_THE_VALUE | frozenset(
    """verified verification verify confirmed confirmation unsubscribed subscribed type types kind provider
    bounce bounced bounces sent at on changed updated is has visibility visible preference preferences frequency
    domain bind listen gateway proxy subnet cidr range pool smtp from sender noreply support status prefix
    flag flags mode updates update notifications notification alerts alert newsletter marketing digest
    reminders""".split()
)
_FREE_TEXT_NOT = _NOT_PERSONAL_VALUE | frozenset(
    """error errors exception log logs system commit seo meta og alt short i18n translation locale welcome
    greeting banner success failure commit release changelog""".split()
)
# Words that make an ambiguous word personal: billing_address, home_phone, first_name, last_login_ip.
_PERSONAL_CONTEXT = frozenset(
    """number no nr num line 1 2 3 address home work office personal private contact billing shipping delivery
    mailing postal alt alternate alternative other second secondary primary main emergency customer cust user
    patient member guardian parent owner buyer recipient holder applicant employee client full first last
    given family middle maiden legal preferred current previous permanent residential street login signup
    registration seen remote request visitor status record records data info information history insurance
    condition conditions issue issues declaration questionnaire details of""".split()
)

# Containers (tables, models, schemas, forms) about people, or about what people do.
_PERSON_CONTAINERS = frozenset(
    """customer user patient member account contact person people employee staff client applicant candidate
    profile subscriber guest student visitor lead recipient buyer driver rider passenger traveller traveler
    donor volunteer parent guardian child resident tenant owner shopper signup register registration enquiry
    inquiry ticket booking reservation appointment order complaint feedback application case claim referral
    admission consultation address checkout apply support newsletter subscription payment
    invoice review survey response submission""".split()
)
# Places and organisations: their contact details and coordinates are not personal data.
_PLACE_CONTAINERS = frozenset(
    """store shop warehouse office branch venue site depot station airport facility restaurant hotel place poi
    city region country datacenter building landmark stop port supplier vendor merchant company organisation
    organization carrier partner clinic hospital surgery practice pharmacy school library museum gym park
    pet animal horse dog cat livestock herd""".split()
)
_ADDRESS_PARTS = frozenset({"line", "line1", "line2", "line3", "city", "town", "county", "locality"})
_PLACE_KINDS = frozenset({"email", "phone", "address", "postcode", "geo", "name"})
# Records about systems: "health", "diagnosis", "description" there are about machines.
_TECH_CONTAINERS = frozenset(
    """component service server node check probe monitor system host endpoint instance cluster job worker
    deployment pod queue heartbeat incident metric alert config setting configuration migration release
    build pipeline product item sku catalog category tag gateway sensor router firmware reading machine
    equipment printer""".split()
)
_MARKETING_PURPOSES = re.compile(
    r"marketing|advertis|analytics|personali[sz]|third[_ .-]?party|profiling|sale|sharing", re.I
)

# Declared types and form hints that say what a field holds whatever its name.
_HINT_KINDS = {
    "emailfield": "email", "emailtype": "email", "format:email": "email", "format:idn-email": "email",
    "type:email": "email", "autocomplete:email": "email",
    "type:tel": "phone", "phonenumberfield": "phone", "phonenumbertype": "phone", "autocomplete:tel": "phone",
    "autocomplete:tel-national": "phone", "autocomplete:mobile": "phone",
    "genericipaddressfield": "ip", "ipaddressfield": "ip", "ipaddresstype": "ip", "inet": "ip",
    "format:ipv4": "ip", "format:ipv6": "ip",
    "autocomplete:bday": "dob", "autocomplete:bday-day": "dob", "autocomplete:bday-month": "dob",
    "autocomplete:bday-year": "dob", "autocomplete:sex": "gender",
    "autocomplete:street-address": "address", "autocomplete:address-line1": "address",
    "autocomplete:address-line2": "address", "autocomplete:postal-code": "postcode",
    "autocomplete:cc-number": "card", "autocomplete:cc-csc": "card",
    "autocomplete:name": "name", "autocomplete:given-name": "name", "autocomplete:family-name": "name",
    "autocomplete:additional-name": "name",
}  # fmt: skip
_SAMPLED_KINDS = {"email": "email", "phone": "phone", "iban": "bank", "card": "card", "national_id": "national_id"}
_HIGH_SAMPLED = frozenset({"card", "national_id"})


def scan(context: Context) -> Iterator[Finding]:
    declared = read(context.sources, context.warn)
    personal = _personal_containers(declared.fields)
    seen: set[tuple[str, str, str]] = set()
    for field in sorted(declared.fields, key=lambda f: (f.path, f.line, f.column)):
        finding = _judge(field, personal, context.inventory)
        if finding is None:
            continue
        key = (finding.rule, _normal(field.container), field.name.lower())
        if key not in seen:
            seen.add(key)
            yield finding
    yield from _hidden(declared, context.inventory)


# -- naming ------------------------------------------------------------------------------------------


def words(identifier: str) -> tuple[str, ...]:
    """``dateOfBirth`` → (date, of, birth); ``customer[e-mail]`` → (customer, e, mail); ``IPAddress`` → (ip, address)."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", identifier)
    spaced = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1 \2", spaced)
    spaced = re.sub(r"([a-zA-Z])([0-9])", r"\1 \2", spaced)
    return tuple(word for word in re.split(r"[^a-zA-Z0-9]+", spaced.lower()) if word)


def _singular(word: str) -> str:
    if word == "people":
        return "person"
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    if word.endswith(("ches", "shes", "sses", "xes")):
        return word[:-2]
    if word.endswith("s") and not word.endswith(("ss", "us", "is")) and len(word) > 3:
        return word[:-1]
    return word


def _container_words(field: DeclaredField) -> set[str]:
    names = (field.container, *field.aliases)
    return {_singular(word) for name in names for word in words(name.rsplit(".", 1)[-1])}


def _normal(container: str) -> str:
    return "_".join(_singular(word) for word in words(container.rsplit(".", 1)[-1]))


@dataclass(frozen=True)
class _Match:
    kind: str
    strong: bool
    extras: tuple[str, ...]  # the name's other words


def _matches(name: tuple[str, ...], vocabulary: dict[tuple[str, ...], bool]) -> Iterator[tuple[bool, tuple[str, ...]]]:
    for term, strong in vocabulary.items():
        size = len(term)
        for start in range(len(name) - size + 1):
            if name[start : start + size] == term:
                yield strong, name[:start] + name[start + size :]


def classify(name: str) -> list[_Match]:
    """Every kind of personal data the name could say, strongest first."""
    split = words(name)
    found = [
        _Match(kind, strong, extras)
        for kind, vocabulary in VOCABULARY.items()
        for strong, extras in _matches(split, vocabulary)
    ]
    return sorted(found, key=lambda m: (not m.strong, len(m.extras)))


def _name_kind(field: DeclaredField, personal: bool) -> Kind | None:
    """The kind of personal data a field holds by its name or declared type, or ``None``."""
    container = _container_words(field)
    if container & _PERSON_CONTAINERS:
        place = False
    elif container & _TECH_CONTAINERS:
        return None
    else:
        place = bool(container & _PLACE_CONTAINERS)
    if "address" in container and set(words(field.name)) & _ADDRESS_PARTS and not place:
        if not set(words(field.name)) & (_NOT_PERSONAL_VALUE | _TECHNICAL) and not field.foreign_key:
            return KINDS["address"]
    for match in classify(field.name) + classify(field.column_name):
        kind = KINDS[match.kind]
        if _accepts(match, kind, field, personal) and not (place and kind.id in _PLACE_KINDS):
            return kind
    hinted = next((_HINT_KINDS[h] for h in field.hints if h in _HINT_KINDS), None)
    if hinted and not set(words(field.name)) & _NOT_PERSONAL_VALUE and not field.foreign_key:
        kind = KINDS[hinted]
        if not (place and kind.id in _PLACE_KINDS):
            return kind
    return None


def _accepts(match: _Match, kind: Kind, field: DeclaredField, personal: bool) -> bool:
    extras = set(match.extras)
    if kind.special:
        return not extras & _NOT_THE_VALUE and (match.strong or _weak_ok(match, personal))
    if "type:checkbox" in field.hints or "type:radio" in field.hints:
        return False  # a yes/no about the person, not the value itself (a gender radio stays special)
    if field.primary_key or field.foreign_key or extras & (_NOT_PERSONAL_VALUE | _TECHNICAL):
        return False
    return match.strong or _weak_ok(match, personal)


def _weak_ok(match: _Match, personal: bool) -> bool:
    """An ambiguous word counts with words that make it personal, or alone on a record about a person."""
    if match.extras:
        return set(match.extras) <= _PERSONAL_CONTEXT
    return personal


def _is_free_text(field: DeclaredField, personal: bool) -> bool:
    if not personal or field.primary_key or field.foreign_key or not field.textual:
        return False
    if field.max_length is not None and field.max_length < MIN_FREE_TEXT:
        return False
    container = _container_words(field)
    if container & _TECH_CONTAINERS and not container & _PERSON_CONTAINERS:
        return False
    split = words(field.name)
    for _strong, extras in _matches(split, FREE_TEXT_WORDS):
        if not set(extras) & (_FREE_TEXT_NOT | _TECHNICAL):
            return True
    return False


def _personal_containers(fields: Iterable[DeclaredField]) -> set[str]:
    """Containers that are records about people: by their name, or because they hold strong personal data."""
    found = set()
    for field in fields:
        key = f"{field.path}\0{field.container}"
        container = _container_words(field)
        if container & (_PLACE_CONTAINERS | _TECH_CONTAINERS) and not container & _PERSON_CONTAINERS:
            continue
        if container & _PERSON_CONTAINERS:
            found.add(key)
        elif any(m.strong and _accepts(m, KINDS[m.kind], field, False) for m in classify(field.name)):
            found.add(key)
        elif any(h in _HINT_KINDS for h in field.hints) and not set(words(field.name)) & _NOT_PERSONAL_VALUE:
            found.add(key)
    return found


# -- judging a field ---------------------------------------------------------------------------------


def _judge(field: DeclaredField, personal_containers: set[str], inventory: Inventory | None) -> Finding | None:
    personal = f"{field.path}\0{field.container}" in personal_containers
    kind = _name_kind(field, bool(_container_words(field) & _PERSON_CONTAINERS))
    if kind is None:
        return _free_text(field) if _is_free_text(field, personal) else None
    entry = _entry(field.name, field.container, field.aliases, field.column_name, inventory)
    declared = entry is not None and bool(entry.purpose.strip())
    if kind.special and not declared:
        return _special(field, kind, entry, inventory)
    if kind.special and entry is not None and _MARKETING_PURPOSES.search(entry.purpose):
        return _special_marketing(field, kind, entry)
    if not kind.special and not declared:
        return _undeclared(field, kind, entry, inventory)
    return None


def _entry(
    name: str, container: str, aliases: tuple[str, ...], column_name: str, inventory: Inventory | None
) -> InventoryEntry | None:
    if inventory is None:
        return None
    containers = [c for c in (container, container.rsplit(".", 1)[-1], *aliases) if c]
    names = [n for n in (name, column_name) if n]
    return inventory.find(*[f"{c}.{n}" for c in containers for n in names], *names)


def _ref(field: DeclaredField | Sample) -> str:
    return f"{field.container}.{field.name}" if field.container else field.name


def _where(field: DeclaredField) -> str:
    return {"form": "form field", "openapi": "API field", "jsonschema": "schema property"}.get(field.origin, "field")


def _missing(entry: InventoryEntry | None, inventory: Inventory | None) -> str:
    if inventory is None:
        return "no data inventory was given, so no purpose is declared"
    if entry is None:
        return "no inventory entry declares its purpose"
    return f"its inventory entry ({entry.field}, line {entry.line}) declares no purpose"


def _declaration(field: DeclaredField | Sample, kind: Kind) -> str:
    return (
        f"`- {{field: {_ref(field)}, category: {kind.category}, purpose: <why it is needed, e.g. "
        f"essential.service>, retention: <how long, e.g. P2Y>, deletion: <the job that deletes it>}}`"
    )


def _undeclared(field: DeclaredField, kind: Kind, entry: InventoryEntry | None, inventory: Inventory | None) -> Finding:
    return _finding(
        UNDECLARED,
        Severity.MEDIUM,
        f"The {_where(field)} `{_ref(field)}` collects {kind.label} ({kind.category}), but {_missing(entry, inventory)}.",
        field,
        "Stop collecting it if no purpose needs it; otherwise declare it in the data inventory (the file given "
        f"with --inventory): {_declaration(field, kind)}.",
        (GDPR_5, GDPR_30, CPRA, RULES, FIDES),
    )


def _special(field: DeclaredField, kind: Kind, entry: InventoryEntry | None, inventory: Inventory | None) -> Finding:
    return _finding(
        SPECIAL,
        Severity.HIGH,
        f"The {_where(field)} `{_ref(field)}` collects {kind.label}, {kind.basis}, but {_missing(entry, inventory)}.",
        field,
        "Remove the field unless the service cannot work without it. If it must stay, record the GDPR Art. 9(2) "
        "condition that allows it (explicit consent, employment law, health care…), collect it as optional where "
        f"you can, and declare it: {_declaration(field, kind)}.",
        (GDPR_9, GDPR_5, GDPR_30, RULES, FIDES),
    )


def _special_marketing(field: DeclaredField, kind: Kind, entry: InventoryEntry) -> Finding:
    return _finding(
        SPECIAL_MARKETING,
        Severity.MEDIUM,
        f"The {_where(field)} `{_ref(field)}` holds {kind.label}, {kind.basis}, and its inventory entry "
        f"({entry.field}) declares the purpose `{entry.purpose}`.",
        field,
        "Do not use special-category data for marketing, advertising, analytics or sharing: drop that purpose "
        "and declare the essential one it is collected for (e.g. `purpose: essential.service`), or, if the use "
        "must stay, collect explicit, separate, withdrawable consent first (GDPR Art. 9(2)(a)) and record it.",
        (GDPR_9, GDPR_5, RULES, FIDES),
    )


def _free_text(field: DeclaredField) -> Finding:
    control = "textarea" if "type:textarea" in field.hints else "free-text field"
    return _finding(
        FREE_TEXT,
        Severity.LOW,
        f"The {_where(field)} `{_ref(field)}` is a {control} on a record about a person, which invites people "
        "to type personal data nobody needs (health details, card numbers, other people's data).",
        field,
        "Replace it with structured fields (a reason chosen from a list, a delivery-instructions choice) where "
        'you can; otherwise limit its length, show a notice such as "Do not include health, payment or other '
        'personal details", and redact e-mail addresses, phone numbers and card numbers before storing it '
        "(trustops.listen.redact does this).",
        (GDPR_5, ICO_MINIMISATION, RULES),
    )


# -- sampled values ----------------------------------------------------------------------------------


def _hidden(declared: Declared, inventory: Inventory | None) -> Iterator[Finding]:
    seen: set[tuple[str, str, str, str]] = set()
    for sample in sorted(declared.samples, key=lambda s: (s.path, s.line)):
        kinds = [_SAMPLED_KINDS[k] for k in redact(sample.value).counts if k in _SAMPLED_KINDS]
        if not kinds:
            continue
        named = _sample_name_kinds(sample)
        for found in kinds:
            key = (sample.path, _normal(sample.container), sample.name.lower(), found)
            if found in named or key in seen:
                continue
            seen.add(key)
            entry = _entry(sample.name, sample.container, (), "", inventory)
            if entry is not None and entry.purpose.strip():
                continue
            yield _hidden_finding(sample, KINDS[found])


def _sample_name_kinds(sample: Sample) -> set[str]:
    """The kinds the sample's field says it holds (by name or type), whatever else it is."""
    kinds = {match.kind for match in classify(sample.name)}
    kinds |= {_HINT_KINDS[h] for h in sample.hints if h in _HINT_KINDS}
    if kinds & {"bank", "card"}:
        kinds |= {"bank", "card"}
    return kinds


def _hidden_finding(sample: Sample, kind: Kind) -> Finding:
    severity = Severity.HIGH if kind.id in _HIGH_SAMPLED else Severity.MEDIUM
    sources = (GDPR_5, GDPR_30, RULES, FIDES) + ((PCI,) if kind.id == "card" else ())
    return Finding(
        rule=HIDDEN,
        severity=severity,
        message=f"The field `{_ref(sample)}` holds {kind.label} in its sample values, but its name does not say so.",
        location=Location(path=sample.path, line=sample.line),
        evidence=quote(f"{_ref(sample)} = {sample.value}"),
        fix=f"Name the field for what it holds (e.g. `contact_{kind.id}`) so reviews and the inventory see it, "
        f"and declare it: {_declaration(sample, kind)}; if it must not hold {kind.label}, validate and reject "
        "such values (and use obviously fake sample data, e.g. example.com addresses).",
        sources=sources,
    )


# -- findings ----------------------------------------------------------------------------------------


def _finding(
    rule: str, severity: Severity, message: str, field: DeclaredField, fix: str, sources: tuple[str, ...]
) -> Finding:
    return Finding(
        rule=rule,
        severity=severity,
        message=message,
        location=Location(path=field.path, line=field.line, column=field.column),
        evidence=quote(field.evidence or field.name),
        fix=fix,
        sources=sources,
    )


FAMILY = Family(
    id="collection",
    title="Excessive data collection",
    doc=(
        "Personal-data fields in SQL DDL, SQLAlchemy and Django models, OpenAPI / JSON Schema and HTML forms "
        "with no purpose declared in the data inventory (medium), special-category and sensitive data (health, "
        "religion, ethnicity, biometrics, date of birth, national ids…) with no declared purpose (high) or "
        "declared for marketing (medium), free-text fields on records about people (low), and e-mail "
        "addresses, phone numbers, IBANs, card numbers or national ids in sample values of fields named for "
        "something else (medium; high for cards and ids). Sources: GDPR Art. 5(1)(c), 9 and 30; CCPA/CPRA "
        "§1798.100; fideslang categories."
    ),
    rules=(UNDECLARED, SPECIAL, SPECIAL_MARKETING, FREE_TEXT, HIDDEN),
    scan=scan,
)
