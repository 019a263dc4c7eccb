"""The key's six-word fingerprint: a fixed list, the same in Python and in the page."""

from __future__ import annotations

import hashlib
import json
import re
from importlib import resources

from smartvote.publish.keywords import N_WORDS, WORDS, key_words


def test_the_list_has_256_distinct_plain_words() -> None:
    assert len(WORDS) == 256 and len(set(WORDS)) == 256
    assert all(re.fullmatch(r"[а-я]+", w) for w in WORDS)  # Cyrillic, no «ё» (outside а-я)
    # no word is a prefix of another: a voter reading aloud cannot run two together
    assert not [a for a in WORDS for b in WORDS if a != b and b.startswith(a)]


def test_words_name_the_first_six_bytes_of_the_key_hash() -> None:
    raw = bytes(range(32))
    h = hashlib.sha256(raw).digest()
    words = key_words(raw).split()
    assert len(words) == N_WORDS == 6
    assert [WORDS.index(w) for w in words] == list(h[:6])
    assert key_words(raw) != key_words(bytes(32))


def test_the_page_uses_the_same_list() -> None:
    js = resources.files("smartvote.publish").joinpath("site", "app.js").read_text("utf-8")
    m = re.search(r"var WORDS = (\[.*?\]);", js, re.S)
    assert m is not None
    assert tuple(json.loads(m.group(1))) == WORDS
