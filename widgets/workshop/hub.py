"""The trainers' dashboard as a JupyterHub service, and the place learners' servers share to.

Started by the hub (``python -m widgets.workshop.hub``, as ``secure-base jupyterhub-config``
writes it) or beside it on Kubernetes. Two kinds of request, each identified by the hub itself:

- **Trainers' pages** (the cohorts, one cohort's dashboard and its live updates over a
  websocket): signed in through the hub's OAuth, and open only to a token that holds
  ``access:services!service=<this service>``, which the hub grants to the trainers' group by a
  role. Anyone else gets 403, on the page and on the websocket alike. The pages are drawn here,
  from the cohort store; nothing a browser sends is ever run.
- **Learners' shares** (``api/...``): a learner's own server sends its ``JUPYTERHUB_API_TOKEN``;
  the hub says whose token it is, and the name in the address must be that name. A share is
  filed under a keyed hash of the cohort and the user's name (:func:`~.cohort.owner_keys`),
  with a secret that only this service holds, never under the name itself.

The cohort store's address comes from the environment or a file (never a command line), and
learners' servers never see it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import secrets
import sys
from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlparse

from jupyterhub.services.auth import (  # type: ignore[import-untyped]
    HubOAuth,
    HubOAuthCallbackHandler,
    HubOAuthenticated,
    check_scopes,
)
from markupsafe import Markup
from tornado import web, websocket
from tornado.ioloop import IOLoop

from ..content import Course, Scenario, load_course, load_scenarios
from ..reports.templates import template_environment
from .cohort import (
    DB_ENV,
    DB_FILE_ENV,
    DEFAULT_MIN_ANSWERS,
    MIN_ANSWERS_ENV,
    STORE_PROBLEMS,
    CohortError,
    CohortStore,
    Summary,
    check_min_answers,
    database_from_environment,
    normalise_code,
    owner_keys,
)
from .dashboard import TEMPLATES, focus_cells, focus_html, grid_html, summary_export, trainer_css

#: The share secret itself (at least 32 characters), as a Kubernetes secret would give it ...
SECRET_ENV = "SECURE_BASE_SHARE_SECRET"  # noqa: S105 - the name of a variable
#: ... or the file that holds it, made (readable by this service's account alone) if missing.
SECRET_FILE_ENV = "SECURE_BASE_SHARE_SECRET_FILE"  # noqa: S105 - the name of a variable
DEFAULT_SECRET_FILE = "secure-base-share-secret"  # noqa: S105 - a file name
MIN_SECRET_CHARS = 32
#: How often an open dashboard looks for new shares, in seconds.
REFRESH_SECONDS = 3.0
#: The largest request: a trainer's share files (up to 16 KB each), or a learner's share.
MAX_BODY_BYTES = 4 * 1024 * 1024
LOG = logging.getLogger(__name__)
T = TypeVar("T")


class ServiceError(Exception):
    """Why the service cannot start, in a full sentence."""


def share_secret(environ: Mapping[str, str], cwd: Path | None = None) -> bytes:
    """The secret shares are keyed with: from the environment, or a file (made if missing)."""
    given = environ.get(SECRET_ENV, "").strip()
    if given:
        if len(given) < MIN_SECRET_CHARS:
            raise ServiceError(
                f"{SECRET_ENV} is too short to keep shares apart: give at least "
                f"{MIN_SECRET_CHARS} random characters."
            )
        return given.encode()
    path = Path(environ.get(SECRET_FILE_ENV, "").strip() or DEFAULT_SECRET_FILE).expanduser()
    if not path.is_absolute():
        path = (cwd or Path.cwd()) / path
    try:
        # Made once, readable by this service's account alone; kept, so that a learner who
        # shares again after a restart replaces their earlier share rather than adding one.
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    except OSError as exc:
        raise ServiceError(f"The share secret could not be made at {path} ({exc}).") from None
    else:
        with os.fdopen(descriptor, "w", encoding="utf-8") as made:
            made.write(secrets.token_hex(32) + "\n")
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise ServiceError(f"The share secret at {path} could not be read ({exc}).") from None
    if len(text) < MIN_SECRET_CHARS:
        raise ServiceError(
            f"The share secret at {path} is too short: it needs at least {MIN_SECRET_CHARS} "
            "random characters. Remove the file and the service will make a new one."
        )
    return text.encode()


class Service:
    """What every request shares: the course, the store, the secret and the threshold."""

    def __init__(
        self,
        course: Course,
        store: CohortStore,
        secret: bytes,
        min_answers: int,
        scenarios: list[Scenario],
    ):
        self.course = course
        self.store = store
        self.secret = secret
        self.min_answers = check_min_answers(min_answers)
        self.scenarios = scenarios
        #: Where the service's pages are, as the hub's proxy forwards them (``/services/NAME/``).
        self.prefix = "/"

    async def run(self, call: Callable[..., T], *args: Any) -> T:
        """A store call, off the event loop (each is one short transaction)."""
        return await IOLoop.current().run_in_executor(None, partial(call, *args))


def _pages() -> Any:
    return template_environment(TEMPLATES)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


# -- the trainers' pages -----------------------------------------------------------------------
class TrainerPage(HubOAuthenticated, web.RequestHandler):
    """A page for trainers alone: the hub signs them in; without the service's access scope,
    403 (the hub refuses first, when it is asked to sign someone in here)."""

    def initialize(self, service: Service, hub_auth: Any) -> None:
        self.service = service
        self.hub_auth = hub_auth

    def set_default_headers(self) -> None:
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Referrer-Policy", "same-origin")

    def page(self, name: str, **values: Any) -> None:
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(
            _pages()
            .get_template(name)
            .render(
                course=self.service.course,
                css=Markup(trainer_css()),  # noqa: S704 - the course's own stylesheet
                xsrf=Markup(self.xsrf_form_html()),  # noqa: S704 - tornado's own hidden field
                base=self.service.prefix,
                **values,
            )
        )

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        messages = {
            403: "This page is the trainers’ dashboard, and your account is not one of the "
            "hub’s trainers. If you run workshops, ask whoever looks after the hub to add you "
            "to the trainers’ group.",
            404: "There is nothing here. The cohort may have been deleted.",
        }
        reason = kwargs.get("exc_info", (None, None))[1]
        text = getattr(reason, "log_message", None) if status_code == 400 else None
        message = messages.get(status_code) or text or "Something went wrong on the dashboard."
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(
            _pages()
            .get_template("hub_problem.html.j2")
            .render(
                course=self.service.course,
                status=status_code,
                message=message,
                base=self.service.prefix,
                css=Markup(trainer_css()),  # noqa: S704 - the course's own stylesheet
            )
        )

    async def cohort_or_404(self, code: str) -> str:
        try:
            found = await self.service.run(self.service.store.cohort, code)
        except CohortError:
            found = None
        if found is None:
            raise web.HTTPError(404)
        return found.code


class CohortsPage(TrainerPage):
    @web.authenticated
    async def get(self) -> None:
        cohorts = await self.service.run(self.service.store.cohorts)
        self.page("hub_cohorts.html.j2", cohorts=list(reversed(cohorts)), problem="")

    @web.authenticated
    async def post(self) -> None:
        title = self.get_body_argument("title", "")
        try:
            cohort = await self.service.run(self.service.store.create_cohort, title)
        except CohortError as exc:
            cohorts = await self.service.run(self.service.store.cohorts)
            self.set_status(400)
            self.page("hub_cohorts.html.j2", cohorts=list(reversed(cohorts)), problem=str(exc))
            return
        self.redirect(f"cohorts/{cohort.code}", status=303)


def live_html(service: Service, summary: Summary, xsrf: str) -> str:
    """The part of the dashboard that changes as learners share."""
    return str(
        _pages()
        .get_template("hub_live.html.j2")
        .render(
            summary=summary,
            people=_plural(summary.participants, "person has", "people have"),
            grid=Markup(grid_html(summary, service.course)),  # noqa: S704 - escaped parts
            focus=Markup(  # noqa: S704 - built from escaped parts
                focus_html(focus_cells(summary, service.course, service.scenarios), service.course)
            ),
            xsrf=Markup(xsrf),  # noqa: S704 - tornado's own hidden field
            base=service.prefix,
            updated=f"{datetime.now():%H:%M:%S}",
        )
    )


class CohortPage(TrainerPage):
    @web.authenticated
    async def get(self, code: str) -> None:
        code = await self.cohort_or_404(code)
        summary = await self.service.run(self.service.store.summary, code, self.service.min_answers)
        self.page(
            "hub_dashboard.html.j2",
            summary=summary,
            live=Markup(live_html(self.service, summary, self.xsrf_form_html())),  # noqa: S704
            message=self.get_query_argument("done", ""),
        )


class NotePage(TrainerPage):
    @web.authenticated
    async def post(self, code: str, note: str) -> None:
        code = await self.cohort_or_404(code)
        hidden = self.get_body_argument("hidden", "") == "1"
        await self.service.run(self.service.store.set_note_hidden, code, int(note), hidden)
        self.redirect(f"../../{code}#notes", status=303)


class ShareFilesPage(TrainerPage):
    @web.authenticated
    async def post(self, code: str) -> None:
        code = await self.cohort_or_404(code)
        files = self.request.files.get("files", [])
        new = updated = 0
        refused: list[str] = []
        for number, upload in enumerate(files, start=1):
            name = "".join(c if c.isprintable() else "?" for c in upload.filename)[:80]
            try:
                if await self.service.run(self.service.store.import_share_file, code, upload.body):
                    new += 1
                else:
                    updated += 1
            except CohortError as exc:
                refused.append(f"{name or f'file {number}'}: {str(exc).rstrip('.')}")
        done = f"{new + updated} of {len(files)} files added ({new} new, {updated} updated)."
        if refused:
            done += " Not added: " + "; ".join(refused) + "."
        self.redirect(f"../{code}?" + _query(done=done), status=303)


def _query(**values: str) -> str:
    from urllib.parse import urlencode

    return urlencode(values)


class SummaryPage(TrainerPage):
    @web.authenticated
    async def get(self, code: str) -> None:
        code = await self.cohort_or_404(code)
        summary = await self.service.run(self.service.store.summary, code, self.service.min_answers)
        html = summary_export(summary, self.service.course, self.service.scenarios)
        name = f"secure-base-cohort-{code}-{datetime.now():%Y-%m-%d}.html"
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        self.finish(html)


class DeletePage(TrainerPage):
    @web.authenticated
    async def post(self, code: str) -> None:
        code = await self.cohort_or_404(code)
        typed = self.get_body_argument("confirm", "").strip().upper().replace(" ", "")
        if typed != code:
            message = f"Type the cohort code, {code}, to confirm. Nothing was deleted."
            self.redirect(f"../{code}?" + _query(done=message), status=303)
            return
        await self.service.run(self.service.store.delete_cohort, code)
        self.redirect("../../", status=303)


class LiveSocket(HubOAuthenticated, websocket.WebSocketHandler):
    """The dashboard's live updates: the changing part of the page, sent when it changes.

    Open to trainers alone (403 otherwise, before the connection is upgraded); whatever the
    browser sends on it is ignored.
    """

    def initialize(self, service: Service, hub_auth: Any) -> None:
        self.service = service
        self.hub_auth = hub_auth
        self.task: asyncio.Task[None] | None = None
        self.xsrf_html = ""

    async def get(self, *args: Any, **kwargs: Any) -> None:
        if self.current_user is None:
            raise web.HTTPError(403)
        # The notes' forms in each update carry the page's own XSRF field, read before the
        # connection is upgraded (the cookie the page set is in this request).
        self.xsrf_html = self.xsrf_form_html()
        await super().get(*args, **kwargs)

    async def open(self, *args: str, **kwargs: str) -> None:
        code = normalise_code(args[0])
        self.task = asyncio.ensure_future(self.watch(code))
        self.task.add_done_callback(self._ended)

    def _ended(self, task: asyncio.Task[None]) -> None:
        if not task.cancelled() and task.exception() is not None:
            LOG.error("The dashboard's live updates stopped", exc_info=task.exception())
            self.close(1011, "The dashboard's live updates stopped.")

    async def watch(self, code: str) -> None:
        seen: Summary | None = None
        while True:
            summary: Summary | None
            try:
                summary = await self.service.run(
                    self.service.store.summary, code, self.service.min_answers
                )
            except CohortError:
                self.close(4404, "The cohort has been deleted.")
                return
            except STORE_PROBLEMS:
                LOG.exception("The cohort store could not be read")
                summary = seen
            if summary is not None and summary != seen:
                seen = summary
                html = live_html(self.service, summary, self.xsrf_html)
                try:
                    await self.write_message(json.dumps({"html": html}))
                except websocket.WebSocketClosedError:
                    return
            await asyncio.sleep(REFRESH_SECONDS)

    def on_message(self, message: str | bytes) -> None:
        """Nothing a browser sends is acted on."""

    def on_close(self) -> None:
        if self.task is not None:
            self.task.cancel()


# -- learners' shares --------------------------------------------------------------------------
class ShareAPI(web.RequestHandler):
    """A learner's server sharing for its own user: ``Authorization: token <its API token>``."""

    def initialize(self, service: Service, hub_auth: Any) -> None:
        self.service = service
        self.hub_auth = hub_auth
        self.user = ""

    def check_xsrf_cookie(self) -> None:
        """A token in a header, never a cookie, signs these requests: nothing to forge."""

    def set_default_headers(self) -> None:
        self.set_header("Content-Type", "application/json")
        self.set_header("Cache-Control", "no-store")

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        reason = kwargs.get("exc_info", (None, None))[1]
        message = getattr(reason, "log_message", None) or {
            401: "This request needs the hub's token for your own server.",
            403: "This is not yours to change.",
            404: "There is nothing here.",
        }.get(status_code, "The workshop's service could not do that just now.")
        self.finish(json.dumps({"message": message}))

    async def prepare(self) -> None:
        found = self.hub_auth.auth_header_pat.match(self.request.headers.get("Authorization", ""))
        if not found:
            raise web.HTTPError(401, "This request needs the hub's token for your own server.")
        model = await self.hub_auth.user_for_token(found.group(1), sync=False)
        if not model or model.get("kind", "user") != "user":
            raise web.HTTPError(403, "The hub does not know this token as a user's.")
        name = str(model["name"])
        # A token for the user's own server (or one as broad): not, say, one another service
        # was given to read the user's name.
        if not check_scopes({f"access:servers!server={name}/"}, set(model.get("scopes", []))):
            raise web.HTTPError(403, "Share from your own server on the hub.")
        self.user = name

    def owner(self, code: str, user: str) -> tuple[str, str]:
        if user != self.user:
            raise web.HTTPError(
                403, "You can share, see and withdraw only your own ratings and notes."
            )
        try:
            return owner_keys(self.service.secret, code, self.user)
        except CohortError as exc:
            raise web.HTTPError(400, str(exc)) from None

    def body(self) -> dict[str, Any]:
        try:
            data = json.loads(self.request.body or b"{}")
        except ValueError:
            data = None
        if not isinstance(data, dict):
            raise web.HTTPError(400, "The request should be a JSON object.")
        return data

    def reply(self, value: object, status: int = 200) -> None:
        self.set_status(status)
        self.finish(json.dumps(value))

    async def call(self, method: Callable[..., T], *args: Any) -> T:
        try:
            return await self.service.run(method, *args)
        except CohortError as exc:
            raise web.HTTPError(400, str(exc)) from None


