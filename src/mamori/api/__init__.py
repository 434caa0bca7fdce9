"""The API's shared machinery. Importing the package applies the API-wide field rules (see ``fields``)."""

from mamori.api import fields as _fields

_fields.install()
