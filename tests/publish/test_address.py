"""Russian addresses as voters type them, against the station list (address.py)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from smartvote.publish.address import AddressIndex, House, parse_address, search_addresses
from smartvote.publish.stations import group_stations, read_stations_rows

CORPUS = Path(__file__).parent / "data" / "spb_address_queries.csv"


def corpus() -> list[dict[str, str]]:
    with CORPUS.open(encoding="utf-8") as f:
        return list(csv.DictReader(f))


@pytest.mark.parametrize(
    ("text", "words", "types", "houses"),
    [
        ("пр. Большевиков 28", ("большевиков",), ("пр",), (House("28"),)),
        ("Ленинский пр-т 161", ("ленинский",), ("пр",), (House("161"),)),
        ("Крыленко 33к2", ("крыленко",), (), (House("33", "2"),)),
        ("улица Крыленко, дом 33, корпус 2", ("крыленко",), ("ул",), (House("33", "2"),)),
        ("33 корп. 2 ул Крыленко", ("крыленко",), ("ул",), (House("33", "2"),)),
        ("наб. Крюкова канала, д.15", ("крюкова", "канала"), ("наб",), (House("15"),)),
        ("дом 73 корпус 5 литера А", (), (), (House("73", "5"),)),
        ("дом 15 А", (), (), (House("15", letter="а"),)),
        ("Невский 28 кв 5", ("невский",), (), (House("28"),)),
        ("2-ой Муринский проспект, дом 43", ("2-", "муринский"), ("пр",), (House("43"),)),
        ("дом 108-110", (), (), (House("108"), House("110"))),
        ("дом 12/2", (), (), (House("12/2"), House("12"))),
        ("Непокорённых 17", ("непокоренных",), (), (House("17"),)),
    ],
)
def test_parse(
    text: str, words: tuple[str, ...], types: tuple[str, ...], houses: tuple[House, ...]
) -> None:
    p = parse_address(text)
    assert (p.words, p.types, p.houses) == (words, types, houses)


SERVES = [
    ("1", ["Невский проспект, дом 28", "Невский проспект, дом 30"]),
    ("2", ["Невский проспект, дом 128", "Невский проспект, дом 6"]),
    ("3", ["проспект Большевиков, дом 28", "проспект Большевиков, дом 16"]),
    ("4", ["Ленинский проспект, дом 161"]),
    ("5", ["улица Крыленко, дом 33, корпус 2", "улица Крыленко, дом 33, корпус 1"]),
    ("6", ["проспект Ленина, дом 28"]),
]


@pytest.mark.parametrize(
    ("query", "want"),
    [
        ("Невский 28", ["1"]),  # the page's own example: not 128, not 15 stations
        ("невский пр 6", ["2"]),  # 6 is not 16 or 128
        ("пр. Большевиков 28", ["3"]),
        ("Болшевиков 28", ["3"]),  # one letter missing
        ("Большевкиов 28", ["3"]),  # two letters swapped
        ("28 Большевиков", ["3"]),  # any word order
        ("Ленинский пр-т 161", ["4"]),
        ("Крыленко 33к2", ["5"]),
        ("Крыленко 33 корп. 2", ["5"]),
        ("Крыленко, 33", ["5"]),  # корпус left out: still the house
        ("НЕВСКИЙ   ПРОСПЕКТ, Д. 30", ["1"]),
    ],
)
def test_search_serves_addresses(query: str, want: list[str]) -> None:
    got, found = search_addresses(query, SERVES)
    assert [sid for sid, _, _ in got] == want and found


def test_unknown_house_falls_back_to_the_street_and_says_so() -> None:
    got, found = search_addresses("Невский 99", SERVES)
    assert not found and sorted(sid for sid, _, _ in got) == ["1", "2"]
    assert search_addresses("Садовая 5", SERVES) == ([], False)


def test_corpus_is_real_and_large_enough(shared_data: Path) -> None:
    rows = corpus()
    assert len(rows) >= 50
    with (shared_data / "ru_spb_2021" / "spb2021_stations.csv").open(encoding="utf-8") as f:
        stations = {r["uik"]: r for r in csv.DictReader(f)}
    for r in rows:  # every expected station exists, at the address the row names
        for uik in r["expected"].split():
            st = stations[uik]
            assert st["street"].split()[0].lower().replace("ё", "е") in r["station_address"].lower()


def test_corpus_on_the_real_stations_file(shared_data: Path) -> None:
    path = shared_data / "ru_spb_2021" / "spb2021_stations.csv"
    sts = group_stations(read_stations_rows(path, "spb2021"))
    assert len(sts) == 2055
    index = AddressIndex((s.number, (s.address, *s.serves)) for s in sts)
    misses = []
    for r in corpus():
        got, found = index.search(r["query"], limit=100)
        if not found or sorted(sid for sid, _, _ in got) != sorted(r["expected"].split()):
            misses.append((r["query"], r["expected"], [sid for sid, _, _ in got][:8]))
    assert misses == []


@given(
    n=st.integers(1, 400),
    m=st.integers(1, 400),
    k=st.one_of(st.none(), st.integers(1, 9)),
    form=st.sampled_from(["{n}", "д. {n}", "дом {n}", "{n},"]),
)
def test_house_numbers_are_whole_tokens(n: int, m: int, k: int | None, form: str) -> None:
    """«Садовая N» finds the house N and never the house M ≠ N (6 is not 16 or 61)."""
    addr = f"Садовая улица, дом {m}" + (f", корпус {k}" if k else "")
    got, found = search_addresses(f"Садовая {form.format(n=n)}", [("1", [addr])])
    assert found == (n == m)
    assert [sid for sid, _, _ in got] == ["1"]  # the street still answers when the house does not