class CohortAPI(ShareAPI):
    async def get(self, code: str) -> None:
        try:
            found = await self.service.run(self.service.store.cohort, code)
        except CohortError as exc:
            raise web.HTTPError(400, str(exc)) from None
        if found is None:
            raise web.HTTPError(404, f"There is no cohort {normalise_code(code)} on this hub.")
        self.reply({"code": found.code, "title": found.title})


class MyShareAPI(ShareAPI):
    async def get(self, code: str, user: str) -> None:
        ratings_key, notes_key = self.owner(code, user)
        store = self.service.store
        shared = await self.call(store.shared_hashed, code, ratings_key)
        notes = await self.call(store.my_notes_hashed, code, notes_key)
        self.reply(
            {
                "ratings": {f"{d}/{s}": level for (d, s), level in sorted(shared.items())},
                "notes": [{"id": n.id, "text": n.text, "posted": n.posted} for n in notes],
            }
        )

    async def put(self, code: str, user: str) -> None:
        ratings_key, _ = self.owner(code, user)
        ratings = self.body().get("ratings")
        if not isinstance(ratings, dict):
            raise web.HTTPError(400, "A share holds ratings, and these are missing.")
        cells = {tuple(str(k).partition("/")[::2]): v for k, v in ratings.items()}
        new = await self.call(self.service.store.share_hashed, code, ratings_key, cells)
        self.reply({"new": new}, 201 if new else 200)

    async def delete(self, code: str, user: str) -> None:
        ratings_key, notes_key = self.owner(code, user)
        gone = await self.call(self.service.store.withdraw_hashed, code, ratings_key, notes_key)
        self.reply({"withdrawn": gone})


