"""The web layer: REST API, pages, the Gradio chat, the staff view and the portal widget."""

from .app import create_app, serve

__all__ = ["create_app", "serve"]
