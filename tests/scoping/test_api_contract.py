"""Scoping over the API answers as its OpenAPI schema says: the inquiry desk refuses a body with neither (or
both) of an e-mail address and a member id, and the schema says so; the people of a version come in pages."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from tests.scoping.test_services import run, spec

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def components():
    return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


@pytest.mark.parametrize("body", [{}, {"email": " ", "member_id": ""}, {"email": "a@example.com", "member_id": "7"}])
def test_an_inquiry_needs_exactly_one_of_e_mail_and_member_id(client_for, staff, body):
    # when
    response = client_for(staff).post("/api/v1/scoping-inquiries/", body, content_type="application/json")
    # then a 400 with the error shape, not an answer
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid"


def test_the_schema_says_an_inquiry_needs_exactly_one(components):
    inquiry = components["InquiryRequest"]
    assert [branch["required"] for branch in inquiry["oneOf"]] == [["email"], ["member_id"]]


def test_the_schema_requires_a_data_source_or_a_preserved_copy(components):
    define = components["DefineRequest"]
    assert [branch["required"] for branch in define["anyOf"]] == [["data_source"], ["evidence"]]


def test_the_people_of_a_version_come_in_pages(client_for, manager, server_case, shop_source, shop2):
    # given a finished scoping
    scoping = run(manager, server_case, spec(shop_source))
    # when the second page of one person each is asked for
    response = client_for(manager).get(f"/api/v1/scopings/{scoping.pk}/people/?page=2&page_size=1")
    # then
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == scoping.people_count and len(body["results"]) == 1


def test_bad_payment_ids_are_one_message_for_the_field(client_for, manager, server_case):
    # when an id is null (the schema says: numbers or texts)
    body = {"case": server_case.pk, "preset": "eccube2", "evidence": 1, "window_from": "2018-01-01"}
    body |= {"window_to": "2018-02-01", "payment_ids": [1, None]}
    response = client_for(manager).post("/api/v1/scopings/preview/", body, content_type="application/json")
    # then 400 with a list of messages under the field, as the error shape says
    assert response.status_code == 400
    assert isinstance(response.json()["error"]["fields"]["payment_ids"], list)


def test_the_schema_says_an_inquiry_has_a_body():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    assert schema["paths"]["/api/v1/scoping-inquiries/"]["post"]["requestBody"]["required"] is True
