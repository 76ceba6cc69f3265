"""Datasette's error pages in the interface language."""

from __future__ import annotations

from datasette.utils.asgi import Response
from markupsafe import Markup

from kb.web import i18n
from kb.wording import N_

#: Datasette's own error messages, said in the interface language on its error pages.
DATASETTE_ERRORS = (N_("Database not found"), N_("Table not found"), N_("Record not found"),
                    N_("Invalid SQL"))


def error_page(datasette, request, exception):
    """Error pages in the interface language: Datasette's answer to an error it raises (its
    status, title and message in its error.html), rendered with the plugin's template
    variables (the translator, the navigation); JSON answers and unexpected exceptions are
    left to Datasette."""
    from datasette.utils import add_cors_headers
    from datasette.utils.asgi import Base400
    from datasette.views.base import DatasetteError

    if request.path.split("?")[0].endswith(".json"):
        return None
    if isinstance(exception, Base400):
        info = {"status": exception.status, "title": None,
                "error": exception.args[0] if exception.args else ""}
    elif isinstance(exception, DatasetteError):
        info = {**exception.error_dict, "status": exception.status, "title": exception.title,
                "error": Markup(exception.message) if exception.message_is_html
                else exception.message}
    else:
        return None

    if isinstance(info["error"], str) and info["error"] in DATASETTE_ERRORS:
        info["error"] = i18n.gettext(info["error"], i18n.language(request.scope))

    async def inner():
        headers = {}
        if datasette.cors:
            add_cors_headers(headers)
        html = await datasette.render_template(
            [f"{info['status']}.html", "error.html"], {"ok": False, **info}, request=request)
        return Response.html(html, status=info["status"], headers=headers)
    return inner
