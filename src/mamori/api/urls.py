"""/api/: version 1 endpoints, the OpenAPI schema and its docs page; anything else is a JSON 404."""

from __future__ import annotations

from django.urls import include, path, re_path
from rest_framework.routers import DefaultRouter

from mamori.accounts.api import ApiTokenViewSet, MeView, TokenView, UserViewSet
from mamori.api import authentication  # noqa: F401 - registers the schema extensions for token and session
from mamori.api.errors import not_found
from mamori.api.views import DocsView, SchemaView
from mamori.audit.api import AuditEntryViewSet
from mamori.contractors.api import ContractorViewSet
from mamori.discovery.api import DataSourceViewSet, ScanViewSet
from mamori.incidents.api import CaseTaskViewSet, IncidentCaseViewSet
from mamori.incidents.api_appi import AppiAssessmentViewSet
from mamori.incidents.api_portal import PortalNoticeViewSet, PortalReportViewSet, PortalTaskViewSet
from mamori.ledger.api import DataCategoryViewSet, LedgerEntryViewSet
from mamori.risk.api import NonconformityViewSet, RiskViewSet

router = DefaultRouter()
router.register("contractors", ContractorViewSet, basename="contractor")
router.register("cases", IncidentCaseViewSet, basename="case")
router.register("case-tasks", CaseTaskViewSet, basename="case-task")
router.register(r"cases/(?P<case_pk>[0-9]+)/appi-assessments", AppiAssessmentViewSet, basename="case-appi-assessment")
router.register("users", UserViewSet, basename="user")
router.register("auth/tokens", ApiTokenViewSet, basename="api-token-record")
router.register("audit-entries", AuditEntryViewSet, basename="audit-entry")
router.register("ledger-entries", LedgerEntryViewSet, basename="ledger-entry")
router.register("data-categories", DataCategoryViewSet, basename="data-category")
router.register("risks", RiskViewSet, basename="risk")
router.register("nonconformities", NonconformityViewSet, basename="nonconformity")
router.register("data-sources", DataSourceViewSet, basename="data-source")
router.register("scans", ScanViewSet, basename="scan")
router.register("portal/reports", PortalReportViewSet, basename="portal-report")
router.register("portal/notices", PortalNoticeViewSet, basename="portal-notice")
router.register("portal/tasks", PortalTaskViewSet, basename="portal-task")
from mamori.evidence.api import EvidenceViewSet  # noqa: E402 - one line per part, kept together

router.register("evidence", EvidenceViewSet, basename="evidence")

# Apps that register their own endpoints (one line each, so parts can be added side by side).
from mamori.cardlists import api as cardlists_api  # noqa: E402
from mamori.contractors import api_supervision as contractors_supervision_api  # noqa: E402
from mamori.notices import api as notices_api  # noqa: E402
from mamori.pms import api as pms_api  # noqa: E402
from mamori.scoping import api as scoping_api  # noqa: E402

scoping_api.register(router)
cardlists_api.register(router)
notices_api.register(router)
contractors_supervision_api.register(router)
pms_api.register(router)

urlpatterns = [
    path("v1/me/", MeView.as_view(), name="api-me"),
    path("v1/auth/token/", TokenView.as_view(), name="api-token"),
    path("v1/", include(router.urls)),
    path("schema/", SchemaView.as_view(), name="api-schema"),
    path("docs/", DocsView.as_view(), name="api-docs"),
    re_path(r"^[\s\S]*$", not_found),  # [\s\S], not ".": an address with a newline is a JSON 404 too
]
