"""One way to make HTML: Jinja templates in bot/web/templates/, autoescaped by the engine."""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")
# characters Markdown (and its autolinker) reads as syntax, written as numeric entities so a resident's own words
# show as typed: "[x](https://…)" stays text, not a link
_MARKDOWN = {c: f"&#{ord(c)};" for c in "\\`*_{}[]()#+-.!|<>~:=&\"'"}


def plan_url(url: str, lang: str, sentences: Iterable[str] = ()) -> str:
    """A link to the plan viewer in the reader's language, naming the cited sentences (highlighted there):
    ``/plan#p`` -> ``/plan?lang=en&s=p.3#p``. A URL that is not the plan viewer's is returned as it is."""
    path, sep, fragment = url.partition("#")
    if path != "/plan" or not sep:
        return url
    query = [("lang", "en")] if lang == "en" else []
    ids = [s for s in sentences if s]
    if ids:
        query.append(("s", ",".join(ids)))
    qs = "&".join(f"{k}={quote(v, safe='/,.-_')}" for k, v in query)
    return f"/plan{'?' + qs if qs else ''}#{fragment}"


def cite_url(citation: Any, lang: str) -> str:
    """The citation card's link: its paragraph, with the quoted sentences named."""
    return plan_url(citation.url, lang, getattr(citation, "sentence_ids", None) or ())


def cite_markers(text: str) -> Markup:
    """Escaped text with its [n] citation markers as superscripts and its line breaks kept."""
    body = re.sub(r"\[(\d{1,2})\]", r'<sup class="cite-ref">[\1]</sup>', str(escape(text)))
    return Markup(body.replace("\n", "<br>"))


def plain_text(text: str) -> Markup:
    """Text that HTML, Markdown and autolinking all show as typed (a resident's own question in the chat)."""
    body = "".join(_MARKDOWN.get(c, c) for c in text)
    return Markup(" ".join(body.split()))


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The templates are part of the code: compiled once, never looked at on disk again (``auto_reload`` would
    stat each template file whenever it is used, the citation card once per citation of every answer)."""
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.do"], trim_blocks=True, lstrip_blocks=True, auto_reload=False)
    env.filters["plan_url"] = plan_url
    env.filters["cite_url"] = cite_url
    env.filters["cite_markers"] = cite_markers
    env.filters["plain_text"] = plain_text
    return env


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
