"""Uploads of card lists stay in memory: never a temporary file (Django spools large files to disk otherwise).

The only handler of the request keeps the file's bytes in memory up to ``MAMORI_UPLOAD_MAX_BYTES`` and stops the
upload past it, so a clear card number never touches the disk. Install before anything reads the body.
"""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, StopUpload
from django.http import HttpRequest


class MemoryOnlyUpload(FileUploadHandler):
    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.received = 0
        self.exceeded = False
        self.buffer = io.BytesIO()

    def new_file(self, *args: Any, **kwargs: Any) -> None:
        super().new_file(*args, **kwargs)
        self.buffer = io.BytesIO()

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received += len(raw_data)
        if self.received > self.limit:
            self.exceeded = True
            self.buffer = io.BytesIO()
            raise StopUpload(connection_reset=False)
        self.buffer.write(raw_data)
        return None

    def file_complete(self, file_size: int) -> InMemoryUploadedFile:
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            self.buffer, self.field_name, self.file_name, self.content_type, file_size, self.charset
        )


def memory_only(request: HttpRequest) -> MemoryOnlyUpload:
    """Make the request's files stay in memory (the only handler); call before the body is read."""
    handler = MemoryOnlyUpload(request, int(settings.MAMORI_UPLOAD_MAX_BYTES))
    request.upload_handlers = [handler]
    return handler
