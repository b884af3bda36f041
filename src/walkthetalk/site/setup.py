"""First run of a new installation: the database, the first steward and a first care system."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from django.contrib.auth import get_user_model
from django.contrib.auth.models import User
from django.contrib.auth.password_validation import validate_password
from django.db import transaction

from walkthetalk.caremap import services as caremap_services
from walkthetalk.caremap.errors import ServiceError
from walkthetalk.caremap.models import CareSystem


class SetupError(ServiceError):
    """A first set-up that cannot go ahead, with what to do instead."""


def example_map_text() -> str:
    return caremap_services.example_map("yaml")


@dataclass(frozen=True)
class SetupResult:
    steward: User
    care_system: CareSystem
    units: int


@transaction.atomic
def first_steward_and_care_system(
    username: str, password: str, map_path: Path | None = None
) -> SetupResult:
    """Make the first steward (a new account) and a care system from a YAML map; nothing is
    written if anything is wrong (weak password, existing account, a map error)."""
    from django.core.exceptions import ValidationError

    user_model = get_user_model()
    username = username.strip()
    if not username:
        raise SetupError("The first steward needs a user name.")
    if user_model.objects.filter(username=username).exists():
        raise SetupError(f"There is already an account named '{username}'.")
    user = user_model(username=username)
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise SetupError(" ".join(exc.messages)) from exc
    user.set_password(password)
    user.save()
    text = map_path.read_text(encoding="utf-8") if map_path else example_map_text()
    summary = caremap_services.import_map(text, "yaml", steward=user)
    return SetupResult(user, summary.care_system, summary.care_system.units.count())
