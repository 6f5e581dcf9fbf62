"""Serving stored uploads: the one response every upload leaves the server through.

Uploads are never public media (there is no /media/ URL, in DEBUG neither). The view of each app
first loads the owning object through the access policy — a visit photo through its visit, an
attachment through its issue, a roster workbook through the imports the user may see (404 out of
scope) — and then returns serve_upload(...):

    return serve_upload(photo.image, filename=f"visit-{visit.pk}-{photo.pk}")

The response is a download (`Content-Disposition: attachment`), the browser may not guess
another type (`X-Content-Type-Options: nosniff`), the type is sniffed from the content again (the
stored label of an old upload is not trusted), and nothing is cached (`Cache-Control: no-store,
private`). An <img src> still displays an image served this way.
"""

from __future__ import annotations

from django.http import FileResponse, Http404

from core.uploads import served_content_type


def serve_upload(field_file, *, filename: str = "") -> FileResponse:
    if not field_file:
        raise Http404
    try:
        handle = field_file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    content_type = served_content_type(handle)
    response = FileResponse(
        handle, as_attachment=True, filename=filename or None, content_type=content_type
    )
    if not filename:
        response["Content-Disposition"] = "attachment"
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store, private"
    return response
