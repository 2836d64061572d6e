"""Readers for real data: official register and boundaries, facility lists, OSM, iCal.

* :func:`kulturplan.sources.destatis.read_register` – Destatis municipality register
* :func:`kulturplan.sources.bkg.read_boundaries` – BKG administrative boundaries
* :func:`kulturplan.sources.build.build_region` – joins both into a :class:`~kulturplan.Region`
* :func:`kulturplan.sources.facilities.read_table` / ``write_template`` – facility lists
* :func:`kulturplan.sources.osm.read_overpass` – OpenStreetMap (Overpass JSON, GeoJSON)
* :func:`kulturplan.sources.ical.read_events` / ``read_calendars`` – iCalendar event feeds
  (series expanded, several feeds merged into one Kreis calendar, duplicates reported)
* :func:`kulturplan.sources.zensus.read_grid` – Zensus 2022 population grid (100 m, 1 km, 10 km)
* :func:`kulturplan.sources.osm_pbf.read_facilities` – facilities from an OSM ``.pbf`` file
* :func:`kulturplan.sources.projects.read_projects` / ``write_template`` – project lists
* :func:`kulturplan.sources.volunteers.read_offers` / ``read_requests`` – Freiwilligenbörse
  (pseudonymous; personal-data columns are never read)
* :func:`kulturplan.sources.lists.read_organisations` / ``read_funding`` / ``write_template`` –
  organisation and funding lists; :mod:`kulturplan.sources.lists` is also the one mechanism
  (columns, Sparte, unused columns, templates) behind every list reader above

The list readers return ``data, report`` (:class:`~kulturplan.sources._report.ReadResult`):
the usable records and a :class:`~kulturplan.ValidationReport` of what was left out;
:func:`build_region` returns ``region, report`` (:class:`~kulturplan.sources.build.BuildResult`).
"""

from __future__ import annotations

import importlib
from typing import Any

__all__ = [
    "bkg",
    "build",
    "build_region",
    "destatis",
    "facilities",
    "find_data_dir",
    "ical",
    "osm",
    "osm_pbf",
    "projects",
    "read_boundaries",
    "read_calendars",
    "read_events",
    "read_grid",
    "read_overpass",
    "read_register",
    "reference_files",
    "zensus",
    "volunteers",
]

_FUNCTIONS = {
    "build_region": "build",
    "read_boundaries": "bkg",
    "read_register": "destatis",
    "read_overpass": "osm",
    "read_events": "ical",
    "read_grid": "zensus",
    "read_calendars": "ical",
    "find_data_dir": "build",
    "reference_files": "build",
    "ImportReport": "build",
    "BuildResult": "build",
    "ReadResult": "_report",
}


def __getattr__(name: str) -> Any:
    if name in {"bkg", "build", "destatis", "facilities", "ical", "osm", "osm_pbf", "projects",
                "volunteers", "zensus"}:
        return importlib.import_module(f"kulturplan.sources.{name}")
    if name in _FUNCTIONS:
        module = importlib.import_module(f"kulturplan.sources.{_FUNCTIONS[name]}")
        return getattr(module, name)
    raise AttributeError(f"module 'kulturplan.sources' has no attribute {name!r}")
