"""econsec.countries.name: one short display name per code, so a partner list never shows two "Congo"s."""

from __future__ import annotations

import collections

import pycountry

from econsec import countries


def test_every_display_name_names_one_code():
    codes = [c.alpha_3 for c in pycountry.countries] + list(countries.EXTRA_NAMES)
    by_name = collections.defaultdict(set)
    for code in codes:
        by_name[countries.name(code)].add(code)
    shared = {n: sorted(c) for n, c in by_name.items() if len(c) > 1}
    assert not shared, f"display names shared by several codes: {shared}"


def test_the_two_congos_and_the_virgin_islands_are_told_apart():
    assert countries.name("COD") == "DR Congo" and countries.name("COG") == "Congo"
    assert countries.name("VGB") == "British Virgin Islands" and countries.name("VIR") == "US Virgin Islands"
    assert countries.name("KOR") == "South Korea" and countries.name("TWN") == "Taiwan"
