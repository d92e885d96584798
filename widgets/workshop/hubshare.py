"""Sharing from a learner's own server on JupyterHub, through the trainers' dashboard service.

The learner's server holds no database address and no secret: it sends what the learner chooses
to share to the service (:mod:`.hub`), signed with the hub's token for this server
(``JUPYTERHUB_API_TOKEN``), and the service asks the hub whose token it is. This class answers
the share page as :class:`~.cohort.CohortStore` does, so the page works the same either way; the
random device id the page keeps in the journal is not needed here, since the hub says who the
learner is.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from .cohort import Cohort, CohortError, Note, check_note, normalise_code

#: The service's address as a learner's server reaches it (``.../services/NAME/``).
SERVICE_ENV = "SECURE_BASE_COHORT_SERVICE"
TIMEOUT_SECONDS = 20


class ServiceUnreachable(OSError):
    """The service did not answer, or could not do what was asked just now."""


class HubShares:
    """The cohort service, as the hub user this server belongs to."""

    def __init__(self, url: str, token: str, user: str):
        self.url = url.rstrip("/") + "/"
        self._token = token
        self.user = user

    @classmethod
    def from_environment(cls, environ: Mapping[str, str]) -> HubShares | None:
        url, token = environ.get(SERVICE_ENV, ""), environ.get("JUPYTERHUB_API_TOKEN", "")
        user = environ.get("JUPYTERHUB_USER", "")
        return cls(url, token, user) if url and token and user else None

    def _call(self, method: str, path: str, body: object = None) -> Any:
        request = urllib.request.Request(  # noqa: S310 - the hub's own service, over http(s)
            self.url + "api/" + path,
            method=method,
            data=None if body is None else json.dumps(body).encode(),
            headers={
                "Authorization": f"token {self._token}",
                "Content-Type": "application/json",
                "Accept": "application/json",
            },
        )
        if not self.url.startswith(("http://", "https://")):
            raise ServiceUnreachable("the workshop's service has no web address")
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as exc:
            if exc.code >= 500:
                raise ServiceUnreachable(f"the workshop's service answered {exc.code}") from None
            try:
                message = json.loads(exc.read()).get("message")
            except (ValueError, AttributeError, OSError):
                message = None
            if exc.code == 404 and method == "GET" and path.count("/") == 1:
                return None  # no such cohort
            raise CohortError(message or "The workshop's service refused this.") from None
        except (OSError, ValueError) as exc:
            raise ServiceUnreachable(str(exc)) from None

    def _mine(self, code: str) -> str:
        return f"cohorts/{quote(normalise_code(code))}/users/{quote(self.user, safe='')}"

    # -- as CohortStore ---------------------------------------------------------------------
    def cohort(self, code: str) -> Cohort | None:
        found = self._call("GET", f"cohorts/{quote(normalise_code(code))}")
        return None if found is None else Cohort(found["code"], found["title"], "")

    def share(self, code: str, device: str, ratings: Mapping[Any, Any]) -> None:
        cells = {f"{d}/{s}": level for (d, s), level in ratings.items()}
        self._call("PUT", self._mine(code), {"ratings": cells})

    def shared(self, code: str, device: str) -> dict[tuple[str, str], int]:
        found = self._call("GET", self._mine(code))
        cells = {}
        for key, level in found["ratings"].items():
            domain, _, stage = key.partition("/")
            cells[(domain, stage)] = int(level)
        return cells

    def withdraw(self, code: str, device: str) -> bool:
        return bool(self._call("DELETE", self._mine(code))["withdrawn"])

    def post_note(self, code: str, device: str, text: str) -> int:
        posted = self._call("POST", self._mine(code) + "/notes", {"text": check_note(text)})
        return int(posted["id"])

    def my_notes(self, code: str, device: str) -> list[Note]:
        found = self._call("GET", self._mine(code))
        return [Note(n["id"], n["text"], n["posted"], False) for n in found["notes"]]
