"""Staff accounts: sign-in, two-factor enrolment and verification, lifting sign-in pauses."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp import user_has_device

from walkthetalk.caremap.access import access_staff_account, access_stewarded_staff
from walkthetalk.site import lockout, two_factor


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


class SignInView(auth_views.LoginView):
    template_name = "site/login.html"

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        user = form.get_user()
        if user_has_device(user):
            target = reverse("two_factor_verify")
            next_url = self.get_redirect_url()
            if next_url:
                target += "?next=" + next_url
            return HttpResponseRedirect(target)
        lockout.remember_device(response, user.get_username())
        return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():  # type: ignore[union-attr]
        return redirect(_safe_next(request, reverse("home")))
    error = ""
    if request.method == "POST":
        if two_factor.verify(request, request.POST.get("code", "")):
            response = HttpResponseRedirect(_safe_next(request, reverse("home")))
            lockout.remember_device(response, request.user.get_username())
            return response
        error = "That code did not work. Enter the newest code from your app, or a recovery code."
    return render(
        request,
        "site/two_factor_verify.html",
        {"error": error, "next": _safe_next(request, "")},
        status=400 if error else 200,
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    enrolled = two_factor.is_enrolled(user)
    if enrolled and not user.is_verified():  # type: ignore[attr-defined]
        return redirect("two_factor_verify")
    context: dict[str, object] = {
        "enrolled": enrolled,
        "required": two_factor.requires_two_factor(user),
    }
    if request.method == "POST" and request.POST.get("action") == "recovery" and enrolled:
        context["codes"] = two_factor.new_recovery_codes(user)
        return render(request, "site/two_factor.html", context)
    if request.method == "POST" and not enrolled:
        try:
            context["codes"] = two_factor.confirm_enrolment(request, request.POST.get("code", ""))
        except two_factor.TwoFactorError as exc:
            context["error"] = str(exc)
        else:
            context["enrolled"] = True
            response = render(request, "site/two_factor.html", context)
            lockout.remember_device(response, user.get_username())
            return response
    if not context["enrolled"]:
        context["enrolment"] = two_factor.start_enrolment(user)
    return render(
        request, "site/two_factor.html", context, status=400 if "error" in context else 200
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def sign_in_pauses(request: HttpRequest) -> HttpResponse:
    """For stewards: staff of their care systems whose sign-in is paused, with an unlock."""
    staff = access_stewarded_staff(request.user)
    if request.method == "POST":
        username = access_staff_account(request.user, request.POST.get("username", ""))
        lockout.unlock(username)
        messages.success(request, f"{username} can sign in again.")
        return redirect("sign_in_pauses")
    return render(request, "site/sign_in_pauses.html", {"paused": lockout.paused_usernames(staff)})
