from __future__ import annotations

import io

import qrcode
import qrcode.image.svg
from django.contrib.auth import login, logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from mamori.accounts import policy, services
from mamori.accounts.forms import ApiTokenForm, LoginForm, NewUserForm, PasswordChangeForm, TotpForm, UserForm
from mamori.accounts.middleware import SESSION_KEY
from mamori.accounts.models import User
from mamori.accounts.policy import Action
from mamori.core.forms import apply_validation_error

PENDING_KEY = "mamori_2fa_pending"
NEXT_KEY = "mamori_next"


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(candidate, {request.get_host()}, request.is_secure()):
        return candidate
    return "/"


def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.check_credentials(form.cleaned_data["username"], form.cleaned_data["password"])
        except services.LoginRefused as refused:
            form.add_error(None, str(refused))
        else:
            request.session.cycle_key()
            request.session[NEXT_KEY] = _safe_next(request, request.GET.get("next"))
            if user.has_totp:
                request.session[PENDING_KEY] = user.pk
                return redirect("accounts:two_factor_verify")
            return _finish_login(request, user, second_factor=False)
    return render(request, "accounts/login.html", {"form": form}, status=400 if form.errors else 200)


def _finish_login(request: HttpRequest, user: User, *, second_factor: bool) -> HttpResponse:
    next_url = request.session.pop(NEXT_KEY, "/")
    login(request, user, backend="mamori.accounts.backends.LockoutBackend")
    request.session[SESSION_KEY] = second_factor
    services.record_login(user)
    return redirect(next_url)


def two_factor_verify(request: HttpRequest) -> HttpResponse:
    pending = request.session.get(PENDING_KEY)
    user = User.objects.filter(pk=pending).first() if pending else None
    if user is None:
        return redirect("accounts:login")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.check_second_factor(user, form.cleaned_data["code"])
        except services.LoginRefused as refused:
            form.add_error("code", str(refused))
        else:
            del request.session[PENDING_KEY]
            return _finish_login(request, user, second_factor=True)
    return render(request, "accounts/two_factor_verify.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def two_factor_setup(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    if user.has_totp:
        return redirect("core:dashboard")
    form = TotpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp_enrolment(user, form.cleaned_data["code"]):
            request.session[SESSION_KEY] = True
            return redirect("core:dashboard")
        form.add_error("code", _("The code is wrong. Check the clock of your phone and try again."))
    uri = services.start_totp_enrolment(user)
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage)
    buffer = io.BytesIO()
    image.save(buffer)
    context = {
        "form": form,
        "qr_svg": buffer.getvalue().decode(),
        "secret": user.totp_key(),
        "required": services.requires_two_factor(user),
    }
    return render(request, "accounts/two_factor_setup.html", context)


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.record_logout(request.user)
    logout(request)
    return redirect("accounts:login")


@login_required
def password_change(request: HttpRequest) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    form = PasswordChangeForm(user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.set_password(user, user, form.cleaned_data["new_password"])
        except ValidationError as error:
            form.add_error("new_password", error)
        else:
            login(request, user, backend="mamori.accounts.backends.LockoutBackend")
            request.session[SESSION_KEY] = user.has_totp or not services.requires_two_factor(user)
            return redirect("core:dashboard")
    return render(request, "accounts/password_change.html", {"form": form})


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, "user")
    users = policy.scope(request.user, "user", User.objects.select_related("contractor"))
    return render(
        request,
        "accounts/user_list.html",
        {"users": users, "can_add": policy.can(request.user, Action.ADD, "user")},
    )


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, "user")
    form = NewUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k != "password"}
        try:
            user = services.create_user(request.user, data, form.cleaned_data["password"])
        except ValidationError as error:
            apply_validation_error(form, error, default_field="password")
        else:
            return redirect("accounts:user_detail", pk=user.pk)
    return render(request, "accounts/user_form.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def user_detail(request: HttpRequest, pk: int) -> HttpResponse:
    user = policy.get_visible(request.user, "user", User.objects.all(), pk=pk)
    context = {"subject": user, "can_change": policy.can(request.user, Action.CHANGE, "user", user)}
    if policy.can(request.user, Action.VIEW, "api_token"):
        context["show_tokens"] = True
        context["tokens"] = services.visible_api_tokens(request.user).filter(owner=user)
        context["can_revoke_tokens"] = policy.can(request.user, Action.CHANGE, "api_token")
    return render(request, "accounts/user_detail.html", context)


@login_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = policy.get_visible(request.user, "user", User.objects.all(), pk=pk)
    policy.check(request.user, Action.CHANGE, "user", user)
    form = UserForm(request.POST or None, instance=User.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_user(request.user, user, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("accounts:user_detail", pk=user.pk)
    return render(
        request,
        "accounts/user_form.html",
        {"form": form, "subject": user},
        status=400 if form.errors else 200,
    )


@login_required
@require_POST
def user_unlock(request: HttpRequest, pk: int) -> HttpResponse:
    user = policy.get_visible(request.user, "user", User.objects.all(), pk=pk)
    services.unlock(request.user, user)
    return redirect("accounts:user_detail", pk=pk)


@login_required
@require_POST
def user_reset_two_factor(request: HttpRequest, pk: int) -> HttpResponse:
    user = policy.get_visible(request.user, "user", User.objects.all(), pk=pk)
    services.reset_two_factor(request.user, user)
    return redirect("accounts:user_detail", pk=pk)


@login_required
def api_tokens(request: HttpRequest) -> HttpResponse:
    """The signed-in user's API tokens: list, create (the new token is shown in this answer only), revoke."""
    user: User = request.user  # type: ignore[assignment]
    form = ApiTokenForm(request.POST or None)
    new_key = ""
    if request.method == "POST" and form.is_valid():
        try:
            _token, new_key = services.issue_api_token(
                user, user, form.cleaned_data["name"], form.cleaned_data["expires_in_days"]
            )
        except ValidationError as error:
            apply_validation_error(form, error, default_field="expires_in_days")
        else:
            form = ApiTokenForm()
    context = {"form": form, "tokens": user.api_tokens.all(), "new_key": new_key}
    response = render(request, "accounts/api_tokens.html", context, status=400 if form.errors else 200)
    response["Cache-Control"] = "no-store"  # the new token must not stay in a browser or proxy cache
    return response


@login_required
@require_POST
def api_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = services.get_api_token(request.user, pk)
    services.revoke_api_token(request.user, token)
    return redirect(
        _safe_next(request, request.POST.get("next")) if request.POST.get("next") else "accounts:api_tokens"
    )
