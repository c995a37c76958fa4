import pytest

from app.settings import AppSettings


@pytest.mark.parametrize(("environment", "reloads"), [("development", True), ("test", False), ("production", False)])
def test_templates_reload_by_default_only_in_development(
    monkeypatch: pytest.MonkeyPatch, environment: str, reloads: bool
) -> None:
    monkeypatch.setenv("APP_ENV", environment)
    monkeypatch.delenv("TEMPLATE_AUTO_RELOAD", raising=False)
    assert AppSettings().template_auto_reload is reloads


@pytest.mark.parametrize(("value", "reloads"), [("false", False), ("0", False), ("true", True), ("1", True)])
def test_template_auto_reload_can_be_set_either_way(monkeypatch: pytest.MonkeyPatch, value: str, reloads: bool) -> None:
    monkeypatch.setenv("APP_ENV", "development" if not reloads else "production")
    monkeypatch.setenv("TEMPLATE_AUTO_RELOAD", value)
    assert AppSettings().template_auto_reload is reloads
