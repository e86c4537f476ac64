"""Names as editors print them: brackets resolved, titles dropped; never a crash."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from mappings.read.names import looks_like_name, normalise_name, parse_name, same_person


@pytest.mark.parametrize(
    ("written", "name", "description"),
    [
        ("E[rich] Honecker", "Erich Honecker", None),
        ("[East German leader] E[rich] Honecker", "Erich Honecker", "East German leader"),
        (
            "[Laotian Prime Minister Kaysone] K. Phomvihan",
            "Kaysone Phomvihan",
            "Laotian Prime Minister",
        ),
        ("[former Polish Leader Eduard] Gierek", "Eduard Gierek", "former Polish Leader"),
        ("N[icolae] Ceaucescu", "Nicolae Ceaucescu", None),
        ("1Gorbachev", "Gorbachev", None),
        ("GORBACHEV", "Gorbachev", None),
        ("Comrade V. D. SOKOLOVSKY", "V. D. Sokolovsky", None),
        ("M.S. Gorbachev", "M. S. Gorbachev", None),
        ("M. Claude Cheysson", "Claude Cheysson", None),
        ("В. Фалин", "В. Фалин", None),
    ],
)
def test_brackets_and_titles(written: str, name: str, description: str | None) -> None:
    parsed = parse_name(written)
    assert (parsed.name, parsed.description) == (name, description)
    assert parsed.as_written == written


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Gorbachev", "Mikhail Gorbachev", True),
        ("M. S. Gorbachev", "Mikhail Gorbachev", True),
        ("B. Stukalin", "Boris Stukalin", True),
        ("V. Medvedev", "Vadim Medvedev", True),
        ("R. Medvedev", "Vadim Medvedev", False),
        ("Mikhail Gorbachev", "Raisa Gorbacheva", False),
    ],
)
def test_same_person(a: str, b: str, same: bool) -> None:
    assert same_person(a, b) is same
    assert same_person(b, a) is same


@pytest.mark.parametrize("text", ["Masterpieces of History", "How to Cite this Source", "1986"])
def test_not_names(text: str) -> None:
    assert not looks_like_name(text)


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=60))
def test_never_crash_and_normalising_is_stable(text: str) -> None:
    parsed = parse_name(text)
    assert "[" not in parsed.name and "]" not in parsed.name
    assert normalise_name(parsed.name) == normalise_name(normalise_name(parsed.name))
    assert same_person(text, text) in (True, False)
