"""The ISO 4217 table: known exponents, lookups both ways, and the script that generates it."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

from c2p_action.errors import ValidationError
from c2p_action.schemas import currencies
from c2p_action.schemas._iso4217 import TABLE
from c2p_action.schemas.currencies import CURRENCIES, Currency, currency, find_currency

ROOT = Path(__file__).resolve().parents[1]
EXCERPT = ROOT / "tests" / "data" / "iso4217" / "list-one-excerpt.xml"


@pytest.mark.parametrize(
    ("code", "number", "exponent"),
    [
        ("JPY", "392", 0),
        ("KRW", "410", 0),
        ("VND", "704", 0),
        ("KWD", "414", 3),
        ("BHD", "048", 3),
        ("SGD", "702", 2),
        ("THB", "764", 2),
        ("IDR", "360", 2),
        ("MYR", "458", 2),
        ("PHP", "608", 2),
        ("HKD", "344", 2),
        ("CLF", "990", 4),
        ("XAU", "959", None),
    ],
)
def test_known_codes_and_exponents(code: str, number: str, exponent: int | None) -> None:
    found = currency(code)
    assert (found.code, found.number, found.exponent) == (code, number, exponent)
    assert currency(number) is found
    assert currency(int(number)) is found


def test_lookups_are_lenient_about_form_but_not_about_meaning() -> None:
    assert find_currency(" sgd ") is CURRENCIES["SGD"]
    assert find_currency("36") is find_currency(36) is CURRENCIES["AUD"]
    assert find_currency(CURRENCIES["JPY"]) is CURRENCIES["JPY"]
    for nothing in (
        "",
        "SG",
        "ABC",
        "7020",
        "\uff11\uff12\uff13",
        1000,
        -1,
        True,
        7.02,
        None,
        b"SGD",
    ):
        assert find_currency(nothing) is None
        with pytest.raises(ValidationError, match="not an ISO 4217 currency code"):
            currency(nothing)


def test_the_table_is_consistent() -> None:
    assert len(CURRENCIES) > 150
    numbers = [c.number for c in CURRENCIES.values()]
    assert len(numbers) == len(set(numbers))
    for code, entry in CURRENCIES.items():
        assert isinstance(entry, Currency)
        assert code == entry.code == str(entry)
        assert len(code) == 3
        assert code.isascii()
        assert code.isupper()
        assert len(entry.number) == 3
        assert entry.number.isdigit()
        assert entry.exponent in (0, 2, 3, 4, None)
    # Amendments up to the list's date: the euro replaced the lev, the guilder became XCG.
    assert currencies.PUBLISHED == "2026-01-01"
    assert "BGN" not in CURRENCIES
    assert "ANG" not in CURRENCIES
    assert CURRENCIES["XCG"].number == "532"


def _load(path: Path) -> dict[str, object]:
    spec = importlib.util.spec_from_file_location("generated_iso4217", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return vars(module)


def test_regen_currencies_writes_one_row_per_currency(tmp_path: Path) -> None:
    out = tmp_path / "table.py"
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "regen-currencies"), str(EXCERPT), str(out)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    module = _load(out)
    assert module["PUBLISHED"] == "2026-01-01"
    assert module["TABLE"] == (
        ("AUD", "036", 2, "Australian Dollar", False),
        ("CLF", "990", 4, "Unidad de Fomento", True),
        ("JPY", "392", 0, "Yen", False),
        ("TOP", "776", 2, "Pa\u2019anga", False),
        ("XAU", "959", None, "Gold", False),
    )
    # The committed module has the same shape, and its rows are what the package serves.
    assert [row[0] for row in TABLE] == sorted(CURRENCIES)


def test_regen_currencies_refuses_a_currency_listed_twice_differently(tmp_path: Path) -> None:
    broken = tmp_path / "list.xml"
    broken.write_text(
        EXCERPT.read_text(encoding="utf-8").replace(
            "<CtryNm>KIRIBATI</CtryNm>\n\t\t\t<CcyNm>Australian Dollar</CcyNm>\n"
            "\t\t\t<Ccy>AUD</Ccy>\n\t\t\t<CcyNbr>036</CcyNbr>\n\t\t\t<CcyMnrUnts>2",
            "<CtryNm>KIRIBATI</CtryNm>\n\t\t\t<CcyNm>Australian Dollar</CcyNm>\n"
            "\t\t\t<Ccy>AUD</Ccy>\n\t\t\t<CcyNbr>036</CcyNbr>\n\t\t\t<CcyMnrUnts>3",
        ),
        encoding="utf-8",
    )
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "scripts" / "regen-currencies"),
            str(broken),
            str(tmp_path / "out.py"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode != 0
    assert "AUD is listed twice" in result.stderr
