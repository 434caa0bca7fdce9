"""Web and API uploads of evidence: Django spools each file to a temporary file (never memory), and this handler,
put first, stops a request past ``MAMORI_EVIDENCE_MAX_BYTES`` before more of it is written anywhere."""

from __future__ import annotations

from typing import Any

from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest


class LimitedUpload(FileUploadHandler):
    """Counts the bytes of every file in the request; past the limit the upload stops (the rest of the body is
    read and dropped, so the browser still gets the page that says why)."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            raise StopUpload(connection_reset=False)
        return raw_data

    def file_complete(self, file_size: int) -> Any:
        return None  # the next handler (memory or temporary file) makes the file


def limit_uploads(request: HttpRequest, limit: int) -> LimitedUpload:
    """Put the limit in front of Django's handlers; call before the request body is read."""
    handler = LimitedUpload(request, limit)
    request.upload_handlers.insert(0, handler)
    return handler
