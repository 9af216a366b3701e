"""One way to make HTML: Jinja templates in bot/web/templates/, autoescaped by the engine."""

from __future__ import annotations

import re
from functools import lru_cache
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup, escape

TEMPLATES = Path(__file__).with_name("templates")
STATIC = Path(__file__).with_name("static")


def plan_url(url: str, lang: str) -> str:
    """A citation's link to the plan viewer, in the reader's language."""
    return url.replace("/plan#", "/plan?lang=en#", 1) if lang == "en" else url


def cite_markers(text: str) -> Markup:
    """Escaped text with its [n] citation markers as superscripts and its line breaks kept."""
    body = re.sub(r"\[(\d{1,2})\]", r'<sup class="cite-ref">[\1]</sup>', str(escape(text)))
    return Markup(body.replace("\n", "<br>"))


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]),
                      extensions=["jinja2.ext.do"], trim_blocks=True, lstrip_blocks=True)
    env.filters["plan_url"] = plan_url
    env.filters["cite_markers"] = cite_markers
    return env


def render_template(name: str, **context: Any) -> str:
    return environment().get_template(name).render(**context)
