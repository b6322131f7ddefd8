"""The Safer Streets register's starting data and its current state."""

from __future__ import annotations

from hcsp_engage import records, schema
from hcsp_engage.analysis import interventions
from hcsp_engage.reference import geography
from hcsp_engage.storage import SqliteStore, to_frame


def test_every_seed_intervention_validates():
    seeds = interventions.seed_interventions()
    assert len(seeds) >= 25
    for intervention in seeds:
        assert records.validate_intervention(intervention) == [], intervention.intervention_id


def test_no_seed_intervention_claims_an_exact_location():
    precisions = {intervention.location_precision for intervention in interventions.seed_interventions()}
    assert precisions <= {"approximate", "area"}


def test_seed_points_are_in_herefordshire_and_in_their_area():
    for intervention in interventions.seed_interventions():
        assert geography.in_herefordshire(intervention.lat, intervention.lon)
        assert geography.nearest_area(intervention.lat, intervention.lon) == intervention.area


def test_seed_covers_the_schemes_named_in_public_records():
    seeds = interventions.seed_interventions()
    titles = " | ".join(intervention.title for intervention in seeds)
    for site in ("Great Western Way", "Castle Green", "Canary Bridge", "Tesco roundabout", "Sydonia"):
        assert site in titles
    assert sum(1 for i in seeds if i.kind == "CCTV" and i.area == "Hereford") == 18
    assert {i.scheme for i in seeds} == {"Safer Streets 3", "Safer Streets 4", "Safer Streets 5"}
    assert {i.area for i in seeds} == {"Hereford", "Leominster", "Ross-on-Wye"}
    assert all(i.public for i in seeds)


def test_seed_ids_are_stable_and_unique():
    ids = [intervention.intervention_id for intervention in interventions.seed_interventions()]
    assert len(set(ids)) == len(ids)
    assert ids[0] == "I-SS3-0001"
    assert set(interventions.seed_sources()) == set(ids)
    assert all("approximate" in source for source in interventions.seed_sources().values())


def test_seed_rows_have_exactly_the_table_columns():
    for row in interventions.seed_rows():
        assert tuple(row) == schema.COLUMNS[schema.INTERVENTIONS]


def test_ensure_seeded_fills_an_empty_register_once(tmp_path):
    store = SqliteStore(tmp_path / "register.sqlite3")
    written = interventions.ensure_seeded(store)
    assert written == len(interventions.seed_rows())
    assert interventions.ensure_seeded(store) == 0
    assert len(store.read(schema.INTERVENTIONS)) == written


def test_ensure_seeded_leaves_an_edited_register_alone(tmp_path):
    store = SqliteStore(tmp_path / "register.sqlite3")
    own = dict(interventions.seed_rows()[0], intervention_id="I-OWN-0001", title="Our own CCTV")
    store.append(schema.INTERVENTIONS, own)
    assert interventions.ensure_seeded(store) == 0
    assert store.read(schema.INTERVENTIONS)["title"].tolist() == ["Our own CCTV"]


def test_current_shows_the_latest_edit_of_each_intervention_newest_first():
    rows = interventions.seed_rows()
    edited = dict(rows[0], status="Withdrawn", updated_at="2026-11-29T10:00:00Z", updated_by="officer")
    undated = dict(rows[1], intervention_id="I-OWN-0001", started_on="")
    frame = to_frame(schema.INTERVENTIONS, [*rows, edited, undated])
    now = interventions.current(frame)
    assert len(now) == len(rows) + 1
    assert now.loc[now["intervention_id"] == "I-SS3-0001", "status"].tolist() == ["Withdrawn"]
    started = now["started_on"].tolist()
    assert started[0].startswith("2024")
    assert started[-1] == ""
    dated = [value for value in started if value]
    assert dated == sorted(dated, reverse=True)


def test_current_of_an_empty_register_is_empty():
    assert interventions.current(to_frame(schema.INTERVENTIONS, [])).empty


def test_the_form_starts_from_an_interventions_current_row():
    seed = interventions.seed_interventions()[0]
    values = interventions.form_values(records.intervention_row(seed))
    assert (values.title, values.scheme, values.kind, values.area) == (
        seed.title,
        seed.scheme,
        seed.kind,
        seed.area,
    )
    assert (values.lat, values.lon, values.started, values.public) == (
        seed.lat,
        seed.lon,
        seed.started_on,
        seed.public,
    )


def test_a_new_interventions_form_starts_public_exact_and_empty():
    values = interventions.form_values(None)
    assert (values.title, values.precision, values.public, values.lat) == ("", "exact", True, None)
    assert values.scheme == schema.SCHEMES[0]


def test_a_stored_blank_number_reads_as_none_and_a_coordinate_as_a_float():
    assert records.optional_float("") is None and records.optional_float("  ") is None
    assert records.optional_float("52.0565") == 52.0565
