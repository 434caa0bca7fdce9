"""The matrix scores risks as likelihood × impact and bands them; changing it re-bands stored risks."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from mamori.accounts.policy import SYSTEM
from mamori.audit.models import AuditEntry
from mamori.risk import services
from mamori.risk.models import Band, RiskMatrix

pytestmark = pytest.mark.django_db


def test_the_default_matrix_is_three_by_three_with_japanese_and_english_labels(matrix):
    # then
    assert (matrix.likelihood_levels, matrix.impact_levels) == (3, 3)
    assert all(level["ja"] and level["en"] for level in matrix.likelihood_labels + matrix.impact_labels)


@pytest.mark.parametrize(
    ("likelihood", "impact", "value", "band"),
    [
        (1, 1, 1, Band.LOW),
        (1, 2, 2, Band.LOW),
        (1, 3, 3, Band.MEDIUM),
        (2, 2, 4, Band.MEDIUM),
        (2, 3, 6, Band.HIGH),
        (3, 3, 9, Band.HIGH),
    ],
)
def test_score_is_likelihood_times_impact_and_the_band_follows_the_thresholds(matrix, likelihood, impact, value, band):
    # when
    score = matrix.score(likelihood, impact)
    # then
    assert score is not None
    assert (score.value, score.band) == (value, band)


def test_unassessed_levels_have_no_score(matrix):
    assert matrix.score(None, 2) is None
    assert matrix.score(2, None) is None


def test_scores_above_the_tolerance_need_treatment(matrix):
    assert not matrix.needs_treatment(matrix.score(1, 2))
    assert matrix.needs_treatment(matrix.score(1, 3))


def test_changing_the_matrix_rebands_stored_risks_without_rewriting_them(make_risk, matrix):
    # given a risk of 2 × 2 = 4, medium under the default matrix
    risk = make_risk(likelihood=2, impact=2)
    assert risk.inherent(matrix).band == Band.MEDIUM
    # when the manager lowers the high band to 4
    services.update_matrix(SYSTEM, matrix, {"high_from": 4})
    # then the same stored levels are now high
    risk.refresh_from_db()
    assert (risk.likelihood, risk.impact) == (2, 2)
    assert risk.inherent(RiskMatrix.current()).band == Band.HIGH


def test_a_five_by_five_matrix_can_replace_the_default(matrix):
    # given
    levels = [{"ja": f"レベル{i}", "en": f"Level {i}"} for i in range(1, 6)]
    # when
    services.update_matrix(
        SYSTEM,
        matrix,
        {"likelihood_labels": levels, "impact_labels": levels, "medium_from": 5, "high_from": 15, "tolerance": 4},
    )
    # then
    stored = RiskMatrix.current()
    assert stored.max_score == 25
    assert stored.score(5, 3).band == Band.HIGH
    assert AuditEntry.objects.filter(action="update", object_type="risk.riskmatrix").exists()


def test_bands_must_rise_and_fit_the_matrix(matrix):
    # when / then
    with pytest.raises(ValidationError) as error:
        services.update_matrix(SYSTEM, matrix, {"medium_from": 6, "high_from": 3})
    assert "high_from" in error.value.message_dict
    assert RiskMatrix.current().high_from == 6


def test_levels_that_risks_use_cannot_be_removed(make_risk, matrix):
    # given
    make_risk(likelihood=3, impact=1)
    two_levels = [{"ja": "低", "en": "Low"}, {"ja": "高", "en": "High"}]
    # when / then
    with pytest.raises(ValidationError) as error:
        services.update_matrix(
            SYSTEM, matrix, {"likelihood_labels": two_levels, "medium_from": 2, "high_from": 4, "tolerance": 2}
        )
    assert "likelihood_labels" in error.value.message_dict
    assert RiskMatrix.current().likelihood_levels == 3


def test_the_manager_changes_the_matrix_on_its_page_and_the_change_is_audited(client_for, manager, matrix):
    # when
    response = client_for(manager).post(
        "/risk/matrix/",
        {
            "name": "5段階",
            "likelihood_labels": "1 | one\n2 | two\n3 | three\n4 | four\n5 | five",
            "impact_labels": "小 | minor\n中 | moderate\n大 | severe",
            "medium_from": "4",
            "high_from": "10",
            "tolerance": "3",
        },
    )
    # then
    assert response.status_code == 302
    stored = RiskMatrix.current()
    assert (stored.likelihood_levels, stored.impact_levels, stored.high_from) == (5, 3, 10)
    entry = AuditEntry.objects.get(action="update", object_type="risk.riskmatrix")
    assert entry.actor_username == "manager"


def test_a_bad_matrix_gets_field_errors_and_nothing_changes(client_for, manager, matrix):
    # when
    response = client_for(manager).post(
        "/risk/matrix/",
        {
            "name": "x",
            "likelihood_labels": "only one",
            "impact_labels": "a\nb",
            "medium_from": "9",
            "high_from": "2",
            "tolerance": "x",
        },
    )
    # then
    assert response.status_code == 400
    form = response.context["form"]
    assert {"likelihood_labels", "tolerance"} <= set(form.errors)
    assert RiskMatrix.current().name == matrix.name


def test_only_the_manager_may_change_the_matrix(client_for, president, staff, matrix):
    for user in (president, staff):
        response = client_for(user).post("/risk/matrix/", {"name": "x"})
        assert response.status_code == 403
