"""The whole app in one process: the REST API, pages and the Gradio chat at /, served by uvicorn.
The index is loaded (or built) in the background while /api/health says 'not ready'.

Gradio is imported and the chat built in the background too, once the index is loaded (or a few seconds later when
it must be built): importing Gradio takes longer than loading the index, and neither /api/health nor the API needs
it. Until the chat is there, a request for it waits (``LazyUI``); nothing is refused for starting late."""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import threading
import time
from types import SimpleNamespace
from typing import Any

from fastapi import FastAPI
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound
from starlette.types import Receive, Scope, Send

from ..config import Settings
from ..feedback import FeedbackStore
from ..service import Assistant
from . import readiness
from .api import create_api
from .http import FailureBackoff, RateLimiter, error
from .render import STATIC

FOLLOW_EVERY_S = 1.0  # how often the serving process looks for a build made by another process
GRADIO_CALLS_PER_MINUTE = 10  # times the API's per-client budget: Gradio POSTs (several per question and page)
UI_AFTER_INDEX_S = 3.0  # the chat is built once the index is loaded, or after this long (while a build runs)
UI_WAIT_S = 120.0  # how long a request for the chat waits for it at start-up (then 503)
GRADIO_PATHS = "/gradio_api/"  # Gradio's own API: the two requests of every chat question, its files and events
ROOT_URLS = 64  # root URLs of the chat kept (one per host name the app is reached by, normally one or two)

log = logging.getLogger("bot.web")


class _Parent(SimpleNamespace):
    """What ``gr.mount_gradio_app`` touches of the app it mounts on: its middleware (Gradio leaves CORS to it), its
    lifespan (started here by ``LazyUI`` instead) and ``mount`` (kept here for ``LazyUI``)."""

    def mount(self, path: str, app: Any) -> None:
        self.mounted = app


class LazyUI:
    """The ASGI app at /: the guarded Gradio app once ``built``, its queue started on the server's event loop; a
    request that comes earlier waits for it (up to ``UI_WAIT_S``, then 503). Attributes are Gradio's (``get_blocks``
    …), after waiting for the build."""

    def __init__(self) -> None:
        self.app: Any = None  # set on the event loop once the queue runs
        self.failed: str | None = None
        self._built = threading.Event()
        self._guarded: Any = None
        self._gradio: Any = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._exit = contextlib.AsyncExitStack()
        self._starting = False

    def built(self, guarded: Any, gradio_app: Any) -> None:
        """From the builder thread."""
        self._guarded, self._gradio = guarded, gradio_app
        self._built.set()
        loop = self._loop
        if loop is not None and not loop.is_closed():
            asyncio.run_coroutine_threadsafe(self._start(), loop)

    def fail(self, reason: str) -> None:
        self.failed = reason
        self._built.set()

    async def startup(self) -> None:
        """From the app's lifespan: the loop the queue runs on."""
        self._loop = asyncio.get_running_loop()
        if self._guarded is not None:
            await self._start()

    async def _start(self) -> None:
        if self._starting:
            return
        self._starting = True  # on the loop's thread: no other _start runs in between
        await self._exit.enter_async_context(self._gradio.router.lifespan_context(self._gradio))
        blocks = self._gradio.get_blocks()
        blocks.run_startup_events()
        await blocks.run_extra_startup_events()
        self.app = self._guarded

    async def shutdown(self) -> None:
        await self._exit.aclose()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        app = self.app
        if app is None:
            deadline = time.monotonic() + UI_WAIT_S
            while self.app is None and self.failed is None and time.monotonic() < deadline:
                await asyncio.sleep(0.05)
            app = self.app
        if app is None:
            if scope["type"] == "http":
                reason = self.failed or "the chat is still starting"
                await error(503, "starting", f"{reason} — try again in a few seconds", {"Retry-After": "5"})(
                    scope, receive, send)
            return
        await app(scope, receive, send)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("_"):
            raise AttributeError(name)
        self._built.wait(UI_WAIT_S)
        if self._guarded is None:
            raise AttributeError(name)
        return getattr(self._guarded, name)


