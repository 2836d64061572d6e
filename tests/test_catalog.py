"""The cached catalogs cannot be changed by a caller (issue 8: immutable cached data)."""

from __future__ import annotations

import pytest

from kulturplan import catalog
from kulturplan.errors import ParameterError


def test_mutating_returned_values_does_not_poison_the_next_call() -> None:
    cats = catalog.categories()
    cats.at["bibliothek", "aliases"].append("zettelkasten")
    cats.at["bibliothek", "label"] = "Zettelkasten"
    fresh = catalog.categories()
    assert "zettelkasten" not in fresh.at["bibliothek", "aliases"]
    assert fresh.at["bibliothek", "label"] == "Bibliothek"

    ind = catalog.indicators()
    ind.at["kulturversorgungsindex", "params"]["indicators"].append("tippfehler")
    ind.at["kulturversorgungsindex", "params"]["normalisation"] = "rank"
    params = catalog.indicators().at["kulturversorgungsindex", "params"]
    assert "tippfehler" not in params["indicators"] and params["normalisation"] == "zscore"
    assert len(params["indicators"]) == 6

    definitions = catalog.indicator_definitions()
    definitions[0]["label"] = "verändert"
    composite = next(d for d in definitions if d["id"] == "kulturversorgungsindex")
    composite["params"]["indicators"].clear()
    again = catalog.indicator_definitions()
    assert again[0]["label"] != "verändert"
    assert len(next(d for d in again if d["id"] == "kulturversorgungsindex")
               ["params"]["indicators"]) == 6


def test_cached_catalog_is_read_only() -> None:
    with pytest.raises(TypeError):
        catalog._categories_raw()[0]["label"] = "x"  # type: ignore[index]
    with pytest.raises(AttributeError):
        composite = next(d for d in catalog._indicators_raw()
                         if d["id"] == "kulturversorgungsindex")
        composite["params"]["indicators"].append("x")  # a tuple


def test_unknown_family_is_a_parameter_error() -> None:
    with pytest.raises(ParameterError, match="Unbekannte Indikatorfamilie per='gemeinde'"):
        catalog._family_keys("gemeinde")


def test_indicator_catalog_built_once_is_still_a_fresh_copy_per_call() -> None:
    first = catalog.indicators()
    first.at["sparten_anzahl", "label"] = "verändert"
    first.loc["sparten_anzahl", "unit"] = "Stück"
    again = catalog.indicators()
    assert again.at["sparten_anzahl", "label"] == "Anzahl vorhandener Sparten"
    assert again.at["sparten_anzahl", "unit"] == "Sparten"
    assert again.equals(catalog.indicators())
    with pytest.raises(ParameterError, match="travel='zu Pferd' ist unbekannt"):
        catalog.indicators(travel="zu Pferd")
