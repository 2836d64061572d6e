"""Preparation shared by every map renderer (ipyleaflet dashboards, folium reports).

Everything a map shows is computed here once, independent of the drawing library:

* :func:`display_geometries` — municipality polygons simplified for display (tolerance
  in metres, in EPSG:25832) and converted to EPSG:4326 with rounded coordinates;
* :class:`ColourScale` — a classed, calm sequential colour scale whose dark end always
  means *better provision* (reversed when lower values are better), grey for missing
  values, with a German legend;
* :func:`facility_points` — facility markers coloured by the category catalog;
* :func:`attribution` — the attribution text of every data source;
* ``format_number`` — re-exported from :mod:`kulturplan._format` (the one German
  number formatter, ``1.234,5``).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from kulturplan import catalog
from kulturplan._format import format_number
from kulturplan.region import CRS, Region, drop_personal_data

WGS84 = "EPSG:4326"

PALETTE: tuple[str, ...] = ("#eef5f9", "#c6dbe9", "#8fb9d4", "#4f8fb8", "#1d5a8a")
"""Calm sequential blues (light = weaker, dark = better provision)."""

NAN_COLOUR = "#d4d4d4"
"""Fill colour of municipalities without a value."""

BORDER_COLOUR = "#ffffff"
HIGHLIGHT_COLOUR = "#e8a33d"
"""Outline of the selected municipality."""

GEOBASIS_ATTRIBUTION = "© GeoBasis-DE / BKG 2021"
"""Attribution of the BKG VG5000 boundaries (Datenlizenz Deutschland – Namensnennung 2.0)."""

DEFAULT_TOLERANCE_M = 75.0
"""Default simplification tolerance for display in metres (invisible at Kreis zoom)."""

DEFAULT_PRECISION = 5
"""Decimal places of EPSG:4326 coordinates for display (about 1 m)."""


# -- numbers -----------------------------------------------------------------------------
def decimals_for(values: Iterable[float]) -> int:
    """Number of decimals that shows differences of ``values`` without clutter."""
    arr = np.asarray([v for v in values if v is not None], dtype=float)
    arr = arr[np.isfinite(arr)]
    if arr.size == 0:
        return 0
    if np.allclose(arr, np.round(arr)):
        return 0
    span = float(np.nanmax(np.abs(arr)))
    if span >= 100:
        return 0
    if span >= 10:
        return 1
    if span >= 1:
        return 1
    return 2


# -- geometries --------------------------------------------------------------------------
def display_geometries(
    municipalities: gpd.GeoDataFrame,
    *,
    tolerance_m: float = DEFAULT_TOLERANCE_M,
    precision: int = DEFAULT_PRECISION,
) -> gpd.GeoDataFrame:
    """Return municipality outlines ready for a web map.

    Polygons are simplified as a coverage (shared borders stay shared, no slivers)
    with ``tolerance_m`` metres in EPSG:25832, converted to EPSG:4326 and rounded to
    ``precision`` decimals.

    Parameters
    ----------
    municipalities
        ``Region.municipalities`` (index AGS, column ``name``).
    tolerance_m
        Simplification tolerance in metres; ``0`` keeps every vertex.
    precision
        Decimal places of the output longitude/latitude.

    Returns
    -------
    geopandas.GeoDataFrame
        Index AGS, columns ``name`` and ``geometry`` (EPSG:4326).
    """
    frame = municipalities[["name", "geometry"]].copy()
    if frame.crs is None:
        frame = frame.set_crs(CRS)
    frame = frame.to_crs(CRS)
    geoms = frame.geometry
    if tolerance_m > 0 and len(frame):
        geoms = _simplify(geoms, tolerance_m)
    frame = frame.set_geometry(gpd.GeoSeries(geoms, index=frame.index, crs=CRS))
    frame = frame.to_crs(WGS84)
    rounded = shapely.transform(
        frame.geometry.to_numpy(), lambda xy: np.round(xy, precision)
    )
    frame = frame.set_geometry(gpd.GeoSeries(rounded, index=frame.index, crs=WGS84))
    return frame


def _simplify(geoms: gpd.GeoSeries, tolerance_m: float) -> gpd.GeoSeries:
    """Simplify outlines without gaps between neighbours where possible.

    Coverage simplification (shared borders stay shared) needs geopandas ≥ 1.1 with
    shapely ≥ 2.1 / GEOS ≥ 3.12; with older versions, or when GEOS rejects the coverage,
    every polygon is simplified on its own (topology-preserving).
    """
    if hasattr(geoms, "simplify_coverage"):
        try:
            return geoms.simplify_coverage(tolerance_m)
        except (shapely.errors.GEOSException, NotImplementedError, ValueError):
            pass  # invalid coverage or too old GEOS: per polygon below
    return geoms.simplify(tolerance_m, preserve_topology=True)


def feature_collection(
    frame: gpd.GeoDataFrame, properties: pd.DataFrame | None = None
) -> dict[str, Any]:
    """Return a GeoJSON FeatureCollection (dict) of ``frame`` with ``id`` = index.

    ``properties`` (same index) become each feature's properties; values must be
    JSON-serialisable (NaN becomes ``None``).
    """
    geoms = shapely.to_geojson(frame.geometry.to_numpy())
    props = properties if properties is not None else frame.drop(columns="geometry")
    records = props.astype(object).where(props.notna(), None).to_dict(orient="index")
    features = [
        {
            "type": "Feature",
            "id": str(key),
            "properties": {"ags": str(key), **records.get(key, {})},
            "geometry": json.loads(g),
        }
        for key, g in zip(frame.index, geoms, strict=True)
    ]
    return {"type": "FeatureCollection", "features": features}


def payload_bytes(data: Any) -> int:
    """Size in bytes of ``data`` serialised as compact JSON (what a map sends)."""
    return len(json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))


def bounds_latlon(frame: gpd.GeoDataFrame) -> tuple[tuple[float, float], tuple[float, float]]:
    """Return ``((south, west), (north, east))`` of a frame in EPSG:4326."""
    minx, miny, maxx, maxy = frame.to_crs(WGS84).total_bounds
    return (float(miny), float(minx)), (float(maxy), float(maxx))


# -- colours -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ColourScale:
    """A classed sequential colour scale with a German legend.

    Attributes
    ----------
    edges
        Class boundaries, ascending, ``len(colours) + 1`` values.
    colours
        One colour per class, in the order of ``edges``.
    higher_is_better
        Whether high values mean better provision; the darkest colour always marks
        the best class.
    unit
        Unit shown in the legend title.
    decimals
        Decimals of the legend numbers.
    """

    edges: tuple[float, ...]
    colours: tuple[str, ...]
    higher_is_better: bool = True
    unit: str = ""
    decimals: int = 1
    nan_colour: str = NAN_COLOUR
    has_missing: bool = False
    note_text: str = "dunkler = bessere Versorgung"
    empty: bool = False
    missing_label: str = "keine Angabe"

    @classmethod
    def from_values(
        cls,
        values: pd.Series | Sequence[float],
        *,
        higher_is_better: bool = True,
        unit: str = "",
        n_classes: int = 5,
        palette: Sequence[str] = PALETTE,
    ) -> ColourScale:
        """Build a quantile-classed scale for ``values``.

        Classes are quantiles of the finite values; when there are fewer distinct
        values than classes, each distinct value gets its own class. The palette
        runs light → dark; it is reversed when ``higher_is_better`` is false, so
        dark means better in both cases.
        """
        series = pd.Series(values, dtype=float)
        finite = series[np.isfinite(series)]
        has_missing = bool(len(finite) < len(series))
        decimals = decimals_for(finite)
        if finite.empty:
            edges: tuple[float, ...] = (0.0, 0.0)
            n = 1
        else:
            distinct = np.unique(finite.to_numpy())
            integers = bool(np.allclose(distinct, np.round(distinct)))
            if len(distinct) <= n_classes and integers:
                cuts = list(distinct)
                edges = (*cuts, cuts[-1])
                n = len(distinct)
            else:
                qs = np.quantile(finite.to_numpy(), np.linspace(0, 1, n_classes + 1))
                qs = np.unique(np.round(qs, decimals + 2))
                edges = tuple(float(q) for q in qs)
                n = len(edges) - 1
        colours = _spread(palette, n)
        if not higher_is_better:
            colours = colours[::-1]
        return cls(
            edges=tuple(float(e) for e in edges),
            colours=tuple(colours),
            higher_is_better=higher_is_better,
            unit=unit,
            decimals=decimals,
            has_missing=has_missing,
            empty=bool(finite.empty),
        )

    @property
    def discrete(self) -> bool:
        """Whether each class is one distinct value (e.g. counts)."""
        return len(self.edges) == len(self.colours) + 1 and self.edges[-1] == self.edges[-2]

    def class_of(self, values: pd.Series | Sequence[float]) -> np.ndarray:
        """Class number (0 … n-1) of each value; -1 for missing values."""
        arr = np.asarray(pd.Series(values, dtype=float), dtype=float)
        out = np.full(arr.shape, -1, dtype=int)
        ok = np.isfinite(arr)
        if self.discrete:
            cuts = np.asarray(self.edges[:-1])
            idx = np.searchsorted(cuts, arr[ok], side="right") - 1
        else:
            inner = np.asarray(self.edges[1:-1])
            idx = np.searchsorted(inner, arr[ok], side="right")
        out[ok] = np.clip(idx, 0, len(self.colours) - 1)
        return out

    def colour(self, values: pd.Series | Sequence[float]) -> list[str]:
        """Fill colour of each value (grey when missing)."""
        lookup = (*self.colours, self.nan_colour)
        return [lookup[i] for i in self.class_of(values)]

    def labels(self) -> list[str]:
        """German class labels, e.g. ``"2,5 bis unter 5,0"``."""
        d = self.decimals
        if self.discrete:
            return [format_number(e, d) for e in self.edges[:-1]]
        labels = []
        n = len(self.colours)
        for i in range(n):
            lo, hi = self.edges[i], self.edges[i + 1]
            if i == n - 1:
                labels.append(f"{format_number(lo, d)} bis {format_number(hi, d)}")
            else:
                labels.append(f"{format_number(lo, d)} bis unter {format_number(hi, d)}")
        return labels

    def legend(self) -> list[tuple[str, str]]:
        """Legend entries ``(label, colour)``, best class first, then "keine Angabe"."""
        if self.empty:
            return [(self.missing_label, self.nan_colour)]
        entries = list(zip(self.labels(), self.colours, strict=True))
        if self.higher_is_better:
            entries = entries[::-1]
        if self.has_missing:
            entries.append((self.missing_label, self.nan_colour))
        return entries

    @property
    def note(self) -> str:
        """One-line reading aid for the legend (default: darker = better provision)."""
        return "" if self.empty else self.note_text


def _spread(palette: Sequence[str], n: int) -> list[str]:
    """Pick ``n`` colours spread over ``palette`` (keeping both ends when n >= 2)."""
    if n <= 0:
        return []
    if n == 1:
        return [palette[len(palette) // 2]]
    idx = np.round(np.linspace(0, len(palette) - 1, n)).astype(int)
    return [palette[i] for i in idx]


# -- facilities --------------------------------------------------------------------------
OUTSIDE_TEXT = "außerhalb des Kreises"
OUTSIDE_LEGEND = "außerhalb des Kreises (zählt nur für die Erreichbarkeit)"
"""Legend entry of facilities beyond the region's municipalities (hollow markers)."""