class MyNotesAPI(ShareAPI):
    async def post(self, code: str, user: str) -> None:
        _, notes_key = self.owner(code, user)
        text = self.body().get("text")
        note = await self.call(self.service.store.post_note_hashed, code, notes_key, text)
        self.reply({"id": note}, 201)


# -- the service -------------------------------------------------------------------------------
def make_app(service: Service, hub_auth: Any, prefix: str) -> web.Application:
    prefix = "/" + prefix.strip("/") + "/" if prefix.strip("/") else "/"
    service.prefix = prefix
    code, user = r"([A-Za-z0-9-]{1,20})", r"([^/]+)"
    with_service = {"service": service, "hub_auth": hub_auth}
    routes: list[Any] = [
        (prefix + "oauth_callback", HubOAuthCallbackHandler),
        (prefix, CohortsPage, with_service),
        (prefix + f"cohorts/{code}", CohortPage, with_service),
        (prefix + f"cohorts/{code}/live", LiveSocket, with_service),
        (prefix + f"cohorts/{code}/notes/([0-9]{{1,12}})", NotePage, with_service),
        (prefix + f"cohorts/{code}/share-files", ShareFilesPage, with_service),
        (prefix + f"cohorts/{code}/summary", SummaryPage, with_service),
        (prefix + f"cohorts/{code}/delete", DeletePage, with_service),
        (prefix + f"api/cohorts/{code}", CohortAPI, with_service),
        (prefix + f"api/cohorts/{code}/users/{user}", MyShareAPI, with_service),
        (prefix + f"api/cohorts/{code}/users/{user}/notes", MyNotesAPI, with_service),
    ]
    return web.Application(
        routes,
        hub_auth=hub_auth,
        cookie_secret=secrets.token_bytes(32),
        xsrf_cookies=True,
        login_url=hub_auth.login_url,
        websocket_max_message_size=1024,
    )


