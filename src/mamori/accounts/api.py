"""Users, the current user and API tokens over the API.

/api/v1/users/ follows the same rules as the user pages (protection manager manages, top management
and the audit manager read). /api/v1/auth/token/ issues a new token only after the same checks as the
sign-in page: password with lockout and audit (``services.check_credentials``), then the two-factor
code for accounts that have one (``services.check_second_factor``, counted toward the same lockout).
/api/v1/auth/tokens/ lists, creates and revokes tokens (see ``ApiTokenViewSet``).
"""

from __future__ import annotations

from typing import Any

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import ScopedRateThrottle
from rest_framework.views import APIView

from mamori.accounts import policy, services
from mamori.accounts.models import ApiToken, User
from mamori.accounts.policy import Action
from mamori.accounts.services import USER_FIELDS
from mamori.api.errors import validation_error
from mamori.api.filters import IdFilter
from mamori.api.permissions import PolicyPermission
from mamori.api.viewsets import ServiceViewSet, StrictQueryMixin
from mamori.contractors.api import VisibleContractorField

RESOURCE = "user"


class UserSerializer(serializers.ModelSerializer):
    contractor = VisibleContractorField(allow_null=True, required=False)
    has_totp = serializers.BooleanField(read_only=True)
    locked = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            *USER_FIELDS,
            "has_totp",
            "locked",
            "last_login",
            "date_joined",
        ]
        read_only_fields = ["last_login", "date_joined"]

    def get_locked(self, user: User) -> bool:
        return user.is_locked()


class NewUserSerializer(UserSerializer):
    password = serializers.CharField(
        write_only=True, trim_whitespace=False, max_length=4096, style={"input_type": "password"}
    )

    class Meta(UserSerializer.Meta):
        fields = [*UserSerializer.Meta.fields, "password"]


class UserFilter(django_filters.FilterSet):
    contractor = IdFilter(field_name="contractor_id")

    class Meta:
        model = User
        fields = ["role", "is_active", "contractor"]


class UserViewSet(ServiceViewSet):
    """Users and their roles. There is no delete: deactivate a user with ``is_active: false``."""

    policy_resource = RESOURCE
    policy_actions = {"unlock": Action.CHANGE, "reset_two_factor": Action.CHANGE}
    queryset = User.objects.select_related("contractor")
    serializer_class = UserSerializer
    filterset_class = UserFilter
    search_fields = ["username", "display_name", "email", "department"]
    ordering_fields = ["username", "role", "date_joined", "last_login"]
    ordering = ["username"]
    http_method_names = ["get", "post", "put", "patch", "head", "options"]

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return NewUserSerializer if self.action == "create" else UserSerializer

    def create_record(self, data: dict[str, Any]) -> User:
        password = data.pop("password")
        try:
            return services.create_user(self.request.user, data, password)
        except DjangoValidationError as error:
            # Password rules raise a plain list of messages; they belong to the password field.
            raise validation_error(error, default_field="password") from None

    def update_record(self, obj: User, data: dict[str, Any]) -> User:
        return services.update_user(self.request.user, obj, data)

    @extend_schema(request=None, responses={200: UserSerializer})
    @action(detail=True, methods=["post"])
    def unlock(self, request: Request, pk: str | None = None) -> Response:
        """Lift a lockout after too many wrong passwords."""
        user = self.get_object()
        services.unlock(request.user, user)
        return Response(UserSerializer(User.objects.get(pk=user.pk), context={"request": request}).data)

    @extend_schema(request=None, responses={200: UserSerializer})
    @action(detail=True, methods=["post"], url_path="reset-two-factor")
    def reset_two_factor(self, request: Request, pk: str | None = None) -> Response:
        """Remove the user's authenticator so that the user enrols again at the next sign-in."""
        user = self.get_object()
        services.reset_two_factor(request.user, user)
        return Response(UserSerializer(User.objects.get(pk=user.pk), context={"request": request}).data)


