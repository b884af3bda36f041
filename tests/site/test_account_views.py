"""Staff sign-in pages: the right password signs in, and staff change their own password."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-staff-password"


def make_user():
    return get_user_model().objects.create_user("pat", password=PASSWORD)


def test_right_password_signs_in(client) -> None:
    make_user()
    response = client.post(reverse("login"), {"username": "pat", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_staff_change_their_password(client) -> None:
    user = make_user()
    client.force_login(user)
    new = "a-brand-new-long-password"
    response = client.post(
        reverse("password_change"),
        {"old_password": PASSWORD, "new_password1": new, "new_password2": new},
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.check_password(new) and user.password.startswith("argon2")
    short = client.post(
        reverse("password_change"),
        {"old_password": new, "new_password1": "short", "new_password2": "short"},
    )
    assert short.status_code == 200 and "too short" in short.content.decode()
