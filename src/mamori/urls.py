from django.urls import include, path

urlpatterns = [
    path("", include("mamori.core.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("accounts/", include("mamori.accounts.urls")),
    path("audit/", include("mamori.audit.urls")),
    path("contractors/", include("mamori.contractors.urls")),
    path("ledger/", include("mamori.ledger.urls")),
    path("incidents/", include("mamori.incidents.urls")),
    path("evidence/", include("mamori.evidence.urls")),
    path("risk/", include("mamori.risk.urls")),
    path("jobs/", include("mamori.jobs.urls")),
    path("discovery/", include("mamori.discovery.urls")),
    path("scoping/", include("mamori.scoping.urls")),
    path("cardlists/", include("mamori.cardlists.urls")),
    path("notices/", include("mamori.notices.urls")),
    path("pms/", include("mamori.pms.urls")),
    path("api/", include("mamori.api.urls")),
]

handler400 = "mamori.core.errors.bad_request"
handler403 = "mamori.core.errors.permission_denied"
handler404 = "mamori.core.errors.page_not_found"
handler500 = "mamori.core.errors.server_error"
