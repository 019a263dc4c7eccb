"""Publish recommendations to voters: signed static bundles, a verifying page, a verifier."""

from smartvote.publish.bundle import PublishResult, build_bundle
from smartvote.publish.canonical import canonical_bytes
from smartvote.publish.run import publish_demo, publish_files
from smartvote.publish.sign import generate_keypair
from smartvote.publish.verify import load_public_key, verify_bundle

__all__ = [
    "PublishResult",
    "build_bundle",
    "canonical_bytes",
    "generate_keypair",
    "load_public_key",
    "publish_demo",
    "publish_files",
    "verify_bundle",
]
