"""Tests of the survey import (kulturplan.needs.survey) and the codebook."""

from __future__ import annotations

import math

import numpy as np
import openpyxl
import pandas as pd
import pytest
import yaml

from kulturplan import catalog, demo
from kulturplan.errors import InputFileError, ValidationError
from kulturplan.needs import Codebook, read_survey, standard_codebook


@pytest.fixture(scope="module")
def region():
    return demo.musterland()


def _write(tmp_path, text: str, name: str = "befragung.csv", encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def _problems(exc: pytest.ExceptionInfo) -> list[tuple[int | None, str | None, str]]:
    return [(p.row, p.column, p.message) for p in exc.value.problems]


# --- the standard codebook ----------------------------------------------------------------
def test_standard_codebook_columns_and_codes():
    book = standard_codebook()
    assert book.sparten == demo.SURVEY_CATEGORIES
    assert set(book.sparten) <= set(catalog.category_ids())
    cols = book.columns()
    assert cols[:4] == ["respondent_id", "ags", "age_group", "sex"]
    for sparte in book.sparten:
        for stem in ("besuche", "interesse", "zufriedenheit_wohnort", "zufriedenheit_kreis"):
            assert f"{stem}_{sparte}" in cols
    assert "barriere_entfernung" in cols and "wunsch_kulturbus" in cols
    assert "wunsch_text" not in cols  # free text is never imported
    visits = book.item("besuche_kino")
    assert visits.labels() == {0: "nie", 1: "1–2 Mal", 2: "3–5 Mal", 3: "mehr als 5 Mal"}
    assert visits.sparte == "kino" and "Kino" in visits.label
    assert book.item("age_group").labels() == {
        "18_29": "18–29 Jahre", "30_64": "30–64 Jahre", "65_plus": "65 Jahre und älter"
    }
    assert book.item("interesse_kino").valid_codes == [1, 2, 3, 4, 5]
    assert book.label("sex", "d") == "divers"
    assert book.label("barriere_preis") .endswith("zu teuer")
    table = book.to_frame()
    sex = table[table["column"] == "sex"]
    assert sex["code"].tolist() == [1, 2, 3, 98, 99]
    assert sex["missing"].tolist() == [False, False, False, True, True]


def test_standard_questionnaire_as_text():
    text = standard_codebook().to_markdown()
    assert text.startswith("# Kulturbefragung – Standardfragebogen kulturplan\n")
    assert "**4. Wie oft haben Sie in den letzten 12 Monaten folgendes Angebot genutzt?**" in text
    assert "Antwort je Zeile: 1 (gar nicht) bis 5 (sehr stark), keine Angabe" in text
    assert text.count("- Soziokulturelles Zentrum: ☐") == 4  # visits, interest, 2 × satisfaction
    assert "- ☐ kein passendes Verkehrsmittel" in text
    assert "**10. Was wünschen Sie sich sonst? (Freitext)**" in text
    assert "Laufende Nummer" not in text


def test_demo_survey_follows_the_standard_questionnaire(region, tmp_path):
    # the demo table written as CSV and read back gives the same table
    path = tmp_path / "demo.csv"
    region.survey.to_csv(path)
    data, report = read_survey(path, region=region)
    assert report.problems == () and len(report.dropped) == 0
    assert len(data) == len(region.survey) == report.respondents
    survey = region.survey.reindex(data.index)
    for column in data.columns:
        got, want = data[column], survey[column]
        if pd.api.types.is_numeric_dtype(got):
            np.testing.assert_allclose(got.astype(float), want.astype(float), equal_nan=True)
        else:
            assert got.fillna("-").tolist() == want.fillna("-").tolist(), column


def test_codebook_errors_are_german(tmp_path):
    bad = {"items": [{"name": "respondent_id", "type": "id"}, {"name": "x", "type": "likert"}]}
    with pytest.raises(InputFileError, match="Skala braucht „scale"):
        Codebook.from_dict(bad)
    with pytest.raises(InputFileError, match="Typ „municipality“"):
        Codebook.from_dict({"items": [{"name": "respondent_id", "type": "id"}]})
    with pytest.raises(InputFileError, match="unbekannte Sparte"):
        Codebook.from_dict({"sparten": ["oper"], "items": []})
    path = tmp_path / "codebuch.yaml"
    path.write_text("items: [", encoding="utf-8")
    with pytest.raises(InputFileError, match="codebuch.yaml: Das Codebuch ist kein gültiges"):
        Codebook.from_yaml(path)


# --- reading codes and labels -------------------------------------------------------------
HEADER = (
    "Fragebogen;Gemeinde;Altersgruppe;Geschlecht;besuche_kino;interesse_kino;"
    "barriere_zeit;barriere_preis;wunsch_text"
)


def test_codes_labels_and_missing_values(region, tmp_path):
    muni = region.municipalities
    name0, ags1 = muni["name"].iloc[0], muni.index[1]
    text = "\n".join(
        [
            HEADER,
            f"1;{name0};1;weiblich;0;5;1;;Herr Müller soll wieder Theater machen",
            f"2;{ags1};65 Jahre und älter;2;mehr als 5 Mal;99;;;",
            f"3;{int(ags1)};3;99;2,0;sehr stark;0;0;",
            f"4;{ags1.lower()};30_64;d;98;3;99;;",
        ]
    )
    data, report = read_survey(_write(tmp_path, text, encoding="cp1252"), region=region)
    assert list(data.index) == ["1", "2", "3", "4"]
    assert data["ags"].tolist() == [muni.index[0], ags1, ags1, ags1]  # name, AGS, lost zero
    assert data["age_group"].tolist() == ["18_29", "65_plus", "65_plus", "30_64"]
    assert data["sex"].fillna("-").tolist() == ["w", "m", "-", "d"]
    assert data["besuche_kino"].fillna(-1).tolist() == [0, 3, 2, -1]
    assert data["interesse_kino"].fillna(-1).tolist() == [5, -1, 5, 3]
    # multi: chosen / empty-but-answered → 0 / nothing answered → missing
    assert data["barriere_zeit"].fillna(-1).tolist() == [1, -1, 0, -1]
    assert data["barriere_preis"].fillna(-1).tolist() == [0, -1, 0, -1]
    assert "wunsch_text" not in data.columns
    assert report.free_text_columns == ("wunsch_text",)
    assert "interesse_museum" in report.missing_columns
    assert any("Freitext" in m and "wunsch_text" in m for m in report.messages())


def test_xlsx_export_with_weight_column(region, tmp_path):
    book = openpyxl.Workbook()
    ws = book.active
    ws.append(["respondent_id", "ags", "age_group", "zufriedenheit_wohnort_museum", "Gewicht"])
    ws.append([101, int(region.municipalities.index[0]), 2, 4.0, "1,5"])
    ws.append([102, region.municipalities.index[2], 1, None, 0.5])
    path = tmp_path / "export.xlsx"
    book.save(path)
    data, report = read_survey(path, region=region)
    assert list(data.index) == ["101", "102"]
    assert data["age_group"].tolist() == ["30_64", "18_29"]
    assert data["zufriedenheit_wohnort_museum"].fillna(-1).tolist() == [4.0, -1]
    assert data["weight"].tolist() == [1.5, 0.5]
    assert report.unused_columns == ()


# --- malformed exports: each gives its German error with row and column -----------------
def test_unknown_code(region, tmp_path):
    ags = region.municipalities.index[0]
    text = f"respondent_id;ags;age_group\n1;{ags};1\n2;{ags};7\n"
    with pytest.raises(ValidationError) as exc:
        read_survey(_write(tmp_path, text), region=region)
    ((row, column, message),) = _problems(exc)
    assert (row, column) == (3, "age_group")
    assert "„7“ ist kein Antwortcode der Frage „age_group“" in message
    assert "1 (18–29 Jahre)" in message and "99 (keine Angabe)" in message
    assert "befragung.csv, Zeile 3, Spalte „age_group“" in str(exc.value)


def test_text_in_likert_column(region, tmp_path):
    ags = region.municipalities.index[0]
    text = f"respondent_id,ags,interesse_theater\n1,{ags},4\n2,{ags},sehr gut\n3,{ags},6\n"
    with pytest.raises(ValidationError) as exc:
        read_survey(_write(tmp_path, text), region=region)
    problems = _problems(exc)
    assert [(r, c) for r, c, _ in problems] == [(3, "interesse_theater"), (4, "interesse_theater")]
    assert "„sehr gut“ ist kein Wert der Skala der Frage „interesse_theater“" in problems[0][2]
    assert "erlaubt: 1 bis 5" in problems[0][2]
    assert problems[1][2].startswith("„6“ ist kein Wert der Skala")


def test_unknown_municipality_name_suggests_close_names(region, tmp_path):
    name = region.municipalities["name"].iloc[3]
    typo = name[:-1]
    text = f"respondent_id;ags\n1;{name}\n2;{typo}\n3;99999999\n4;\n"
    with pytest.raises(ValidationError) as exc:
        read_survey(_write(tmp_path, text), region=region)
    problems = _problems(exc)
    assert [(r, c) for r, c, _ in problems] == [(3, "ags"), (4, "ags"), (5, "ags")]
    assert f"Gemeinde „{typo}“ ist in der Region unbekannt" in problems[0][2]
    assert f"„{name}“" in problems[0][2]  # suggestion
    assert "„99999999“ gehört zu keiner Gemeinde der Region" in problems[1][2]
    assert "Wohngemeinde fehlt" in problems[2][2]


def test_municipality_names_need_a_region(tmp_path):
    text = "respondent_id;ags\n1;09162000\n2;München\n"
    with pytest.raises(ValidationError, match="Zeile 3, Spalte „ags“: „München“ ist kein 8-stell"):
        read_survey(_write(tmp_path, text))


def test_duplicate_respondent_ids(region, tmp_path):
    ags = region.municipalities.index[0]
    text = f"lfdn;ags\nA1;{ags}\nA2;{ags}\nA1;{ags}\n;{ags}\n"
    with pytest.raises(ValidationError) as exc:
        read_survey(_write(tmp_path, text), region=region)
    problems = _problems(exc)
    assert problems[0][:2] == (4, "lfdn")
    assert "Fragebogennummer „A1“ kommt doppelt vor (zuerst in Zeile 2)" in problems[0][2]
    assert problems[1][:2] == (5, "lfdn") and "fehlt" in problems[1][2]


def test_empty_file_and_header_only(tmp_path):
    with pytest.raises(InputFileError, match="leer.csv, Zeile 1: Die Datei ist leer"):
        read_survey(_write(tmp_path, "", "leer.csv"))
    with pytest.raises(ValidationError) as exc:
        read_survey(_write(tmp_path, "respondent_id;ags\n", "kopf.csv"))
    assert _problems(exc) == [(2, "respondent_id", "Unter der Kopfzeile stehen keine Antworten.")]
    with pytest.raises(ValidationError) as exc:
        read_survey(_write(tmp_path, "name;alter\nx;3\n", "ohne.csv"))
    assert [(r, c) for r, c, _ in _problems(exc)] == [(1, "respondent_id"), (1, "ags")]
    assert "Pflichtspalte „ags“" in str(exc.value)


def test_report_mode_keeps_usable_rows_and_lists_the_others(region, tmp_path):
    ags = region.municipalities.index[0]
    text = (
        f"respondent_id;ags;age_group;interesse_kino\n"
        f"1;{ags};1;4\n2;{ags};9;x\n3;Nirgendwo;1;3\n1;{ags};2;2\n"
    )
    data, report = read_survey(_write(tmp_path, text), region=region, errors="report")
    assert list(data.index) == ["1", "2"]
    assert math.isnan(data.loc["2", "interesse_kino"])  # bad cell → missing, reported
    assert pd.isna(data.loc["2", "age_group"])
    assert report.rows == 4 and report.respondents == 2
    assert report.dropped["row"].tolist() == [4, 5]
    assert report.dropped["reason"].tolist() == [
        "Wohngemeinde fehlt oder unbekannt", "Fragebogennummer fehlt oder doppelt"
    ]
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "age_group"), (3, "interesse_kino"), (4, "ags"), (5, "respondent_id")
    ]