def facility_points(
    region: Region, categories: Iterable[str] | None = None, *, precision: int = DEFAULT_PRECISION
) -> pd.DataFrame:
    """Return facility markers: position, catalog colour and a German tooltip.

    Only public columns are used (personal data is dropped first).

    Parameters
    ----------
    region
        The region.
    categories
        Category ids to keep; all when ``None``.

    Returns
    -------
    pandas.DataFrame
        Index ``facility_id``; columns ``lat``, ``lon``, ``category``, ``label``
        (German category label), ``colour``, ``name``, ``gemeinde``, ``tooltip`` and
        ``outside`` (``True`` for a facility beyond the region's municipalities: it is
        drawn differently and counts only for reachability).
    """
    fac = drop_personal_data(region.facilities)
    if categories is not None:
        fac = fac[fac["category"].isin(list(categories))]
    cats = catalog.categories()
    if len(fac):
        pts = fac.geometry.to_crs(WGS84)
        lat = np.round(pts.y.to_numpy(), precision)
        lon = np.round(pts.x.to_numpy(), precision)
    else:
        lat = lon = np.array([], dtype=float)
    category = fac["category"].astype(str)
    label = category.map(cats["label"]).fillna(category)
    colour = category.map(cats["colour"]).fillna("#555555")
    names = region.municipalities["name"]
    gemeinde = fac["ags"].map(names).fillna("") if "ags" in fac else pd.Series("", fac.index)
    own = fac["ags"].isin(set(names.index)) if "ags" in fac else pd.Series(True, fac.index)
    outside = (~own).to_numpy(dtype=bool)
    name = fac["name"].astype(str)
    place = np.where(outside, f" – {OUTSIDE_TEXT}", np.where(gemeinde != "", " – " + gemeinde, ""))
    tooltip = name + " (" + label + ")" + place
    return pd.DataFrame(
        {
            "lat": lat,
            "lon": lon,
            "category": category.to_numpy(),
            "label": label.to_numpy(),
            "colour": colour.to_numpy(),
            "name": name.to_numpy(),
            "gemeinde": gemeinde.to_numpy(),
            "tooltip": np.asarray(tooltip, dtype=object),
            "outside": outside,
        },
        index=fac.index,
    )


