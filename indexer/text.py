"""Small text helpers shared by the parsing stages: ids, numbers, normalisation."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

_NUMBER = re.compile(r"^[-−]?\d{1,3}(?:,\d{3})+(?:\.\d+)?$|^[-−]?\d+(?:\.\d+)?$")
# the unit in which each amount unit is expressed in 万元
_TO_WAN = {"元": 0.0001, "千元": 0.1, "万元": 1.0, "亿元": 10000.0}


def stable_id(*parts: object, length: int = 16) -> str:
    """Return a short id derived from the parts, the same for the same content."""
    digest = hashlib.sha256("\x1f".join(str(p) for p in parts).encode("utf-8")).hexdigest()
    return digest[:length]


def normalise(text: str) -> str:
    """Full-width to half-width (NFKC), non-breaking spaces to spaces, strip."""
    return unicodedata.normalize("NFKC", text).replace("\u3000", " ").strip()


def squeeze(text: str) -> str:
    """Remove all whitespace: PDF text puts spaces inside Chinese words ("本 年 收 入")."""
    return re.sub(r"\s+", "", text)


def parse_number(text: str) -> float | None:
    """Parse "1,074.61", "-3.5", "0" as a float; None if the text is not just a number."""
    t = normalise(text).replace("−", "-")
    if not _NUMBER.match(t):
        return None
    return float(t.replace(",", ""))


def is_number(text: str) -> bool:
    return parse_number(text) is not None


def to_wan(value: float, unit: str) -> float:
    """Convert an amount in `unit` (元/千元/万元/亿元) to 万元."""
    return value * _TO_WAN[unit]


def amount_unit(text: str) -> str | None:
    """Find the amount unit stated in a line such as "单位：万元" or "金额单位：元"."""
    m = re.search(r"单位\s*[:：]\s*(亿元|万元|千元|元)", normalise(text))
    return m.group(1) if m else None


_CN_DIGITS = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"零": "0", "○": "0", "Ｏ": "0"}
_CN_YEAR = re.compile(r"[〇零一二三四五六七八九○Ｏ]{4}(?=年)")


def arabic_years(text: str) -> str:
    """Write years given in Chinese numerals as digits ("二〇二四年" → "2024年"), digit by digit
    (a year is read as its digits, not as a number: cn2an would read 二〇二四 as 2024 only in
    some modes)."""
    return _CN_YEAR.sub(lambda m: "".join(_CN_DIGITS[c] for c in m.group(0)), text)


_RADICAL = re.compile(r"[\u2e80-\u2fdf]")


@lru_cache(maxsize=1)
def _radicals() -> dict[str, str]:
    path = Path(__file__).with_name("radicals.json")
    return json.loads(path.read_text(encoding="utf-8"))["radicals"]


def unify_radicals(text: str) -> str:
    """Radical code points a PDF's font gave for whole characters ("⽀出", "⻋辆") as the
    characters (支出, 车辆): Kangxi radicals by NFKC, the supplement's by `radicals.json`."""
    if not _RADICAL.search(text):
        return text
    return _RADICAL.sub(lambda m: _radicals().get(m.group(), unicodedata.normalize("NFKC", m.group())), text)
