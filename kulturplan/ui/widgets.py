"""Small ipywidgets components driven by the catalogs (German labels).

Each component is a widget box with one synced ``value`` trait that other components
observe; none of them computes anything.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import ipywidgets as w
import pandas as pd
import traitlets as t

from kulturplan import catalog
from kulturplan._safe import html_text
from kulturplan.indicators import catalog as indicator_catalog

if TYPE_CHECKING:
    from kulturplan.region import Region

ALL = ""
"""Value of the category filter meaning "all categories"."""

CONTROL_LAYOUT = {"width": "auto", "min_width": "260px"}
LABEL_STYLE = {"description_width": "initial"}


class MunicipalityPicker(w.VBox):
    """Pick one municipality by name; ``value`` is its AGS (``None`` = none chosen)."""

    value = t.Unicode(None, allow_none=True).tag(sync=True)

    def __init__(self, names: pd.Series, *, value: str | None = None, **kwargs: Any) -> None:
        options = [("– Gemeinde wählen –", None)] + [
            (str(n), str(a)) for a, n in names.sort_values(key=lambda s: s.str.lower()).items()
        ]
        self.dropdown = w.Dropdown(
            options=options, value=value, description="Gemeinde", style=LABEL_STYLE,
            layout=w.Layout(**CONTROL_LAYOUT),
        )
        super().__init__(children=[self.dropdown], **kwargs)
        self.value = value
        t.link((self.dropdown, "value"), (self, "value"))


class CategoryFilter(w.VBox):
    """Choose one Sparte (category) or all; ``value`` is a category id or ``""`` (all)."""

    value = t.Unicode(ALL).tag(sync=True)

    def __init__(
        self,
        *,
        categories: Sequence[str] | None = None,
        include_all: bool = True,
        description: str = "Sparte",
        value: str | None = None,
        **kwargs: Any,
    ) -> None:
        cats = catalog.categories()
        ids = [c for c in cats.index if categories is None or c in set(categories)]
        options = [(str(cats.at[c, "label_plural"]), c) for c in ids]
        if include_all:
            options = [("Alle Sparten", ALL), *options]
        start = value if value is not None else options[0][1]
        self.dropdown = w.Dropdown(
            options=options, value=start, description=description, style=LABEL_STYLE,
            layout=w.Layout(**CONTROL_LAYOUT),
        )
        super().__init__(children=[self.dropdown], **kwargs)
        self.value = start
        t.link((self.dropdown, "value"), (self, "value"))


class IndicatorPicker(w.VBox):
    """Choose an indicator of the catalog; ``category`` narrows the list to one Sparte.

    Parameters
    ----------
    indicators
        Indicator ids offered (e.g. those with values in the table), catalog order.
    value
        Initially chosen id (default: the first).
    region
        The region: labels of the indicators in minutes say how their travel time is
        measured for it (:func:`kulturplan.indicators.catalog`).
    """

    value = t.Unicode().tag(sync=True)
    category = t.Unicode(ALL).tag(sync=True)

    def __init__(
        self, indicators: Sequence[str], *, value: str | None = None,
        region: Region | None = None, **kwargs: Any
    ) -> None:
        self._catalog = indicator_catalog(region)
        self._all = list(indicators)
        self.dropdown = w.Dropdown(
            options=self._options(ALL), description="Indikator", style=LABEL_STYLE,
            layout=w.Layout(width="auto", min_width="420px"),
        )
        start = value if value in self._all else self._all[0]
        self.dropdown.value = start
        super().__init__(children=[self.dropdown], **kwargs)
        self.value = start
        t.link((self.dropdown, "value"), (self, "value"))

    def _label(self, ind: str) -> str:
        if ind in self._catalog.index:
            return str(self._catalog.at[ind, "label"])
        return ind

    def _ids_for(self, category: str) -> list[str]:
        if not category:
            return list(self._all)
        keys = self._catalog["key"]
        ids = [i for i in self._all if i in keys.index and keys.get(i) == category]
        return ids or list(self._all)

    def _options(self, category: str) -> list[tuple[str, str]]:
        return [(self._label(i), i) for i in self._ids_for(category)]

    @property
    def options(self) -> list[str]:
        """Indicator ids currently offered."""
        return [v for _, v in self.dropdown.options]

    @t.observe("category")
    def _on_category(self, change: dict[str, Any]) -> None:
        opts = self._options(change["new"])
        ids = [v for _, v in opts]
        current = self.dropdown.value
        keep = current if current in ids else ids[0]
        with self.hold_trait_notifications():
            self.dropdown.options = opts
            self.dropdown.value = keep


class ThresholdSlider(w.VBox):
    """Threshold of a reachability standard in km (straight line) or minutes.

    ``value`` is the threshold, ``unit`` is ``"km"`` or ``"min"``. Switching the unit
    sets a sensible default for it (10 km, 20 minutes).
    """

    value = t.Float(10.0).tag(sync=True)
    unit = t.Unicode("km").tag(sync=True)

    RANGES: dict[str, tuple[float, float, float, float]] = {
        # min, max, step, default
        "km": (1.0, 40.0, 1.0, 10.0),
        "min": (5.0, 60.0, 5.0, 20.0),
    }
    UNIT_LABELS: dict[str, str] = {"km": "km (Luftlinie)", "min": "Minuten (Auto, geschätzt)"}

    def __init__(self, *, unit: str = "km", value: float | None = None, **kwargs: Any) -> None:
        lo, hi, step, default = self.RANGES[unit]
        self.units = w.ToggleButtons(
            options=[("km", "km"), ("Minuten", "min")], value=unit,
            description="Schwelle in",
            style={"description_width": "initial", "button_width": "90px"},
        )
        self.slider = w.FloatSlider(
            value=default if value is None else value, min=lo, max=hi, step=step,
            description="Schwelle", continuous_update=False, readout_format=".0f",
            style=LABEL_STYLE, layout=w.Layout(width="420px"),
        )
        self.unit_label = w.HTML(self._unit_html(unit))
        super().__init__(
            children=[self.units, w.HBox([self.slider, self.unit_label])], **kwargs
        )
        self.unit = unit
        self.value = float(self.slider.value)
        t.link((self.slider, "value"), (self, "value"))
        t.link((self.units, "value"), (self, "unit"))

    def _unit_html(self, unit: str) -> str:
        return f'<span style="font-size:15px;line-height:32px">{self.UNIT_LABELS[unit]}</span>'

    @t.observe("unit")
    def _on_unit(self, change: dict[str, Any]) -> None:
        if not hasattr(self, "slider"):
            return
        unit = change["new"]
        lo, hi, step, default = self.RANGES[unit]
        with self.hold_trait_notifications():
            # widen first so the new default is always inside the range
            self.slider.min = min(self.slider.min, lo)
            self.slider.max = max(self.slider.max, hi)
            self.slider.value = default
            self.slider.min, self.slider.max, self.slider.step = lo, hi, step
            self.unit_label.value = self._unit_html(unit)

    def set_unit_label(self, text: str | None = None) -> None:
        """Show ``text`` beside the slider (``None``: the label of the current unit)."""
        self.unit_label.value = (self._unit_html(self.unit) if text is None else
                                 f'<span style="font-size:15px;line-height:32px">'
                                 f"{html_text(text)}</span>")

    @property
    def text(self) -> str:
        """German description, e.g. ``"10 km (Luftlinie)"``."""
        from kulturplan._format import format_number

        return f"{format_number(self.value, 0)} {self.UNIT_LABELS[self.unit]}"