class GradioPathsFirst(Mount):
    """The mount at / (the chat) reached first for paths under ``/gradio_api/``: for those, our ~12 routes and any
    staff routes were each tried before the mount on every request (none can match them: ``gradio_paths_first``
    checks), two requests per chat question. The same mount, the same scope for the app; any other path, and
    any request under a root path, walks the routes as before."""

    def __init__(self, mount: Mount, prefix: str = GRADIO_PATHS) -> None:
        super().__init__(mount.path or "/", app=mount.app)
        self.prefix = prefix

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope.get("root_path") or not str(scope.get("path", "")).startswith(self.prefix):
            return Match.NONE, {}
        return super().matches(scope)

    def url_path_for(self, name: str, /, **path_params: Any) -> Any:
        raise NoMatchFound(name, path_params)  # names nothing: url_for finds each route where it stands


def _may_reach(route: BaseRoute, prefix: str, outer: str = "") -> bool:
    """Whether ``route`` (or a route of an included router) could match a path starting with ``prefix``; True
    when unsure."""
    included = getattr(route, "original_router", None)
    if included is not None:  # FastAPI's included router: its routes, under its prefix
        extra = getattr(getattr(route, "include_context", None), "prefix", None)
        return not isinstance(extra, str) or any(_may_reach(r, prefix, outer + extra) for r in included.routes)
    path = getattr(route, "path", None)
    if not isinstance(path, str):
        return True
    path = outer + path
    if "{" not in path and not isinstance(route, Mount):  # a fixed path: only itself
        return path.startswith(prefix)
    literal = (path + "/" if isinstance(route, Mount) else path).split("{", 1)[0]
    return literal.startswith(prefix) or prefix.startswith(literal)


def gradio_paths_first(app: FastAPI, prefix: str = GRADIO_PATHS) -> bool:
    """Put ``GradioPathsFirst`` before every route of ``app`` when its last route is the mount at / and no route
    before it can match a path under ``prefix``. Returns whether it did (once)."""
    routes = app.router.routes
    mount = routes[-1] if routes else None
    if (not isinstance(mount, Mount) or mount.path != "" or any(isinstance(r, GradioPathsFirst) for r in routes)
            or any(_may_reach(r, prefix) for r in routes[:-1])):
        return False
    routes.insert(0, GradioPathsFirst(mount, prefix))
    return True


def remembered_root_urls() -> None:
    """Gradio's queue works out the chat's public root URL from each question's request (``get_root_url``: the
    request's URL, host and forwarding headers, parsed twice by httpx, ~45 µs); the same request fields give the
    same URL, so each answer is kept, keyed by every field it reads (at most ``ROOT_URLS``: a Host header is the
    client's to choose). A request that is not Starlette's is worked out each time."""
    from gradio import route_utils
    from starlette.requests import Request

    compute = route_utils.get_root_url
    if getattr(compute, "remembered", False):
        return
    known: dict[tuple[Any, ...], str] = {}

    def get_root_url(request: Any, route_path: str, root_path: str | None) -> str:
        if not isinstance(request, Request):
            return compute(request, route_path, root_path)
        scope, headers = request.scope, request.headers
        server = scope.get("server")
        key = (route_path, root_path, scope.get("scheme"), tuple(server) if isinstance(server, list) else server,
               scope.get("root_path"), scope["path"],
               scope.get("query_string"), headers.get("host"), headers.get("x-forwarded-host"),
               headers.get("x-gradio-server"), headers.get("x-forwarded-proto"))
        url = known.get(key)
        if url is None:
            url = compute(request, route_path, root_path)
            if len(known) >= ROOT_URLS:
                known.clear()
            known[key] = url
        return url

    get_root_url.remembered = True  # type: ignore[attr-defined]
    get_root_url.computed = compute  # type: ignore[attr-defined]  # Gradio's own, for the tests' comparison
    get_root_url.known = known  # type: ignore[attr-defined]
    route_utils.get_root_url = get_root_url  # type: ignore[assignment]