def test_custom_codebook_from_yaml(tmp_path):
    raw = {
        "title": "Kurzbefragung",
        "missing": {-9: "keine Angabe"},
        "items": [
            {"name": "id", "type": "id"},
            {"name": "ags", "type": "municipality", "aliases": ["wohnort"]},
            {"name": "note", "type": "likert", "scale": [0, 10]},
            {"name": "angebot", "type": "multi", "options": {"a": "A", "b": "B"},
             "missing": {}},
        ],
    }
    path = tmp_path / "kurz.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    text = "id,wohnort,note,angebot_a,angebot_b\n7,09162000,10,ja,\n8,09162000,-9,,\n"
    data, _ = read_survey(_write(tmp_path, text), codebook=path)
    assert data["note"].fillna(-1).tolist() == [10.0, -1]
    assert data["angebot_a"].fillna(-1).tolist() == [1.0, -1]
    assert data["angebot_b"].fillna(-1).tolist() == [0.0, -1]


def test_multi_select_in_one_column(region, tmp_path):
    # Microsoft Forms style: labels separated by ";", or option numbers
    ags = region.municipalities.index[0]
    text = (
        "respondent_id\tags\tbarriere\n"
        f"1\t{ags}\tkeine Zeit;zu teuer;\n"
        f"2\t{ags}\t3, 9\n"
        f"3\t{ags}\t\n"
        f"4\t{ags}\tverkehrsmittel\n"
    )
    data, report = read_survey(_write(tmp_path, text), region=region)
    assert data["barriere_zeit"].fillna(-1).tolist() == [1, 0, -1, 0]
    assert data["barriere_preis"].fillna(-1).tolist() == [1, 0, -1, 0]
    assert data["barriere_entfernung"].fillna(-1).tolist() == [0, 1, -1, 0]
    assert data["barriere_sonstiges"].fillna(-1).tolist() == [0, 1, -1, 0]
    assert data["barriere_verkehrsmittel"].fillna(-1).tolist() == [0, 0, -1, 1]
    assert "barriere" not in report.unused_columns
    bad = f"respondent_id;ags;barriere\n1;{ags};zeit|Wetter\n"
    with pytest.raises(ValidationError, match="Zeile 2, Spalte „barriere“: „Wetter“ ist keine"):
        read_survey(_write(tmp_path, bad, "b.csv"), region=region)


