from __future__ import annotations

from pathlib import Path

import pytest
from pydantic import ValidationError

from trustops.config import Policy, Settings


def make(**values: object) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def test_defaults_are_the_embedded_sqlite_store_in_dev(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TRUSTOPS_DATABASE_URL", raising=False)
    settings = make()
    assert settings.database_url == "sqlite:///trustops.db"
    assert settings.env == "dev"
    assert settings.cookie_secure is False


def test_settings_come_from_prefixed_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TRUSTOPS_DATABASE_URL", "postgresql://db/trustops")
    assert make().database_url == "postgresql://db/trustops"


def test_secrets_can_come_from_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "key"
    secret.write_text("k" * 40 + "\n")
    monkeypatch.setenv("TRUSTOPS_SECRET_KEY_FILE", str(secret))
    assert make().secret() == b"k" * 40


def test_an_unreadable_secret_file_is_named(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("TRUSTOPS_SECRET_KEY_FILE", str(tmp_path / "missing"))
    with pytest.raises(ValidationError, match="TRUSTOPS_SECRET_KEY_FILE: cannot read"):
        make()


@pytest.mark.parametrize("key", [None, "changethis", "short"])
def test_production_refuses_missing_or_placeholder_secrets(key: str | None) -> None:
    with pytest.raises(ValidationError, match="secret_key: production needs"):
        make(env="production", secret_key=key)


def test_production_sets_secure_cookies() -> None:
    assert make(env="production", secret_key="x" * 40).cookie_secure


def test_dev_keeps_one_generated_secret(tmp_path: Path) -> None:
    settings = make(secret_file=tmp_path / "secret")
    first = settings.secret()
    assert make(secret_file=tmp_path / "secret").secret() == first
    assert len(first) >= 40
    assert (tmp_path / "secret").stat().st_mode & 0o777 == 0o600


def test_every_policy_knob_has_a_default_and_help() -> None:
    for name, field in Policy.model_fields.items():
        assert field.description, name
        assert field.default is not None or field.default_factory is not None, name


def test_a_contradictory_policy_is_refused() -> None:
    with pytest.raises(ValidationError, match=r"targeted_user_share \(0.2\) must not exceed status_page_user_share"):
        Policy(targeted_user_share=0.2)
