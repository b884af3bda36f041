"""`walkthetalk setup`: the first steward and a care system from the shipped example map."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from walkthetalk.caremap.models import CareSystem, StaffRole
from walkthetalk.site.setup import example_map_text

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-steward-password"


def test_setup_makes_the_first_steward_and_the_example_care_system(monkeypatch, capsys) -> None:
    monkeypatch.setenv("WALKTHETALK_SETUP_PASSWORD", PASSWORD)
    call_command("setup", username="first-steward")
    system = CareSystem.objects.get(slug="riverbend")
    assert system.name == "Riverbend County System of Care"
    assert system.units.count() == example_map_text().count("kind:")
    assert system.sectors.count() == 5 and system.levels.count() == 5
    steward = get_user_model().objects.get(username="first-steward")
    assert steward.check_password(PASSWORD) and steward.password.startswith("argon2")
    assert StaffRole.objects.filter(user=steward, care_system=system, role="steward").exists()
    assert "/map/riverbend/" in capsys.readouterr().out


def test_setup_with_a_weak_password_or_a_taken_name_makes_nothing(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("WALKTHETALK_SETUP_PASSWORD", "short")
    with pytest.raises(CommandError, match="too short"):
        call_command("setup", username="first-steward")
    assert not get_user_model().objects.exists() and not CareSystem.objects.exists()
    monkeypatch.setenv("WALKTHETALK_SETUP_PASSWORD", PASSWORD)
    bad_map = tmp_path / "map.yaml"
    bad_map.write_text("care_system: {name: X, slug: x}\nunits:\n  - {name: A, kind: hospital}\n")
    with pytest.raises(CommandError, match="line 3"):
        call_command("setup", username="first-steward", map=bad_map)
    assert not get_user_model().objects.exists() and not CareSystem.objects.exists()
    call_command("setup", username="first-steward")
    with pytest.raises(CommandError, match="already an account"):
        call_command("setup", username="first-steward")
    assert CareSystem.objects.count() == 1
