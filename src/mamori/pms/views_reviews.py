"""Management review pages: inputs for the period, minutes and decisions, top management's approval."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from mamori.accounts import policy
from mamori.accounts.policy import Action
from mamori.core.forms import apply_validation_error
from mamori.pms import services_reviews as reviews
from mamori.pms.forms import ReviewCreateForm, ReviewForm
from mamori.pms.models import ManagementReview, ReviewStatus
from mamori.pms.services_audits import RESULT_ORDER

RESOURCE = reviews.RESOURCE


@login_required
def review_list(request: HttpRequest) -> HttpResponse:
    policy.check(request.user, Action.VIEW, RESOURCE)
    items = policy.scope(request.user, RESOURCE, ManagementReview.objects.select_related("approved_by"))
    form = ReviewCreateForm(request.POST or None)
    if request.method == "POST":
        policy.check(request.user, Action.ADD, RESOURCE)
        if form.is_valid():
            try:
                review = reviews.create_review(
                    request.user, form.cleaned_data["period_from"], form.cleaned_data["period_to"]
                )
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return redirect("pms:review_detail", pk=review.pk)
    return render(
        request,
        "pms/review_list.html",
        {"reviews": items, "form": form, "can_add": policy.can(request.user, Action.ADD, RESOURCE)},
        status=400 if form.errors else 200,
    )


def _page(
    request: HttpRequest, review: ManagementReview, form: ReviewForm, status: int = 200, error: str = ""
) -> HttpResponse:
    draft = review.status == ReviewStatus.DRAFT
    audits = [
        {
            "title": a.get("title", ""),
            "results": [(r.label, a["results"][r]) for r in RESULT_ORDER if a["results"].get(r)],
        }
        for a in (review.inputs or {}).get("audits", [])
    ]
    previous = reviews.previous_review(review)
    if previous is not None and not policy.can(request.user, Action.VIEW, RESOURCE, previous):
        previous = None
    return render(
        request,
        "pms/review_detail.html",
        {
            "object": review,
            "inputs": review.inputs,
            "audits": audits,
            "previous": previous,
            "missing": reviews.missing_for_approval(review),
            "form": form,
            "error": error,
            "can_change": draft and policy.can(request.user, Action.CHANGE, RESOURCE, review),
            "can_approve": draft and policy.can(request.user, Action.APPROVE, RESOURCE, review),
        },
        status=status,
    )


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = policy.get_visible(request.user, RESOURCE, ManagementReview.objects.all(), pk=pk)
    if request.method == "POST":
        policy.check(request.user, Action.CHANGE, RESOURCE, review)
        form = ReviewForm(request.POST, instance=ManagementReview.objects.get(pk=pk))
        if form.is_valid():
            try:
                reviews.update_review(request.user, review, {f: form.cleaned_data[f] for f in reviews.EDITABLE})
            except ValidationError as error:
                apply_validation_error(form, error)
            else:
                return redirect("pms:review_detail", pk=review.pk)
        return _page(request, review, form, status=400)
    return _page(request, review, ReviewForm(instance=review))


@login_required
@require_POST
def review_gather(request: HttpRequest, pk: int) -> HttpResponse:
    review = policy.get_visible(request.user, RESOURCE, ManagementReview.objects.all(), pk=pk)
    try:
        reviews.regather(request.user, review)
    except ValidationError as error:
        return _page(request, review, ReviewForm(instance=review), status=400, error=error.messages[0])
    return redirect("pms:review_detail", pk=review.pk)


@login_required
@require_POST
def review_approve(request: HttpRequest, pk: int) -> HttpResponse:
    review = policy.get_visible(request.user, RESOURCE, ManagementReview.objects.all(), pk=pk)
    try:
        reviews.approve(request.user, review)
    except ValidationError as error:
        return _page(request, review, ReviewForm(instance=review), status=400, error=error.messages[0])
    return redirect("pms:review_detail", pk=review.pk)
