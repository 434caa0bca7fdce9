"""Card-company lists over the API answer as the OpenAPI schema says: the import is multipart/form-data with
the file, an archive needs a reason, and the matches come in pages."""

from __future__ import annotations

import pytest
from drf_spectacular.generators import SchemaGenerator

from mamori.cardlists import services
from tests.cardlists.conftest import CARDS, csv_bytes, received

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def schema():
    return SchemaGenerator().get_schema(request=None, public=True)


def test_the_schema_documents_the_import_as_a_multipart_file(schema):
    body = schema["paths"]["/api/v1/card-lists/"]["post"]["requestBody"]["content"]
    assert list(body) == ["multipart/form-data"]
    request = schema["components"]["schemas"]["CardListImportRequest"]
    assert request["properties"]["file"]["format"] == "binary" and "file" in request["required"]


def test_an_archive_without_a_reason_is_refused_and_the_schema_requires_one(client_for, manager, server_case, schema):
    # given an imported list
    data = csv_bytes([["カード番号"]] + [[c] for c in CARDS[:2]])
    card_list = services.import_list(
        manager, server_case, data=data, file_name="l.csv", received_from="JCB", received_at=received()
    )
    # when archived without a reason
    response = client_for(manager).post(f"/api/v1/card-lists/{card_list.pk}/archive/", {}, "application/json")
    # then 400 naming the field, and the schema says the reason is required
    assert response.status_code == 400 and "reason" in response.json()["error"]["fields"]
    assert schema["components"]["schemas"]["CardListArchiveRequest"]["required"] == ["reason"]


def test_the_matches_take_page_parameters(client_for, manager, server_case):
    data = csv_bytes([["カード番号"]] + [[c] for c in CARDS[:2]])
    card_list = services.import_list(
        manager, server_case, data=data, file_name="l.csv", received_from="JCB", received_at=received()
    )
    response = client_for(manager).get(f"/api/v1/card-lists/{card_list.pk}/matches/?page=1&page_size=10")
    assert response.status_code == 200 and response.json()["results"] == []