def without_monitoring(blocks: Any) -> None:
    """Gradio's queue summarises every event it has recorded (up to 10,000: a pandas DataFrame, grouped, with
    percentiles) after each event, for its monitoring dashboard — which this app does not offer (monitoring off,
    its routes refused). That cost 1 ms of CPU per question after a thousand questions and 5 ms after ten thousand,
    more than rendering the answer: the queue keeps the last 100 events' figures and no longer summarises them."""
    queue = getattr(blocks, "_queue", None)
    if queue is None or not hasattr(queue, "compute_analytics_summary"):
        return
    queue.ANALYTICS_MAX_EVENTS = min(getattr(queue, "ANALYTICS_MAX_EVENTS", 100), 100)

    def summary(records: Any) -> Any:
        return queue.cached_event_analytics_summary

    summary.inline = True  # type: ignore[attr-defined]
    queue.compute_analytics_summary = summary
    from gradio import queueing

    to_thread = queueing.run_sync  # what the queue hands the summary to, a worker thread per event
    if not getattr(to_thread, "inline_aware", False):
        async def run_sync(fn: Any, *args: Any, **kwargs: Any) -> Any:
            return fn(*args) if getattr(fn, "inline", False) else await to_thread(fn, *args, **kwargs)

        run_sync.inline_aware = True  # type: ignore[attr-defined]
        queueing.run_sync = run_sync  # type: ignore[assignment]
    try:  # Gradio sets matplotlib's backend around every event: imported here, not on a resident's first question
        from gradio.utils import MatplotlibBackendMananger

        with MatplotlibBackendMananger():
            pass
    except Exception:  # noqa: BLE001 — only a head start
        pass


def without_deep_link_state() -> None:
    """Gradio keeps, for every session (each page visit), a copy of every block's configuration, made when the
    session starts and updated after each event, so that a deep link (``/gradio_api/deep_link``) can recreate the
    page. This app refuses deep links (``bot.web.gradio_guard``), and that copy cost more CPU than the rest of
    Gradio's work on a question (~60 blocks' configurations, each read off its constructor's signature): sessions
    here keep their state and their blocks, not the copy."""
    from gradio import state_holder
    from gradio.components import State

    original = state_holder.SessionState
    if getattr(original, "_lean", False) or not all(hasattr(original, name) for name in (
            "__setitem__", "_update_config", "_update_value_in_config", "components")):
        return

    class LeanSessionState(original):  # type: ignore[misc, valid-type]
        _lean = True

        def __init__(self, blocks: Any) -> None:
            super().__init__(SimpleNamespace(default_config=blocks.default_config, blocks={}))

        def __setitem__(self, key: int, value: Any) -> None:
            blocks = self.blocks_config.blocks
            block = blocks.get(key)
            if isinstance(block, State):  # as Gradio's own, less the deep-link copy of the block's configuration
                self._state_ttl[key] = (block.time_to_live, datetime.datetime.now())
                self.state_data[key] = value
            else:
                blocks[key] = value

        def _update_config(self, key: int) -> None:
            pass

        def _update_value_in_config(self, key: int, value: Any) -> None:
            pass

    state_holder.SessionState = LeanSessionState  # type: ignore[misc]


def inline_login_check(gradio_app: Any) -> int:
    """Gradio's routes (a question's ``queue/join`` and ``queue/data`` among them) depend on its ``login_check``, a
    plain function that FastAPI runs in its thread pool: two hand-offs to a worker thread per question for two
    comparisons (this app has no Gradio login). The same check runs on the event loop instead, same answers (and
    the same 401 if Gradio's login were on). Returns how many routes were changed."""
    import inspect
    from dataclasses import replace

    from fastapi.routing import APIRoute

    def api_routes(routes: Any) -> Any:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif getattr(route, "original_router", None) is not None:  # an included router (FastAPI >= 0.120)
                yield from api_routes(route.original_router.routes)

    routes = list(api_routes(gradio_app.router.routes))
    check = next((d.dependency for r in routes if r.path.endswith("/queue/join") for d in r.dependencies
                  if getattr(d.dependency, "__name__", "") == "login_check"), None)
    user = inspect.signature(check).parameters.get("user") if check is not None else None
    if check is None or user is None or inspect.iscoroutinefunction(check):
        return 0

    async def login_check(user: Any = user.default) -> Any:
        return check(user=user)

    def patch(dependant: Any) -> None:
        for sub in dependant.dependencies:
            if sub.call is check:
                sub.call = login_check
            patch(sub)

    changed = 0
    for route in routes:
        if any(d.dependency is check for d in route.dependencies):
            route.dependencies = [replace(d, dependency=login_check) if d.dependency is check else d
                                  for d in route.dependencies]
            changed += 1
        patch(route.dependant)
    for route in gradio_app.router.routes:  # included routers build their routes again from the patched ones
        for name in ("_effective_candidates_version", "_effective_low_priority_routes_version"):
            if hasattr(route, name):
                setattr(route, name, None)
    return changed


