"""The excessive-collection rules on a fixture shop, clinic and API: what must be found, exactly where, and the
near misses that must not be (keys, hashes, flags, configuration, places, records about systems, short text)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from trustops.audit.families import collection
from trustops.audit.fields import read
from trustops.audit.findings import AuditWarning, Finding, Report, Severity
from trustops.audit.inventory import load_inventory
from trustops.audit.scanner import audit
from trustops.audit.sources import FileSource, Sources

FIXTURES = Path(__file__).parent / "fixtures" / "collection"
UNDECLARED, SPECIAL = collection.UNDECLARED, collection.SPECIAL
MARKETING, FREE, HIDDEN = collection.SPECIAL_MARKETING, collection.FREE_TEXT, collection.HIDDEN
HIGH, MEDIUM, LOW = Severity.HIGH, Severity.MEDIUM, Severity.LOW

EXPECTED = {
    # (file, line, rule): severity — every other line of the fixtures is a near miss
    ("db/schema.sql", 4, UNDECLARED): MEDIUM,  # email
    ("db/schema.sql", 7, UNDECLARED): MEDIUM,  # phone
    ("db/schema.sql", 8, SPECIAL): HIGH,  # date_of_birth
    ("db/schema.sql", 9, FREE): LOW,  # customers.notes TEXT
    ("db/schema.sql", 31, SPECIAL): HIGH,  # ALTER TABLE … ADD COLUMN gender
    ("db/schema.sql", 33, UNDECLARED): MEDIUM,  # ADD COLUMN IF NOT EXISTS last_login_ip INET
    ("db/schema.sql", 37, HIDDEN): MEDIUM,  # an e-mail address INSERTed into "contact"
    ("db/clinic.sql", 4, UNDECLARED): MEDIUM,  # `full_name`
    ("db/clinic.sql", 5, SPECIAL): HIGH,  # `diagnosis`
    ("db/clinic.sql", 6, SPECIAL): HIGH,  # `is_pregnant`
    ("db/clinic.sql", 7, SPECIAL): HIGH,  # `religion_id`
    ("db/clinic.sql", 8, SPECIAL): HIGH,  # `blood_type`
    ("db/clinic.sql", 15, FREE): LOW,  # appointments.reason varchar(500)
    ("app/models.py", 20, UNDECLARED): MEDIUM,  # mobile on a member
    ("app/models.py", 21, SPECIAL): HIGH,  # ethnicity: Mapped[str | None]
    ("app/models.py", 22, FREE): LOW,  # remarks = Column(Text)
    ("app/models.py", 38, UNDECLARED): MEDIUM,  # Table(…, Column("ip_address", INET))
    ("app/shop_models.py", 5, UNDECLARED): MEDIUM,  # first_name
    ("app/shop_models.py", 6, UNDECLARED): MEDIUM,  # contact = models.EmailField()
    ("app/shop_models.py", 7, SPECIAL): HIGH,  # passport_number
    ("app/shop_models.py", 8, FREE): LOW,  # bio = models.TextField()
    ("api/openapi.yaml", 16, UNDECLARED): MEDIUM,  # ?postcode=
    ("api/openapi.yaml", 29, HIDDEN): MEDIUM,  # a phone number as the example "referrer"
    ("api/openapi.yaml", 35, UNDECLARED): MEDIUM,  # Signup.email
    ("api/openapi.yaml", 42, SPECIAL): HIGH,  # Signup.dateOfBirth
    ("api/openapi.yaml", 48, FREE): LOW,  # Signup.comment, unbounded
    ("api/customer.schema.json", 7, SPECIAL): HIGH,  # sexualOrientation
    ("api/customer.schema.json", 8, UNDECLARED): MEDIUM,  # billingPostcode
    ("api/customer.schema.json", 9, FREE): LOW,  # comments, 2000 characters
    ("api/customer.schema.json", 11, UNDECLARED): MEDIUM,  # iban
    ("api/customer.sample.json", 6, HIDDEN): HIGH,  # a card number in "paymentRef"
    ("templates/signup.html", 3, UNDECLARED): MEDIUM,  # type="email" name="login"
    ("templates/signup.html", 4, UNDECLARED): MEDIUM,  # tel
    ("templates/signup.html", 5, SPECIAL): HIGH,  # <select name="gender">
    ("templates/signup.html", 6, HIDDEN): MEDIUM,  # placeholder="jane@example.com" on "ref"
    ("templates/signup.html", 7, FREE): LOW,  # <textarea name="message">
    ("templates/contact.vue", 3, UNDECLARED): MEDIUM,  # v-model="form.fullName"
    ("templates/contact.vue", 4, UNDECLARED): MEDIUM,  # v-model="form.emailAddress"
    ("fixtures/customers.json", 2, HIDDEN): MEDIUM,  # Django fixture: an e-mail address as a lead's "owner"
}


def where(finding: Finding) -> tuple[str, int, str]:
    return (finding.location.path or "", finding.location.line, finding.rule)


@pytest.fixture(scope="module")
def report() -> Report:
    return audit([str(FIXTURES)], selected=["collection"])


@pytest.fixture(scope="module")
def with_inventory() -> Report:
    return audit([str(FIXTURES)], selected=["collection"], inventory=load_inventory(FIXTURES / "inventory.yaml"))


def found_in(report: Report, path: str) -> set[tuple[int, str]]:
    return {(f.location.line, f.rule) for f in report.findings if f.location.path == path}


def expected_in(path: str) -> set[tuple[int, str]]:
    return {(line, rule) for (file, line, rule) in EXPECTED if file == path}


@pytest.mark.parametrize("path", sorted({file for file, _, _ in EXPECTED}))
def test_each_fixture_reports_exactly_its_marked_lines(report: Report, path: str) -> None:
    assert found_in(report, path) == expected_in(path)


def test_the_whole_fixture_tree_reports_exactly_the_expected_findings_and_severities(report: Report) -> None:
    assert {where(f): f.severity for f in report.findings} == EXPECTED
    assert len(report.findings) == len(EXPECTED)  # one finding per field, no duplicates


def test_every_rule_id_reported_is_one_the_family_declares(report: Report) -> None:
    assert {f.rule for f in report.findings} <= set(collection.FAMILY.rules)
    assert all(rule.startswith("collection/") for rule in collection.FAMILY.rules)


def test_near_misses_in_the_shop_schema_are_not_flagged(report: Report) -> None:
    # id, email_hash, email_verified, shipping_address_id REFERENCES, user_id, status_message, created_at,
    # the store's name/phone/postcode/latitude/longitude, products, the ip allowlist, an order reference
    near_misses = {3, 5, 6, 10, 11, 12, 13, 14, 20, 21, 22, 23, 24, 27, 29, 38}
    assert not {line for line, _ in found_in(report, "db/schema.sql")} & near_misses


def test_systems_health_and_feature_flags_are_not_special_category_data(report: Report) -> None:
    assert not {line for line, _ in found_in(report, "db/clinic.sql")} & {9, 12, 13, 14}


def test_a_missing_inventory_is_named_in_the_message_and_the_fix_gives_the_entry_to_write(report: Report) -> None:
    email = next(f for f in report.findings if where(f) == ("db/schema.sql", 4, UNDECLARED))
    assert "`customers.email` collects an e-mail address (user.contact.email)" in email.message
    assert "no data inventory was given" in email.message
    assert "{field: customers.email, category: user.contact.email, purpose:" in email.fix
    assert email.evidence.startswith("email VARCHAR(255) NOT NULL UNIQUE")
    assert any("Art. 5(1)(c)" in source for source in email.sources)


def test_special_category_findings_cite_article_9_and_ask_for_the_article_9_2_condition(report: Report) -> None:
    diagnosis = next(f for f in report.findings if where(f) == ("db/clinic.sql", 5, SPECIAL))
    assert "health data, special-category data under GDPR Art. 9(1)" in diagnosis.message
    assert "Art. 9(2)" in diagnosis.fix
    assert any("Art. 9" in source for source in diagnosis.sources)


def test_sampled_values_are_masked_in_the_evidence(report: Report) -> None:
    hidden = [f for f in report.findings if f.rule == HIDDEN]
    assert {f.evidence for f in hidden} >= {"customers.contact = [email]", "Customer.paymentRef = [card]"}
    assert not any("@example" in f.evidence or "4111" in f.evidence for f in hidden)


def test_a_card_number_in_a_sample_is_high_and_cites_pci_dss(report: Report) -> None:
    card = next(f for f in report.findings if where(f) == ("api/customer.sample.json", 6, HIDDEN))
    assert card.severity is HIGH
    assert any("PCI DSS" in source for source in card.sources)


def test_fields_with_a_declared_purpose_are_not_reported(with_inventory: Report) -> None:
    gone = {
        ("db/schema.sql", 4, UNDECLARED),  # customers.email
        ("db/schema.sql", 7, UNDECLARED),  # *.phone pattern
        ("db/clinic.sql", 5, SPECIAL),  # patients.diagnosis, essential
        ("api/openapi.yaml", 35, UNDECLARED),  # Signup.email
        ("app/shop_models.py", 6, UNDECLARED),  # Customer.contact by model name
        ("app/shop_models.py", 7, SPECIAL),  # shop_customer.passport_no by db_table and db_column
        ("templates/signup.html", 6, HIDDEN),  # signup.ref
    }
    found = {where(f) for f in with_inventory.findings}
    assert not found & gone
    assert found == (set(EXPECTED) - gone - {("db/clinic.sql", 8, SPECIAL)}) | {("db/clinic.sql", 8, MARKETING)}


def test_special_category_data_declared_for_marketing_is_a_medium_finding(with_inventory: Report) -> None:
    blood = next(f for f in with_inventory.findings if where(f) == ("db/clinic.sql", 8, MARKETING))
    assert blood.severity is MEDIUM
    assert "marketing.advertising" in blood.message


def test_an_inventory_entry_without_a_purpose_does_not_declare_the_field(with_inventory: Report) -> None:
    gender = next(f for f in with_inventory.findings if where(f) == ("db/schema.sql", 31, SPECIAL))
    assert "its inventory entry (customers.gender, line" in gender.message
    assert "declares no purpose" in gender.message


def test_unreadable_models_and_schemas_are_warnings_not_crashes(report: Report) -> None:
    assert {w.target for w in report.warnings} == {
        "broken/bad_models.py",
        "broken/openapi.yaml",
        "broken/truncated.schema.json",
    }
    assert not any(f.location.path and f.location.path.startswith("broken/") for f in report.findings)


def test_a_field_in_both_a_sql_schema_and_a_model_is_reported_once(tmp_path: Path) -> None:
    (tmp_path / "schema.sql").write_text("CREATE TABLE members (id int, mobile text);\n")
    (tmp_path / "models.py").write_text(
        'class Member(Base):\n    __tablename__ = "members"\n    mobile = Column(String(20))\n'
    )
    report = audit([str(tmp_path)], selected=["collection"])
    assert [(f.location.path, f.location.line, f.rule) for f in report.findings] == [("models.py", 3, UNDECLARED)]


def test_two_fields_on_one_line_quote_their_own_definitions(tmp_path: Path) -> None:
    (tmp_path / "t.sql").write_text("CREATE TABLE users (email text, phone varchar(20));\n")
    report = audit([str(tmp_path)], selected=["collection"])
    assert sorted(f.evidence for f in report.findings) == ["email text", "phone varchar(20)"]
    assert len({f.fingerprint for f in report.findings}) == 2


def test_insert_without_a_column_list_uses_the_create_table_order(tmp_path: Path) -> None:
    (tmp_path / "a_data.sql").write_text("INSERT INTO leads VALUES (1, 'call 0161 496 0000 after 6');\n")
    (tmp_path / "b_schema.sql").write_text("CREATE TABLE leads (id int, source varchar(40));\n")
    report = audit([str(tmp_path)], selected=["collection"])
    assert [(f.location.path, f.rule, f.evidence) for f in report.findings] == [
        ("a_data.sql", HIDDEN, "leads.source = call [phone] after 6")
    ]


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("dateOfBirth", "dob"),
        ("DOB", "dob"),
        ("IPAddress", "ip"),
        ("customer[e-mail]", "email"),
        ("home_phone_number", "phone"),
        ("NationalInsuranceNumber", "national_id"),
        ("trade_union_member", "union"),
    ],
)
def test_identifiers_are_split_into_words_in_any_case_style(name: str, kind: str) -> None:
    assert kind in {match.kind for match in collection.classify(name)}


@pytest.mark.parametrize("name", ["orientation", "party_size", "european_union", "screen_fingerprint", "condition"])
def test_ambiguous_words_are_never_special_categories(name: str) -> None:
    assert not {match.kind for match in collection.classify(name)} & {
        "sexual",
        "political",
        "union",
        "biometric",
        "health",
    }


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from("CREATE TABLE INSERT VALUES ALTER ADD ( ) , ; ' \" ` [ ] -- /* */ $$ \n email x 1"),
        max_size=120,
    )
)
def test_any_sql_text_is_read_without_raising(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("sql") / "x.sql"
    path.write_text(text)
    warnings: list[AuditWarning] = []
    read(Sources(files=[FileSource(path, "x.sql", warnings.append)]), warnings.append)


@settings(max_examples=150, deadline=None)
@given(
    text=st.text(
        alphabet=st.sampled_from('<form><input name="email" type= textarea select > </form> {{ " \' \n <!-- -->'),
        max_size=120,
    )
)
def test_any_markup_is_read_without_raising(tmp_path_factory: pytest.TempPathFactory, text: str) -> None:
    path = tmp_path_factory.mktemp("html") / "x.html"
    path.write_text(text)
    warnings: list[AuditWarning] = []
    read(Sources(files=[FileSource(path, "x.html", warnings.append)]), warnings.append)


def test_alembic_add_column_and_insert_select_are_read(tmp_path: Path) -> None:
    (tmp_path / "0002_phone.py").write_text(
        'def upgrade():\n    op.add_column("users", sa.Column("phone", sa.String(32)))\n'
    )
    (tmp_path / "seed.sql").write_text(
        "INSERT INTO orders (customer_id, delivery_note)\nSELECT id, 'ring 07700 900456' FROM customers;\n"
    )
    report = audit([str(tmp_path)], selected=["collection"])
    assert sorted((f.location.path, f.location.line, f.rule) for f in report.findings) == [
        ("0002_phone.py", 2, UNDECLARED),
        ("seed.sql", 2, HIDDEN),
    ]


def test_address_lines_count_only_in_an_addresses_table(tmp_path: Path) -> None:
    (tmp_path / "a.sql").write_text(
        "CREATE TABLE addresses (\n  id int primary key,\n  line1 text,\n  city text\n);\n"
        "CREATE TABLE invoices (\n  id int primary key,\n  line1 text,\n  city text\n);\n"
    )
    report = audit([str(tmp_path)], selected=["collection"])
    assert sorted(f.location.line for f in report.findings) == [3, 4]


def test_a_manifest_beside_an_api_description_is_not_sample_data(tmp_path: Path) -> None:
    (tmp_path / "openapi.json").write_text(
        '{"openapi": "3.0.0", "components": {"schemas": {"Gateway": {"properties": {"gatewayId": {"type": "string"}}}}}}'
    )
    (tmp_path / "package.json").write_text('{"name": "x", "author": "Ops <ops@example.com>"}')
    assert audit([str(tmp_path)], selected=["collection"]).findings == []