class MeSerializer(serializers.ModelSerializer):
    role_label = serializers.CharField(source="get_role_display", read_only=True)
    contractor_name = serializers.SerializerMethodField()
    has_totp = serializers.BooleanField(read_only=True)
    two_factor_required = serializers.SerializerMethodField()
    permissions = serializers.SerializerMethodField()

    class Meta:
        model = User
        fields = [
            "id",
            "username",
            "display_name",
            "email",
            "role",
            "role_label",
            "contractor",
            "contractor_name",
            "access_expires_at",
            "has_totp",
            "two_factor_required",
            "permissions",
        ]
        read_only_fields = fields

    def get_contractor_name(self, user: User) -> str | None:
        return user.contractor.name if user.contractor else None

    def get_two_factor_required(self, user: User) -> bool:
        return services.requires_two_factor(user)

    def get_permissions(self, user: User) -> dict[str, list[str]]:
        """What the role may do per kind of record, before record scoping: ``{"incident_case": ["add", "view"]}``."""
        granted = {name: sorted(str(a) for a in policy.allowed(user, name)) for name in policy.RESOURCES}
        return {name: actions for name, actions in granted.items() if actions}


class MeView(StrictQueryMixin, APIView):
    """The signed-in user, the role and what the role may do."""

    permission_classes = [PolicyPermission]

    @extend_schema(responses=MeSerializer)
    def get(self, request: Request) -> Response:
        return Response(MeSerializer(request.user, context={"request": request}).data)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=4096, trim_whitespace=False, style={"input_type": "password"})
    code = serializers.CharField(
        max_length=10, required=False, allow_blank=True, help_text="Six-digit two-factor code, if the user has one."
    )
    name = serializers.CharField(
        max_length=100, required=False, allow_blank=True, help_text="A name to recognise the token by."
    )
    expires_in_days = serializers.IntegerField(
        required=False,
        min_value=1,
        help_text="Lifetime in days (default MAMORI_API_TOKEN_DAYS, 90 unless configured; at most 365).",
    )


class ApiTokenSerializer(serializers.ModelSerializer):
    """A token as listed: never its key, which exists only in the answer that created it."""

    owner_username = serializers.CharField(source="owner.username", read_only=True)
    active = serializers.BooleanField(source="is_active", read_only=True)
    revoked_reason = serializers.CharField(
        read_only=True, help_text="Why it was revoked (owner, manager, password, …); empty while it is not."
    )
    expires_in_days = serializers.IntegerField(
        write_only=True, required=False, min_value=1, help_text="Lifetime in days (default 90, at most 365)."
    )

    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "owner",
            "owner_username",
            "created_at",
            "expires_at",
            "last_used_at",
            "revoked_at",
            "revoked_reason",
            "active",
            "expires_in_days",
        ]
        read_only_fields = ["owner", "expires_at"]
        extra_kwargs = {"name": {"required": False, "allow_blank": True}}


class NewApiTokenSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The token itself. Shown only in this answer.")

    class Meta(ApiTokenSerializer.Meta):
        fields = [*ApiTokenSerializer.Meta.fields, "token"]


TOKEN_RESPONSE = inline_serializer(
    "TokenResponse",
    {"token": serializers.CharField(), "api_token": ApiTokenSerializer(), "user": MeSerializer()},
)


