"""The ASGI app behind ``smartvote serve``."""

from smartvote.web.app import BundleIndex, create_app, serve_bundle

__all__ = ["BundleIndex", "create_app", "serve_bundle"]
