"""The public community map's figures, published through one disclosure release (docs/disclosure-control.md).

Everything /map shows, in every area view, is one publication (``publish``): the two hexagon layers,
concerns by month and feeling safe after dark, all from the same snapshot (the 12 whole months before
the 1st of this month, rows submitted before that day: ``snapshot``). Every count goes through one
``disclosure.Release`` banded at k, with every way a reader can see the counts add up: each category's
month for the county is its towns plus the rest of the county ("Elsewhere", never shown on its own),
the concerns on the map are no more than the concerns in the chart, and a rounded percentage ties the
people who feel safe to those who answered. Personal ASB is never included.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import numpy as np
import pandas as pd

from hcsp_engage import disclosure, i18n, reference, schema
from hcsp_engage.analysis import aggregate
from hcsp_engage.analysis.aggregate import publicly_mappable_categories
from hcsp_engage.analysis.snapshot import Snapshot, responses_in, snapshot_for
from hcsp_engage.disclosure import Band, Publication, Release
from hcsp_engage.i18n import N_, Message
from hcsp_engage.privacy import COUNT_BANDS
from hcsp_engage.reference import COUNTY

VIEWS = (COUNTY, *schema.TOWNS)  # the areas a reader can choose on /map
REST = "Rest of the county"  # the county less the towns: reasoned about, never shown on its own
LAYERS = ("concerns", "unsafe")


def public_bands(k: int) -> tuple[Band, ...]:
    """The public bands for threshold ``k``: the first from k, the rest as ``privacy.COUNT_BANDS``
    ("10–24", "25–49", "50–99", "100 or more" when k is 10)."""
    lows = [k, *(low for low, _, _ in COUNT_BANDS if low > k)]
    return tuple(
        Band(low, None, f"{low:,} or more")
        if after is None
        else Band(low, after - 1, f"{low:,}–{after - 1:,}")
        for low, after in zip(lows, [*lows[1:], None], strict=True)
    )


def public_release(k: int) -> Release:
    """The release every public count goes through: counts below ``k`` (zero too) left out, the rest
    banded."""
    if k < 1:
        raise ValueError("k must be at least 1.")
    return Release(minimum=k, zero_shown=False, bands=public_bands(k))


@dataclass(frozen=True)
class PublicFigures:
    """One publication of /map, every area view included. Frames hold shown figures only."""

    snapshot: Snapshot
    k: int
    concerns: pd.DataFrame  # area, month, category, band, low
    safety: pd.DataFrame  # area, answers (band text), percent_safe (whole number or None)
    layers: dict[str, pd.DataFrame]  # "concerns", "unsafe": cell, band, area, in cell-id order
    publication: Publication = field(repr=False)

    @property
    def bands(self) -> tuple[str, ...]:
        return tuple(band.text for band in public_bands(self.k))


def _bucket(areas: pd.Series) -> pd.Series:
    """Each row's view: its town, or the rest of the county (stored areas may be categorical)."""
    areas = areas.astype(object)
    return areas.where(areas.isin(schema.TOWNS), REST)


def _register_split(release: Release, key: tuple, counts: dict[str, int]) -> None:
    """``key + (view,)`` for the county, each town and (unpublished) the rest, the county their sum."""
    parts = [
        release.count((*key, area), counts.get(area, 0), published=area != REST)
        for area in (*schema.TOWNS, REST)
    ]
    county = release.count((*key, COUNTY), sum(counts.get(area, 0) for area in (*schema.TOWNS, REST)))
    release.add_sum(county, parts)


def _register_concerns(release: Release, reports: pd.DataFrame, published: Snapshot) -> list[tuple]:
    by = (
        reports.assign(view=_bucket(reports["area"])).groupby(["month", "category", "view"]).size()
        if not reports.empty
        else pd.Series(dtype=int)
    )
    county_cells = []
    for month in published.month_keys:
        for category in sorted(publicly_mappable_categories()):
            counts = {area: int(by.get((month, category, area), 0)) for area in (*schema.TOWNS, REST)}
            _register_split(release, ("concerns", month, category), counts)
            county_cells.append(("concerns", month, category, COUNTY))
    return county_cells