class TokenView(StrictQueryMixin, APIView):
    """POST: user name, password (and two-factor code) → a new API token. DELETE: revoke the token the
    request was made with."""

    throttle_scope = "token"

    def get_permissions(self) -> list[Any]:
        return [AllowAny()] if self.request.method == "POST" else [PolicyPermission()]

    def get_throttles(self) -> list[Any]:
        return [ScopedRateThrottle()] if self.request.method == "POST" else []

    def get_authenticators(self) -> list[Any]:
        # Obtaining a token needs no prior credentials; a stale session cookie must not get in the way (CSRF).
        method = getattr(getattr(self, "request", None), "method", None)
        return [] if method == "POST" else super().get_authenticators()

    def get_authenticate_header(self, request: Request) -> str:
        return "Token"  # a refused sign-in is 401 even though POST itself reads no credentials

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TOKEN_RESPONSE, 400: OpenApiResponse(description="Fields missing or not valid.")},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        """Every call makes a new named token (an old one is never handed out again); the token is in this
        answer only, the server keeps just its digest."""
        form = TokenRequestSerializer(data=request.data)
        form.is_valid(raise_exception=True)
        data = form.validated_data
        try:
            user = services.check_credentials(data["username"], data["password"])
        except services.LoginRefused as refused:
            raise exceptions.AuthenticationFailed(str(refused)) from None
        self._check_second_factor(user, data.get("code", ""))
        services.record_login(user)  # the same "login" entry as the sign-in page, marked via=api
        try:
            token, key = services.issue_api_token(user, user, data.get("name", ""), data.get("expires_in_days"))
        except DjangoValidationError as error:
            raise validation_error(error) from None
        body = {
            "token": key,
            "api_token": ApiTokenSerializer(token, context={"request": request}).data,
            "user": MeSerializer(user, context={"request": request}).data,
        }
        return Response(body, status=status.HTTP_200_OK)

    @staticmethod
    def _check_second_factor(user: User, code: str) -> None:
        if user.has_totp:
            if not code:
                raise exceptions.AuthenticationFailed(
                    _("This account uses two-factor authentication: send the six-digit code as 'code'."),
                    code="two_factor_required",
                )
            try:
                services.check_second_factor(user, code)
            except services.LoginRefused as refused:
                raise exceptions.AuthenticationFailed(str(refused), code="two_factor_failed") from None
        elif services.requires_two_factor(user):
            raise exceptions.PermissionDenied(
                _(
                    "Your role requires two-factor authentication: set it up by signing in to the web "
                    "interface, then request a token."
                ),
                code="two_factor_setup_required",
            )

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        if isinstance(request.auth, ApiToken):
            services.revoke_api_token(request.user, request.auth)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ApiTokenFilter(django_filters.FilterSet):
    owner = IdFilter(field_name="owner_id")
    active = django_filters.BooleanFilter(method="filter_active")

    class Meta:
        model = ApiToken
        fields = ["owner", "active"]

    def filter_active(self, queryset: QuerySet[ApiToken], name: str, value: bool | None) -> QuerySet[ApiToken]:
        if value is None:
            return queryset
        live = Q(revoked_at__isnull=True, expires_at__gt=timezone.now())
        return queryset.filter(live) if value else queryset.exclude(live)


class ApiTokenViewSet(
    StrictQueryMixin,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    viewsets.GenericViewSet,
):
    """API tokens: every user lists, creates and revokes their own; the protection manager lists and revokes
    everyone's (``?owner=`` narrows the list). Another user's token does not exist for anyone else (404).

    Creating a token here needs a signed-in browser session: a token cannot make further tokens, so a
    leaked token cannot outlive its own expiry. Scripts use ``POST /api/v1/auth/token/`` with the password.
    """

    permission_classes = [PolicyPermission]  # any active, signed-in user; the rows are scoped below
    serializer_class = ApiTokenSerializer
    filterset_class = ApiTokenFilter
    ordering_fields = ["created_at", "expires_at", "last_used_at", "name"]
    ordering = ["-created_at"]
    lookup_value_regex = r"[0-9]+"

    def get_queryset(self) -> QuerySet[ApiToken]:
        return services.visible_api_tokens(self.request.user)

    def get_serializer_class(self) -> type[serializers.BaseSerializer[Any]]:
        return NewApiTokenSerializer if self.action == "create" else ApiTokenSerializer

    def perform_create(self, serializer: serializers.BaseSerializer[Any]) -> None:
        if self.request.auth is not None:
            raise exceptions.PermissionDenied(
                _("A token cannot create tokens: sign in on the web page, or use POST /api/v1/auth/token/."),
                code="token_cannot_create_tokens",
            )
        data = serializer.validated_data
        user: User = self.request.user  # type: ignore[assignment]  # PolicyPermission admitted only users
        try:
            token, key = services.issue_api_token(user, user, data.get("name", ""), data.get("expires_in_days"))
        except DjangoValidationError as error:
            raise validation_error(error) from None
        serializer.instance = token
        self._new_key = key

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().create(request, *args, **kwargs)
        response.data = {**response.data, "token": self._new_key}
        return response

    @extend_schema(request=None, responses={200: ApiTokenSerializer})
    @action(detail=True, methods=["post"])
    def revoke(self, request: Request, pk: str | None = None) -> Response:
        """Revoke the token at once. Revoking an already revoked token changes nothing."""
        token = self.get_object()
        services.revoke_api_token(request.user, token)
        return Response(ApiTokenSerializer(token, context={"request": request}).data)
