"""Document control pages: documents, versions, approval, withdrawal."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.core.forms import apply_validation_error
from mamori.pms import services_documents as documents
from mamori.pms.forms import ArchiveForm, DocumentForm, VersionForm
from mamori.pms.models import Document, DocumentVersion

RESOURCE = documents.RESOURCE


def _documents() -> Any:
    return Document.objects.select_related("owner").prefetch_related("versions")


@login_required
def document_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, RESOURCE)
    can_add = policy.can(request.user, Action.ADD, RESOURCE)
    rows = [(d, d.current_version()) for d in policy.scope(request.user, RESOURCE, _documents())]
    if not documents.oversees(request.user):
        rows = [(d, v) for d, v in rows if v is not None and d.withdrawn_at is None]
    return render(request, "pms/document_list.html", {"rows": rows, "can_add": can_add})


@login_required
def document_create(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.ADD, RESOURCE)
    form = DocumentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            document = documents.create_document(request.user, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:document_detail", pk=document.pk)
    return render(
        request, "pms/simple_form.html", {"form": form, "tab": "documents"}, status=400 if form.errors else 200
    )


@login_required
def document_edit(request: HttpRequest, pk: int) -> HttpResponse:
    document = policy.get_visible(request.user, RESOURCE, _documents(), pk=pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, document)
    form = DocumentForm(request.POST or None, instance=Document.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        try:
            documents.update_document(request.user, document, form.cleaned_data)
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:document_detail", pk=document.pk)
    return render(
        request,
        "pms/simple_form.html",
        {"form": form, "tab": "documents", "object": document},
        status=400 if form.errors else 200,
    )


def _page(
    request: HttpRequest, document: Document, form: VersionForm, status: int = 200, error: str = ""
) -> HttpResponse:
    can_change = document.withdrawn_at is None and policy.can(request.user, Action.CHANGE, RESOURCE, document)
    versions = list(document.versions.select_related("approved_by", "created_by"))
    if not documents.oversees(request.user):
        versions = [v for v in versions if v.approved_at is not None]
    role = documents.approver_role(document.kind)
    return render(
        request,
        "pms/document_detail.html",
        {
            "object": document,
            "versions": versions,
            "form": form,
            "error": error,
            "can_change": can_change,
            "can_approve": document.withdrawn_at is None
            and policy.can(request.user, Action.APPROVE, RESOURCE, document)
            and getattr(request.user, "role", None) == role,
            "approver": role.label,
        },
        status=status,
    )


@login_required
def document_detail(request: HttpRequest, pk: int) -> HttpResponse:
    document = policy.get_visible(request.user, RESOURCE, _documents(), pk=pk)
    if not documents.oversees(request.user) and (
        document.withdrawn_at is not None or document.current_version() is None
    ):
        raise Http404  # staff read what is in force, as in the list and the API
    if request.method == "POST":
        policy.check(request.user, Action.CHANGE, RESOURCE, document)
        form = VersionForm(request.POST)
        if form.is_valid():
            try:
                documents.draft_version(request.user, document, form.cleaned_data)
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return redirect("pms:document_detail", pk=document.pk)
        return _page(request, document, form, status=400)
    return _page(request, document, VersionForm())


@login_required
@require_POST
def version_approve(request: HttpRequest, pk: int) -> HttpResponse:
    documents_seen = policy.scope(request.user, RESOURCE, Document.objects.all())
    version = policy.get_visible(
        request.user,
        RESOURCE,
        DocumentVersion.objects.filter(document__in=documents_seen).select_related("document"),
        pk=pk,
    )
    try:
        documents.approve_version(request.user, version)
    except ValidationError as error:
        return _page(request, version.document, VersionForm(), status=400, error=" ".join(error.messages))
    return redirect("pms:document_detail", pk=version.document_id)


@login_required
def document_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    document = policy.get_visible(request.user, RESOURCE, _documents(), pk=pk)
    policy.check(request.user, Action.CHANGE, RESOURCE, document)
    form = ArchiveForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            documents.withdraw_document(request.user, document, form.cleaned_data["reason"])
        except ValidationError as error:
            apply_validation_error(form, error)
        else:
            return redirect("pms:document_detail", pk=document.pk)
    return render(
        request,
        "pms/simple_form.html",
        {"form": form, "tab": "documents", "object": document, "danger": True},
        status=400 if form.errors else 200,
    )
