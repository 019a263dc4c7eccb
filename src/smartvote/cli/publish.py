"""Publish (docs/3-publish.md): ``keygen``, ``publish``, ``verify`` and ``serve``.

The default ``--stations-format`` choices and ``--deadline`` are those of
:mod:`smartvote.publish.stations` and :mod:`smartvote.publish.verify`, written out here so
that ``smartvote --help`` does not import the publish package (tests/test_cli_package.py
checks they agree).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from smartvote.cli.base import JsonOpt, app, emit_json, fail, out
from smartvote.cli.options import bounded

#: :data:`smartvote.publish.stations.FORMATS` (see above).
FORMATS = ("tidy", "spb2021")
#: :data:`smartvote.publish.verify.DEFAULT_DEADLINE` (see above).
DEFAULT_DEADLINE = 300.0


@app.command()
def keygen(
    key_out: Annotated[
        Path, typer.Option("--out", help="private key file (the public key goes to OUT.pub)")
    ],
    force: Annotated[bool, typer.Option("--force", help="overwrite an existing key")] = False,
    as_json: JsonOpt = False,
) -> None:
    """Make an Ed25519 signing key: OUT (mode 0600, never printed) and OUT.pub."""
    from smartvote.publish.sign import generate_keypair

    kp = generate_keypair(key_out, force=force)
    if as_json:
        emit_json(kp.to_dict())
        return
    out().print(f"private key: {kp.private_path} (mode 0600; keep it offline, never publish it)")
    out().print(f"public key:  {kp.public_path}")
    out().print(f"fingerprint: {kp.fingerprint}")


@app.command()
def publish(
    recommendations: Annotated[Path, typer.Option(help="JSON of `smartvote recommend`")],
    stations: Annotated[Path, typer.Option(help="stations CSV (unit, race[, region, address])")],
    key: Annotated[Path, typer.Option(help="private key from `smartvote keygen`")],
    bundle_out: Annotated[
        Path, typer.Option("--out", help="bundle directory (replaced atomically)")
    ],
    stations_format: Annotated[
        str,
        typer.Option(help=f"stations file layout: {' or '.join(FORMATS)} (spb2021_stations.csv)"),
    ] = "tidy",
    election: Annotated[
        str | None, typer.Option(help="election name (default: from race ids)")
    ] = None,
    version: Annotated[
        int | None, typer.Option(help="explicit version (must exceed the previous)")
    ] = None,
    previous_version: Annotated[
        int | None, typer.Option(help="last published version, when OUT does not hold it")
    ] = None,
    channel: Annotated[
        list[str] | None,
        typer.Option(help='official channel "NAME URL" where voters compare the key (repeat)'),
    ] = None,
    mirror: Annotated[
        list[str] | None, typer.Option(help="mirror URL offered when loading fails (repeat)")
    ] = None,
    valid_until: Annotated[
        str | None, typer.Option(help="YYYY-MM-DD after which copies say they may be outdated")
    ] = None,
    announce_with: Annotated[
        Path | None,
        typer.Option(help="the previous private key: it signs the announcement of KEY"),
    ] = None,
    site_url: Annotated[
        str | None, typer.Option(help="the voter page's public URL (QR code on leaflets)")
    ] = None,
    as_json: JsonOpt = False,
) -> None:
    """Write a signed static bundle: manifest, shards, voter page, offline and print copies."""
    from smartvote.publish.run import publish_files

    res = publish_files(
        recommendations,
        stations,
        key,
        bundle_out,
        stations_format=stations_format,
        election=election,
        version=version,
        previous_version=previous_version,
        channels=channel or (),
        mirrors=mirror or (),
        valid_until=valid_until,
        announce_with=announce_with,
        site_url=site_url,
    )
    if as_json:
        emit_json(res.to_dict())
        return
    out().print(f"published {res.election!r} version {res.version} to {res.out}")
    out().print(
        f"{res.stations:,} stations, {res.races:,} races, {res.regions:,} regions, "
        f"{res.files:,} files, {res.bytes_total / 1e6:.1f} MB"
    )
    out().print(f"key fingerprint {res.fingerprint}")
    out().print(f"key words: {res.key_words}  (voters compare these with your official channels)")
    if res.races_without_recommendation:
        out().print(
            f"{len(res.races_without_recommendation)} races have no recommendation",
            style="yellow",
        )
    if res.recommendations_without_station:
        out().print(
            f"{len(res.recommendations_without_station)} recommendations reach no station",
            style="yellow",
        )


@app.command()
def verify(
    source: Annotated[str, typer.Argument(help="bundle directory or mirror URL")],
    public_key: Annotated[str, typer.Option(help="KEY.pub (PEM) or the raw key in base64")],
    previous: Annotated[
        int | None, typer.Option(min=0, help="reject a bundle older than this version")
    ] = None,
    as_json: JsonOpt = False,
    deadline: Annotated[
        float,
        typer.Option(
            callback=bounded(1, 86400), help="give up on a mirror after this many seconds"
        ),
    ] = DEFAULT_DEADLINE,
) -> None:
    """Check signature, every hash and the version; exit 0 only when all pass.

    A bundle signed by a new key passes only when KEY announced it (key continuity);
    the output then says so, loudly.
    """
    from smartvote.errors import SmartvoteError
    from smartvote.publish.continuity import verify_continuing
    from smartvote.publish.verify import load_public_key

    try:
        res = verify_continuing(
            source, load_public_key(public_key), previous=previous, deadline=deadline
        )
    except SmartvoteError as e:
        if as_json:
            emit_json({"ok": False, "problems": [str(p) for p in e.problems]})
            raise typer.Exit(2) from e
        fail(e)
        return
    if as_json:
        emit_json(res)
        return
    out().print(
        f"OK: {source} version {res['version']} ({res['election']}): signature, "
        f"{res['files']} file hashes, {res['regions']} shards, "
        f"{res['stations']:,} stations check"
    )
    out().print(f"signed by key: {res['key_words']}")
    change = res.get("key_change") or {}
    if res.get("key_changed"):
        out().print(
            f"NEW KEY: the bundle is signed by a new key «{res['key_words']}», "
            f"announced by your key «{change['old_words']}» (its signature checks)."
            " Use the new key from now on.",
            style="yellow",
        )
    elif change:
        out().print(
            f"new key: this key was announced by the previous key «{change['old_words']}»",
            style="yellow",
        )


@app.command()
def serve(
    bundle: Annotated[Path, typer.Argument(help="bundle directory")],
    host: Annotated[str, typer.Option(help="address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=256, help="worker processes")] = 1,
    public_key: Annotated[
        str | None, typer.Option(help="verify the bundle with this key before serving")
    ] = None,
    as_json: Annotated[
        bool, typer.Option("--json", help="print the address as JSON, then serve")
    ] = False,
) -> None:
    """Serve a bundle and its station API (no access log, no cookies, strict headers)."""
    from smartvote.publish.verify import load_public_key, page_public_key, verify_bundle
    from smartvote.web.app import serve_bundle

    # Always verified before serving: with --public-key against that key, else against
    # the key in the bundle's own page (catches any file changed after signing).
    key = load_public_key(public_key) if public_key is not None else page_public_key(bundle)
    verified = verify_bundle(bundle, key)
    url = f"http://{host}:{port}/"
    if as_json:
        emit_json(
            {
                "url": url,
                "api": f"{url}api/v1/stations/{{id}}",
                "openapi": f"{url}api/v1/openapi.json",
                "bundle": str(bundle),
                "verified": verified,
            }
        )
        sys.stdout.flush()
    else:
        out().print(f"serving {bundle} on {url}  (API: /api/v1/stations/ID, /api/v1/openapi.json)")
    serve_bundle(bundle, host, port, workers=workers)