def _register_layer(release: Release, layer: str, cells: pd.DataFrame) -> list[tuple]:
    return [
        release.count(("hexagon", layer, cell), n)
        for cell, n in zip(cells["cell"], cells["count"], strict=True)
    ]


def _answers(responses: pd.DataFrame) -> pd.DataFrame:
    """Answers to "safe after dark" other than "Don't know" (left out, as in the baselines)."""
    if responses.empty:
        return pd.DataFrame({"view": pd.Series(dtype=str), "safe": pd.Series(dtype=bool)})
    answered = responses[responses["safe_after_dark"].isin(set(schema.SAFETY_SCALE) - {"Don't know"})]
    return pd.DataFrame(
        {"view": _bucket(answered["area"]), "safe": answered["safe_after_dark"].isin(schema.SAFE_ANSWERS)}
    )


def _register_safety(release: Release, answers: pd.DataFrame) -> None:
    safe = answers[answers["safe"]]["view"].value_counts().to_dict()
    not_safe = answers[~answers["safe"]]["view"].value_counts().to_dict()
    answered = answers["view"].value_counts().to_dict()
    _register_split(release, ("answered",), answered)
    for name, counts in (("safe", safe), ("not safe", not_safe)):
        # Never shown: a reader reasons about them through the percentages.
        parts = [
            release.count((name, area), counts.get(area, 0), published=False)
            for area in (*schema.TOWNS, REST)
        ]
        release.add_sum(release.count((name, COUNTY), sum(counts.values()), published=False), parts)
    for area in (*VIEWS, REST):
        release.add_sum(("answered", area), [("safe", area), ("not safe", area)])


def _percent_allowed(release: Release, area: str) -> bool:
    """A percentage is considered only with at least k answers, and at least k or none on each side:
    a percentage with fewer than k on one side would point to those few people's answers."""
    k = release.minimum
    answered, safe, not_safe = (release.values[(name, area)] for name in ("answered", "safe", "not safe"))
    return answered >= k and all(n == 0 or n >= k for n in (safe, not_safe))


def _protected(
    reports: pd.DataFrame, responses: pd.DataFrame, k: int, published: Snapshot
) -> tuple[Publication, dict[str, pd.DataFrame], dict[str, int]]:
    """The protected release and the percentages it can carry.

    Percentages are tried for every view that ``_percent_allowed``; while the audit finds a hidden count
    narrowed, or a view's answers are not shown, the percentage from the fewest answers is dropped and the
    release protected again (a percentage is derived from counts, so it cannot be "not shown" like one).
    """
    answers = _answers(responses)
    cells = {
        "concerns": aggregate.public_cells(aggregate.locate(reports, place_col="place"), k=k),
        "unsafe": aggregate.public_cells(aggregate.unsafe_points(responses), k=k),
    }
    percents: set[str] | None = None
    while True:
        release = public_release(k)
        county_cells = _register_concerns(release, reports, published)
        # The concerns on the map are some of those in the chart: the chart's total is at least the
        # hexagons' (the rest are unmapped or in cells below k).
        total = release.count(("concerns", "all months", COUNTY), len(reports), published=False)
        release.add_sum(total, county_cells)
        hexagons = _register_layer(release, "concerns", cells["concerns"])
        unmapped = release.count(
            ("concerns", "not on the map"),
            len(reports) - int(cells["concerns"]["count"].sum()),
            published=False,
        )
        release.add_sum(total, [*hexagons, unmapped])
        _register_layer(release, "unsafe", cells["unsafe"])
        _register_safety(release, answers)
        if percents is None:
            percents = {area for area in VIEWS if _percent_allowed(release, area)}
        shown = {
            area: disclosure.whole_percent(release.values[("safe", area)], release.values[("answered", area)])
            for area in percents
        }
        for area, percent in shown.items():
            release.add_rounded_percent(("safe", area), ("answered", area), percent)
        publication = release.protect()
        unsupported = {area for area in percents if publication.label(("answered", area)).hidden}
        if not percents or (not unsupported and not publication.unresolved):
            return publication, cells, shown
        drop = unsupported or {min(percents, key=lambda area: (release.values[("answered", area)], area))}
        percents -= drop