def _build_ui(app: FastAPI, ui: LazyUI, assistant: Assistant, store: FeedbackStore, limiter: RateLimiter,
              settings: Settings, loaded: threading.Event) -> None:
    loaded.wait(UI_AFTER_INDEX_S)  # the index first: both want the interpreter, and health needs only the index
    try:
        import gradio as gr

        from .chat import HEAD, build_ui, theme
        from .gradio_guard import GradioGuard, quiet_gradio_tracebacks

        blocks = build_ui(assistant, store, limiter)
        parent = _Parent(user_middleware=app.user_middleware, router=SimpleNamespace(lifespan_context=None),
                         mounted=None)
        gr.mount_gradio_app(parent, blocks, path="/", theme=theme(), css_paths=[STATIC / "app.css"],  # type: ignore[arg-type]
                            head=HEAD, footer_links=[], run_history=False, ssr_mode=False, enable_monitoring=False,
                            pwa=False, mcp_server=False)
        without_monitoring(blocks)
        without_deep_link_state()
        remembered_root_urls()
        inline_login_check(parent.mounted)
        guarded = GradioGuard(parent.mounted, blocks, refusals=limiter,
                              calls=RateLimiter(settings.rate_limit_per_minute * GRADIO_CALLS_PER_MINUTE))
        quiet_gradio_tracebacks()
    except Exception as exc:  # the API and pages go on; the chat says it failed
        log.exception("the chat could not be built")
        ui.fail(f"the chat could not be started ({exc.__class__.__name__})")
        return
    ui.built(guarded, parent.mounted)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings.from_env()
    assistant = Assistant(settings)
    stop = threading.Event()
    loaded = threading.Event()

    def load() -> None:
        try:
            assistant.load_until_ready(on_progress=lambda msg: log.info("index: %s", msg), stop=stop)
        except Exception as exc:  # health keeps reporting "not ready" with the reason
            assistant.status = f"failed: {exc}"
            log.exception("the index could not be loaded")
            return
        finally:
            loaded.set()
        while not stop.wait(FOLLOW_EVERY_S):  # `python -m bot index --rebuild` elsewhere: serve the new build
            assistant.follow_rebuilds()

    readiness.watch_loader()  # the loader's first progress lines, before the chat is there to show them
    threading.Thread(target=load, name="index-loader", daemon=True).start()  # first: health waits for it alone
    store = FeedbackStore.from_settings(settings)  # SQLite under BOT_DATA_DIR, or BOT_DATABASE_URL
    limiter = RateLimiter(settings.rate_limit_per_minute)
    backoff = FailureBackoff()  # wrong staff passwords: the API's Bearer check (app.state.staff_backoff) and the UI
    app = create_api(assistant, store, limiter, backoff=backoff)
    ui = LazyUI()
    app.mount("/", ui)
    gradio_paths_first(app)  # the chat's own API paths skip the walk through ours
    app.state.ui = ui
    lifespan = app.router.lifespan_context

    @contextlib.asynccontextmanager
    async def with_ui(app: FastAPI) -> Any:
        async with lifespan(app) as state:
            await ui.startup()
            try:
                yield state
            finally:
                await ui.shutdown()

    app.router.lifespan_context = with_ui
    threading.Thread(target=_build_ui, args=(app, ui, assistant, store, limiter, settings, loaded), name="ui-builder",
                     daemon=True).start()
    return app


def serve(settings: Settings | None = None) -> None:
    from .server import run

    settings = settings or Settings.from_env()
    logging.basicConfig(level=logging.INFO)
    run(create_app(settings), settings)  # header/body deadlines, connection caps, access lines without addresses