def facility_legend(points: pd.DataFrame) -> list[tuple[str, str]]:
    """Legend entries ``(label, colour)`` for the categories present in ``points``."""
    cats = catalog.categories()
    present = [c for c in cats.index if c in set(points["category"])]
    return [(str(cats.at[c, "label_plural"]), str(cats.at[c, "colour"])) for c in present]


# -- texts -------------------------------------------------------------------------------
def attribution(region: Region, extra: Iterable[str] = ()) -> str:
    """Attribution text naming every data source of ``region``.

    Parameters
    ----------
    region
        Its ``attribution`` (all sources) is used; a region without sources is
        labelled "Quelle nicht angegeben".
    extra
        Further attributions, e.g. ``GEOBASIS_ATTRIBUTION`` when BKG boundaries
        are drawn in addition.
    """
    parts = [p.strip() for p in str(region.attribution).split("|") if p.strip()]
    parts += [e for e in extra if e]
    parts = list(dict.fromkeys(parts))
    if not parts:
        return "Daten: Quelle nicht angegeben"
    return "Daten: " + " | ".join(parts)


def source_table(region: Region) -> pd.DataFrame:
    """Data sources of ``region`` with German column names (for a sources box)."""
    rows = [
        {
            "Quelle": s.get("name", ""),
            "Stand": s.get("date", ""),
            "Lizenz": s.get("licence", ""),
            "Namensnennung": s.get("attribution", ""),
        }
        for s in region.sources
    ]
    return pd.DataFrame(rows, columns=["Quelle", "Stand", "Lizenz", "Namensnennung"])