def publish(reports: pd.DataFrame, responses: pd.DataFrame, k: int, published: Snapshot) -> PublicFigures:
    """Every figure /map shows for the publication ``published``, protected at ``k``."""
    reports = aggregate.public_reports(reports, published)
    responses = responses_in(responses, published)
    publication, cells, percents = _protected(reports, responses, k, published)

    rows = []
    for month in published.month_keys:
        for category in sorted(publicly_mappable_categories()):
            for area in VIEWS:
                label = publication.label(("concerns", month, category, area))
                if label.shown:
                    rows.append(
                        {
                            "area": area,
                            "month": month,
                            "category": category,
                            "band": label.text,
                            "low": label.low,
                        }
                    )
    concerns = pd.DataFrame(rows, columns=["area", "month", "category", "band", "low"])

    layers = {}
    for layer in LAYERS:
        frame = cells[layer]
        labels = [publication.label(("hexagon", layer, cell)) for cell in frame["cell"]]
        shown = np.array([label.shown for label in labels], dtype=bool)
        kept = frame.assign(band=[label.text for label in labels]).loc[shown]
        layers[layer] = kept[["cell", "band", "area"]].sort_values("cell").reset_index(drop=True)

    safety = pd.DataFrame(
        [
            {
                "area": area,
                "answers": publication.text(("answered", area)),
                "answers_shown": publication.shown(("answered", area)),
                "percent_safe": percents.get(area),
            }
            for area in VIEWS
        ]
    )
    return PublicFigures(published, k, concerns, safety, layers, publication)


def publish_for(tables: dict[str, pd.DataFrame], k: int, today: date) -> PublicFigures:
    """The publication in force on ``today``."""
    return publish(
        tables.get(schema.ASB_REPORTS, pd.DataFrame()),
        tables.get(schema.SURVEY_RESPONSES, pd.DataFrame()),
        k,
        snapshot_for(today),
    )


def concerns_in(figures: PublicFigures, area: str | None) -> pd.DataFrame:
    """Concerns by month for one view: ``DataFrame[month, category, band, low]``, shown cells only."""
    view = area if area in VIEWS else COUNTY
    shown = figures.concerns[figures.concerns["area"] == view]
    return shown.drop(columns="area").reset_index(drop=True)


def concerns_table(
    concerns: pd.DataFrame, months: tuple[str, ...], language: str = i18n.DEFAULT
) -> pd.DataFrame:
    """The same cells as a table to read: one row per month, one column per category shown, bands as
    text ("" where left out); words in ``language``."""
    table = concerns.pivot(index="month", columns="category", values="band")
    table = table.reindex(index=list(months)).fillna("")
    table = table.map(lambda band: i18n.gettext(band, language))
    table.index = [month_label(f"{month}-01", language) for month in table.index]
    table.index.name = i18n.gettext(N_("Month"), language)
    table.columns = [i18n.gettext(category, language) for category in table.columns]
    return table


def safety_after_dark(figures: PublicFigures, area: str | None, language: str = i18n.DEFAULT) -> pd.DataFrame:
    """``DataFrame[label, percent_safe, answers, kind]``: the view, the county (this survey's
    publication) and the baselines. ``percent_safe`` is missing (NaN) where it is not shown. Labels in
    ``language`` (a data frame keeps text, not ``i18n.Message``)."""
    views = [COUNTY] if area not in schema.TOWNS else [area, COUNTY]
    table = figures.safety.set_index("area")
    rows = [
        {
            "label": i18n.gettext(Message("{area} (this survey)", area=view), language),
            "percent_safe": table.at[view, "percent_safe"],
            "answers": table.at[view, "answers"] if table.at[view, "answers_shown"] else "",
            "kind": "This survey",
        }
        for view in views
    ]
    rows += [
        {"label": baseline.label, "percent_safe": baseline.percent_safe, "answers": "", "kind": "Baseline"}
        for baseline in reference.safety_baselines()
    ]
    return pd.DataFrame(rows)


