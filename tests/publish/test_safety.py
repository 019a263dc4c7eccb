"""Safety of serving and re-publishing: nothing outside the bundle is read, nothing unlisted
in a bundle folder is deleted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from smartvote.errors import InputError
from smartvote.publish.bundle import build_bundle
from smartvote.publish.recommendations import check_recommendations
from smartvote.publish.sign import load_private_key
from smartvote.publish.stations import group_stations
from smartvote.web.app import BundleIndex, safe_path


@pytest.mark.parametrize(
    "rel", ["../outside.txt", "/etc/hostname", "data/../../x", "a//b", "./x", ""]
)
def test_unsafe_manifest_paths_are_refused(tmp_path: Path, rel: str) -> None:
    with pytest.raises(InputError) as ei:
        safe_path(tmp_path, rel)
    assert ei.value.rule == "unsafe-path"


def test_server_never_reads_outside_the_bundle(bundle: Path, tmp_path: Path) -> None:
    secret = bundle.parent / "secret.txt"
    secret.write_text("private", encoding="utf-8")
    man = json.loads((bundle / "manifest.json").read_bytes())
    man["files"]["../secret.txt"] = "0" * 64
    (bundle / "manifest.json").write_text(json.dumps(man), encoding="utf-8")
    with pytest.raises(InputError) as ei:
        BundleIndex(bundle)
    assert ei.value.rule == "unsafe-path"


def test_republish_refuses_to_delete_foreign_files(
    bundle: Path, keydir: Path, inputs: tuple[Path, Path]
) -> None:
    import csv

    (bundle / "private.key").write_text("do not lose me", encoding="utf-8")
    recs = check_recommendations(json.loads(inputs[0].read_text(encoding="utf-8")))
    with inputs[1].open(encoding="utf-8") as f:
        stations = group_stations(list(csv.DictReader(f)))
    with pytest.raises(InputError) as ei:
        build_bundle(recs, stations, load_private_key(keydir / "key"), bundle, version=2000)
    assert ei.value.rule == "out-has-foreign-files"
    assert (bundle / "private.key").read_text(encoding="utf-8") == "do not lose me"