def municipality_tooltips(
    names: pd.Series, values: pd.Series, *, label: str, unit: str, decimals: int
) -> pd.Series:
    """Tooltip per municipality: ``"Name: 12,3 je 10.000 Einw."``."""
    vals = values.reindex(names.index)
    text = [
        f"{n}: {format_number(v, decimals)} {unit}".rstrip()
        if pd.notna(v)
        else f"{n}: keine Angabe"
        for n, v in zip(names, vals, strict=True)
    ]
    return pd.Series(text, index=names.index, dtype=object)


# -- change maps ---------------------------------------------------------------------------
LOSS_COLOUR = "#d08c3c"
"""Colour of municipalities that lose (e.g. inhabitants within reach) in a change map."""


@dataclass(frozen=True)
class ChangeScale(ColourScale):
    """A colour scale for changes of whole numbers (e.g. inhabitants within reach):
    one class for losses, one for "keine Veränderung", up to three for gains.

    Build it with :meth:`from_changes`; values are rounded to whole numbers.
    """

    class_labels: tuple[str, ...] = ()

    @classmethod
    def from_changes(cls, values: pd.Series | Sequence[float], *, unit: str = "",
                     palette: Sequence[str] = PALETTE) -> ChangeScale:
        series = pd.Series(values, dtype=float).round()
        finite = series[np.isfinite(series)]
        gains = np.unique(finite[finite > 0].to_numpy())
        edges: list[float] = []
        colours: list[str] = []
        labels: list[str] = []
        if (finite < 0).any():
            edges += [float(finite.min())]
            colours.append(LOSS_COLOUR)
            labels.append("weniger")
        edges += [-0.5, 0.5]
        colours.append(palette[0])
        labels.append("keine Veränderung")
        if len(gains):
            cuts = np.unique(np.round(
                np.quantile(gains, np.linspace(0, 1, min(3, len(gains)) + 1))))
            inner = [float(c) for c in cuts[1:-1]]
            lows = [1.0, *inner]
            highs = [*inner, float(gains.max())]
            shades = _spread(palette[1:], len(lows))
            for i, (lo, hi, colour) in enumerate(zip(lows, highs, shades, strict=True)):
                last = i == len(lows) - 1
                if lo == hi:
                    labels.append(f"+{format_number(lo, 0)}")
                else:
                    labels.append(f"+{format_number(lo, 0)} bis "
                                  + ("" if last else "unter ") + f"+{format_number(hi, 0)}")
                colours.append(colour)
            edges += inner + [float(gains.max()) + 0.5]
        return cls(edges=tuple(edges), colours=tuple(colours), higher_is_better=True, unit=unit,
                   decimals=0, has_missing=bool(len(finite) < len(series)),
                   note_text="dunkler = mehr in Reichweite", class_labels=tuple(labels))

    @property
    def discrete(self) -> bool:
        return False

    def labels(self) -> list[str]:
        return list(self.class_labels)