def safety_notes(figures: pd.DataFrame, k: int) -> list[Message]:
    """Plain-words notes under the safety chart: how many answered (in bands), and what is not shown.
    English text that the page translates (``i18n.Message``)."""
    notes = []
    for row in figures[figures["kind"] == "This survey"].itertuples():
        if not row.answers:
            notes.append(
                Message(
                    "{label}: fewer than {count} answers, so no percentage is shown.",
                    label=row.label,
                    count=k,
                )
            )
        elif row.percent_safe is None or pd.isna(row.percent_safe):
            notes.append(
                Message(
                    "{label}: {answers} answers. No percentage is shown: one is shown only when it cannot "
                    "point to the answers of fewer than {count} people.",
                    label=row.label,
                    answers=row.answers,
                    count=k,
                )
            )
        else:
            notes.append(
                Message(
                    "{label}: {percent} feel very or fairly safe ({answers} answers).",
                    label=row.label,
                    percent=i18n.Percent(round(float(row.percent_safe))),
                    answers=row.answers,
                )
            )
    notes.append(
        Message(
            "Baselines: Herefordshire surveys of 2021 and 2023 (HCSP annual report 2023/24) and Great Britain "
            '(LGA, October 2022). "Don\'t know" answers are left out of the percentages.'
        )
    )
    return notes


def _in_area(frame: pd.DataFrame, area: str | None) -> pd.DataFrame:
    if not area or area == COUNTY:
        return frame
    return frame[frame["area"] == area]


def public_interventions(register: pd.DataFrame, area: str | None) -> pd.DataFrame:
    """Interventions marked public (current state), for one area or the county, newest first."""
    if register.empty:
        return register
    shown = register[register["public"] == "yes"]
    shown = shown[shown["status"] != "Withdrawn"]
    return _in_area(shown, area).reset_index(drop=True)


@dataclass(frozen=True)
class InterventionCard:
    """One "You said, we did" entry, as markdown with every stored character escaped."""

    heading: str
    meta: str
    description: str


_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()<>#+-.!|~$&:")


def markdown_text(text: object) -> str:
    """Stored text made safe for ``st.markdown``: every markdown character is shown as itself."""
    return "".join("\\" + ch if ch in _MARKDOWN_SPECIALS else ch for ch in str(text))


def month_label(text: str, language: str = i18n.DEFAULT) -> str:
    """'2024-03-15' -> 'March 2024' (dates shown to the public are by month only), in ``language``."""
    stamp = pd.to_datetime(text, errors="coerce", format="%Y-%m-%d")
    return "" if pd.isna(stamp) else i18n.month_year(stamp.date(), language)


PRECISION_WORDS = {
    "exact": N_("Exact location"),
    "approximate": N_("Approximate location"),
    "area": N_("Exact sites not confirmed: shown at the centre of the area"),
}


def intervention_cards(frame: pd.DataFrame, language: str = i18n.DEFAULT) -> list[InterventionCard]:
    """The "You said, we did" entries: the register's words (kind, status) in ``language``; the title and
    description as officers wrote them."""

    def text(value: object) -> str:
        return i18n.gettext(value if isinstance(value, Message) else str(value), language)

    cards = []
    for row in frame.to_dict("records"):
        started = month_label(row.get("started_on", ""), language)
        meta = [
            row["scheme"],
            text(row["kind"]),
            row["area"],
            text(Message("started {month}", month=started)) if started else "",
            text(row["status"]),
        ]
        meta.append(text(PRECISION_WORDS.get(row.get("location_precision", ""), "")))
        cards.append(
            InterventionCard(
                heading=f"**{markdown_text(row['title'])}**",
                meta=markdown_text(" · ".join(part for part in meta if part)),
                description=markdown_text(row.get("description", "")),
            )
        )
    return cards