def test_doubled_header_is_reported(region, tmp_path):
    ags = region.municipalities.index[0]
    text = f"respondent_id;ags;interesse_kino;Interesse_Kino\n1;{ags};4;2\n"
    with pytest.raises(ValidationError) as exc:
        read_survey(_write(tmp_path, text), region=region)
    assert _problems(exc) == [
        (1, "interesse_kino", "Die Spalte „interesse_kino“ steht zweimal in der Kopfzeile "
         "(Spalte 3 und 4); bitte eine davon umbenennen oder löschen.")
    ]


def test_spss_sav_export(region, tmp_path):
    pyreadstat = pytest.importorskip("pyreadstat")
    ags = region.municipalities.index[0]
    frame = pd.DataFrame(
        {
            "lfdn": [1.0, 2.0, 3.0],
            "gemeinde": [ags, ags, ags],
            "altersgruppe": [1.0, 3.0, 99.0],
            "besuche_theater": [0.0, 2.0, np.nan],
            "barriere_zeit": [1.0, 0.0, np.nan],
        }
    )
    path = tmp_path / "export.sav"
    pyreadstat.write_sav(frame, str(path))
    data, report = read_survey(path, region=region)
    assert list(data.index) == ["1", "2", "3"]
    assert data["age_group"].fillna("-").tolist() == ["18_29", "65_plus", "-"]
    assert data["besuche_theater"].fillna(-1).tolist() == [0.0, 2.0, -1]
    assert data["barriere_zeit"].fillna(-1).tolist() == [1.0, 0.0, -1]
    assert report.problems == ()
    (tmp_path / "kaputt.sav").write_bytes(b"$FL2 kein echtes SPSS")
    with pytest.raises(InputFileError, match="kaputt.sav: Die SPSS-Datei kann nicht gelesen"):
        read_survey(tmp_path / "kaputt.sav")