SHARE_BREAKS: tuple[float, ...] = (10.0, 25.0, 50.0)
"""Inner class boundaries (percent) of :class:`ShareScale`, above the class "0 %"."""


@dataclass(frozen=True)
class ShareScale(ColourScale):
    """Fixed classes for the share (percent) of inhabitants beyond a standard.

    "0 %" (below 0.05 %, shown as 0,0 %), "unter 10 %", "10 bis unter 25 %",
    "25 bis unter 50 %", "50 % und mehr" (:data:`SHARE_BREAKS`). Fixed rather than
    quantile classes: with few municipalities that have a value (e.g. only those on the
    road network of an OSM extract) quantiles collapse to "0" and "100", and fixed
    classes mean the same share for every threshold and way of measuring. The darkest
    class is the best (nobody beyond), as in every map of kulturplan.

    Build it with :meth:`from_shares`.
    """

    class_labels: tuple[str, ...] = ()

    @classmethod
    def from_shares(cls, values: pd.Series | Sequence[float], *,
                    missing_label: str = "keine Angabe",
                    palette: Sequence[str] = PALETTE) -> ShareScale:
        series = pd.Series(values, dtype=float)
        finite = series[np.isfinite(series)]
        cuts = [format_number(b, 0) for b in SHARE_BREAKS]
        labels = ["0 %", f"unter {cuts[0]} %",
                  *(f"{lo} bis unter {hi} %" for lo, hi in zip(cuts, cuts[1:], strict=False)),
                  f"{cuts[-1]} % und mehr"]
        edges = (0.0, 0.05, *SHARE_BREAKS, 100.0)
        return cls(edges=edges, colours=tuple(_spread(palette, len(labels))[::-1]),
                   higher_is_better=False, unit="%", decimals=1,
                   has_missing=bool(len(finite) < len(series)), empty=bool(finite.empty),
                   missing_label=missing_label, class_labels=tuple(labels))

    @property
    def discrete(self) -> bool:
        return False

    def labels(self) -> list[str]:
        return list(self.class_labels)