def start(environ: Mapping[str, str]) -> tuple[web.Application, CohortStore, str, int]:
    """Everything the service needs from its environment, checked; ServiceError if not."""
    name = environ.get("JUPYTERHUB_SERVICE_NAME")
    address = environ.get("JUPYTERHUB_SERVICE_URL")
    if not name or not address or not environ.get("JUPYTERHUB_API_TOKEN"):
        raise ServiceError(
            "This is the trainers' dashboard for JupyterHub, and the hub starts it: add it to "
            "the hub's configuration with `secure-base jupyterhub-config`."
        )
    course = load_course()
    try:
        where = database_from_environment(environ)
        if where is None:
            raise ServiceError(
                f"The dashboard needs the cohort database's address: set {DB_ENV}, or "
                f"{DB_FILE_ENV} to a file that holds it, in the service's environment."
            )
        store = CohortStore(where, course)
    except CohortError as exc:
        raise ServiceError(str(exc)) from None
    except STORE_PROBLEMS as exc:
        raise ServiceError(f"The cohort database could not be opened ({exc}).") from None
    try:
        min_answers = check_min_answers(int(environ.get(MIN_ANSWERS_ENV, DEFAULT_MIN_ANSWERS)))
    except (ValueError, CohortError) as exc:
        store.close()
        raise ServiceError(f"{MIN_ANSWERS_ENV}: {exc}") from None
    service = Service(course, store, share_secret(environ), min_answers, list(load_scenarios()))
    # One instance, which the hub's own OAuth callback handler finds too.
    hub_auth = HubOAuth.instance(api_token=environ["JUPYTERHUB_API_TOKEN"], cache_max_age=60)
    app = make_app(service, hub_auth, environ.get("JUPYTERHUB_SERVICE_PREFIX", "/"))
    app.settings["max_body_size"] = MAX_BODY_BYTES
    url = urlparse(address)
    return app, store, url.hostname or "127.0.0.1", url.port or 80


def main() -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        app, store, host, port = start(os.environ)
    except ServiceError as exc:
        print(f"secure-base dashboard service: {exc}", file=sys.stderr)
        return 2
    from tornado.httpserver import HTTPServer

    server = HTTPServer(app, xheaders=True, max_body_size=MAX_BODY_BYTES)
    server.listen(port, host)
    LOG.info("The trainers' dashboard is listening on %s:%s", host, port)
    try:
        IOLoop.current().start()
    except KeyboardInterrupt:
        pass
    finally:
        store.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
