"""Name search: diacritics and case do not matter, Cyrillic names are found by KMU or Polish transliteration."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from logistics.people.names import fold, query_tokens, search_tokens, transliterations


@pytest.mark.parametrize(
    ("text", "folded"),
    [
        ("Łukasz Wójcik", "lukasz wojcik"),
        ("ŻÓŁĆ", "zolc"),
        ("żółć", "zolc"),
        ("  Zażółć   gęślą jaźń ", "zazolc gesla jazn"),
        ("Nowak-Kowalska", "nowak kowalska"),
        ("O'Brien", "o brien"),
        ("Straße", "strasse"),
        ("Æsa Ørsted", "aesa orsted"),
        ("Đorđević", "dordevic"),
        ("Iı İ", "ii i"),
        ("Müller, Jan (2.)", "muller jan 2"),
        ("Ｆｕｌｌｗｉｄｔｈ", "fullwidth"),
        ("", ""),
        (" - _ ", ""),
        ("Шевченко", "shevchenko"),
        ("Zoë\u0301", "zoe"),
    ],
)
def test_fold(text: str, folded: str) -> None:
    assert fold(text) == folded


@pytest.mark.parametrize(
    ("text", "forms"),
    [
        ("Шевченко Тарас", {"shevchenko taras", "szewczenko taras"}),
        ("Олена Ковальчук", {"olena kovalchuk", "olena kowalczuk"}),
        ("ОЛЕНА КОВАЛЬЧУК", {"olena kovalchuk", "olena kowalczuk"}),
        ("Юлія", {"yuliia", "julija"}),
        ("Наталія", {"nataliia", "natalija"}),
        ("Андрій", {"andrii", "andrij"}),
        ("Євген Їжак", {"yevhen yizhak", "jewhen jizak"}),
        ("Йосип Олексій", {"yosyp oleksii", "josyp oleksij"}),
        ("Ярослав Юрій", {"yaroslav yurii", "jaroslaw jurij"}),
        ("Ілля", {"illia", "illa"}),
        ("Люба", {"liuba", "luba"}),
        ("Соня", {"sonia"}),
        ("В'ячеслав", {"viacheslav", "wjaczeslaw"}),
        ("Вʼячеслав", {"viacheslav", "wjaczeslaw"}),
        ("В’ячеслав", {"viacheslav", "wjaczeslaw"}),
        ("Щербак Хоменко Цибуля", {"shcherbak khomenko tsybulia", "szczerbak chomenko cybula"}),
        ("Ґудзь Жук", {"gudz zhuk", "gudz zuk"}),
        ("Розгон", {"rozghon", "rozhon"}),
        ("Наталья Фёдорова", {"natalia fedorova", "natalja fiodorowa"}),
        ("Эдуард Объедков Рыбаков", {"eduard obedkov rybakov", "eduard obedkow rybakow"}),
        ("Олена-Юлія", {"olena yuliia", "olena julija"}),
    ],
)
def test_transliterations_of_cyrillic(text: str, forms: set[str]) -> None:
    assert transliterations(text) == forms


def test_transliterations_without_cyrillic_is_just_fold() -> None:
    assert transliterations("Łukasz Wójcik") == {"lukasz wojcik"}
    assert transliterations("") == {""}


def test_mixed_scripts_keep_the_latin_part() -> None:
    assert transliterations("Olena Ковальчук") == {"olena kovalchuk", "olena kowalczuk"}


def test_search_tokens() -> None:
    tokens = search_tokens("Łukasz", "Wójcik")
    assert tokens == {"lukasz", "wojcik"}
    assert search_tokens("Anna", "Nowak-Kowalska") == {"anna", "nowak", "kowalska"}
    assert search_tokens("Тарас", "Шевченко") == {"taras", "shevchenko", "szewczenko"}
    assert search_tokens("Юлія", "") == {"yuliia", "julija"}
    assert search_tokens() == set()
    assert search_tokens("x" * 50) == {"x" * 40}


def test_query_tokens() -> None:
    assert query_tokens("Lukasz Wojcik") == ["lukasz", "wojcik"]
    assert query_tokens("  ŁUKASZ   wójcik ") == ["lukasz", "wojcik"]
    assert query_tokens("nowak-kowalska") == ["nowak", "kowalska"]
    assert query_tokens("jan jan JAN kowalski") == ["jan", "kowalski"]
    assert query_tokens("a b c d e f g") == ["a", "b", "c", "d", "e"]
    assert query_tokens("a a b c d e f") == ["a", "b", "c", "d", "e"]
    assert query_tokens("y" * 60) == ["y" * 40]
    assert query_tokens("") == []
    assert query_tokens(" ,;- ") == []


def test_cyrillic_queries_use_kmu_which_is_indexed() -> None:
    assert query_tokens("Шевченко Тарас") == ["shevchenko", "taras"]
    assert query_tokens("юлія") == ["yuliia"]
    indexed = search_tokens("Юлія", "Шевченко")
    assert set(query_tokens("ЮЛІЯ ШЕВЧЕНКО")) <= indexed


@pytest.mark.parametrize(
    ("query", "given_name", "family_name"),
    [
        ("lukasz wojcik", "Łukasz", "Wójcik"),
        ("WÓJCIK", "Łukasz", "Wójcik"),
        ("szewczenko", "Тарас", "Шевченко"),
        ("Shevchenko Taras", "Тарас", "Шевченко"),
        ("olena kowalczuk", "Олена", "Ковальчук"),
        ("Ковальчук", "Олена", "Ковальчук"),
        ("julija", "Юлія", "Бойко"),
        ("kowalska", "Anna", "Nowak-Kowalska"),
    ],
)
def test_queries_find_the_person(query: str, given_name: str, family_name: str) -> None:
    assert set(query_tokens(query)) <= search_tokens(given_name, family_name)


@given(st.text())
def test_fold_is_idempotent_and_ascii(text: str) -> None:
    folded = fold(text)
    assert re.fullmatch(r"[a-z0-9 ]*", folded)
    assert "  " not in folded and folded == folded.strip()
    assert fold(folded) == folded
    for form in transliterations(text):
        assert re.fullmatch(r"[a-z0-9 ]*", form)
    for token in search_tokens(text):
        assert re.fullmatch(r"[a-z0-9]{1,40}", token)
    words = query_tokens(text)
    assert len(words) <= 5 and len(set(words)) == len(words)


@given(st.text(alphabet=st.characters(min_codepoint=0x400, max_codepoint=0x52F) | st.sampled_from(" -'’")))
def test_cyrillic_text_gives_ascii_forms(text: str) -> None:
    for form in transliterations(text):
        assert re.fullmatch(r"[a-z0-9 ]*", form)
        assert fold(form) == form
