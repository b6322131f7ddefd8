"""The one storage interface both backends implement.

Rows are dicts of column name to text, exactly the docs/design.md section 5 columns. Every write is an append
and is idempotent on ``schema.row_key``: a row whose key is already stored is not written again, so a
retry after an unknown outcome can never double a submission.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from hcsp_engage import schema


class Store(ABC):
    """A place rows are appended to and read back from."""

    #: Short name for messages and benchmarks ("sqlite", "gsheets").
    name: str = ""

    @abstractmethod
    def append(self, table: str, row: Mapping[str, str]) -> bool:
        """Append one row; return False when a row with the same key was already stored.

        Raises ``StoreUnavailable`` when the store cannot be reached; the row may or may not have been
        written, and calling ``append`` again with the same row is always safe.
        """

    def append_many(self, table: str, rows: Iterable[Mapping[str, str]]) -> int:
        """Append several rows (seed or demo data); returns how many were new. Backends may send them
        in one call."""
        return sum(self.append(table, row) for row in rows)

    @abstractmethod
    def read_all(self) -> dict[str, pd.DataFrame]:
        """Every table as a data frame of text (in write order, repeated keys dropped), with the dtypes
        of ``with_stored_dtypes``: CODED_COLUMNS as categoricals, the rest "str"."""

    def read(self, table: str) -> pd.DataFrame:
        return self.read_all()[table]

    def close(self) -> None:  # noqa: B027 - optional for backends with nothing to release
        """Release connections."""


# Columns whose values repeat (answer choices, places, coordinates that cluster, officers): every
# backend reads them as pandas categoricals, one small integer a row instead of a string each, which
# keeps a million reports and responses within memory. Ids, timestamps, dates (compared as ranges) and
# free text stay "str". Categories are sorted, so sorting and grouping order are those of the text.
# A categorical compares with ==, !=, isin, and has .str, like text; it cannot take a new value by
# assignment or .where (convert with .astype(str) first) and is not ordered (no < or min on it).
# Listed here are the columns that stay "str"; every other column of the schema is coded.
TEXT_COLUMNS: dict[str, frozenset[str]] = {
    schema.SURVEY_RESPONSES: frozenset({"response_id", "submitted_at", "comments"}),
    schema.ASB_REPORTS: frozenset(
        {"report_id", "submitted_at", "location_detail", "occurred_on", "description"}
    ),
    schema.REPORT_STATUS: frozenset({"report_id", "note", "updated_at"}),
    # a few dozen rows, edited by officers: plain text
    schema.INTERVENTIONS: frozenset(schema.COLUMNS[schema.INTERVENTIONS]),
}
CODED_COLUMNS: dict[str, frozenset[str]] = {
    table: frozenset(columns) - TEXT_COLUMNS[table] for table, columns in schema.COLUMNS.items()
}


def coded(values: Iterable[str] | pd.Series) -> pd.Series:
    """Text as a categorical with sorted "str" categories: the form of every CODED_COLUMNS column."""
    return pd.Series(values, dtype="str").astype("category")


def with_stored_dtypes(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` (text, as ``to_frame`` makes it) with the dtypes every backend's ``read`` gives:
    CODED_COLUMNS categorical, the rest "str". Columns already so are left as they are."""
    codes = CODED_COLUMNS.get(table, frozenset())
    changed = {}
    for column in frame.columns:
        dtype = frame[column].dtype
        if column in codes and not isinstance(dtype, pd.CategoricalDtype):
            changed[column] = coded(frame[column])
        elif column not in codes and dtype != "str":
            changed[column] = frame[column].astype("str")
    return frame.assign(**changed) if changed else frame


def with_read_defaults(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with the empty cells of ``schema.READ_DEFAULTS`` columns read as their default (rows
    written before the column existed). Every backend's read goes through it; a coded column is
    recoded through its categories (one pass over small integers), so the categories stay sorted."""
    defaults = schema.READ_DEFAULTS.get(table, {})
    changed = {}
    for column, default in defaults.items():
        if column not in frame.columns:
            continue
        values = frame[column]
        if isinstance(values.dtype, pd.CategoricalDtype):
            categories = values.cat.categories
            if "" not in categories:
                continue
            kept = sorted({default if category == "" else category for category in categories})
            recode = np.array([kept.index(default if c == "" else c) for c in categories], dtype=np.int32)
            codes = values.cat.codes.to_numpy()
            new_codes = recode[codes].astype(values.cat.codes.dtype)
            changed[column] = pd.Series(
                pd.Categorical.from_codes(new_codes, categories=pd.Index(kept, dtype="str"), validate=False),
                index=frame.index,
                copy=False,
            )
        elif bool((values == "").any()):
            changed[column] = values.where(values != "", default)
    return frame.assign(**changed) if changed else frame


def empty_frame(table: str) -> pd.DataFrame:
    return pd.DataFrame({column: pd.Series(dtype=object) for column in schema.COLUMNS[table]})


def to_frame(table: str, rows: Iterable[Mapping[str, str]] | Iterable[Iterable[str]]) -> pd.DataFrame:
    """Rows (dicts or value lists in column order) as a text frame with the table's columns.

    Missing cells become "" (or, in a column added later, its ``schema.READ_DEFAULTS`` value), extra
    columns are dropped, and a row whose key repeats an earlier row is dropped: a write that was retried
    after a lost response is counted once.
    """
    columns = list(schema.COLUMNS[table])
    rows = list(rows)
    if not rows:
        return empty_frame(table)
    if isinstance(rows[0], Mapping):
        frame = pd.DataFrame.from_records(rows, columns=columns)
    else:
        width = len(columns)
        frame = pd.DataFrame(
            [(list(row) + [""] * width)[:width] for row in rows], columns=columns, dtype=object
        )
    frame = with_read_defaults(table, frame.fillna("").astype(str))
    return drop_repeated_keys(table, frame)


def drop_repeated_keys(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    if table in schema.EVENT_TABLES:
        keep = ~frame.duplicated(subset=list(schema.COLUMNS[table]), keep="first")
    else:
        keep = ~frame.duplicated(subset=[schema.ID_COLUMN[table]], keep="first")
    if bool(keep.all()):
        return frame.reset_index(drop=True)
    return frame[keep].reset_index(drop=True)


def arrow_text(column: pd.Series) -> pa.ChunkedArray:
    """A text column as Arrow strings, sharing the column's buffers when it already holds them."""
    array = pa.array(column.astype("str"))
    return array if isinstance(array, pa.ChunkedArray) else pa.chunked_array([array])


def latest_rows(ids: pd.Series, updated_at: pd.Series) -> tuple[pa.Array, np.ndarray]:
    """The distinct ids of an event table and, for each, the position of its latest row: the latest
    ``updated_at`` wins, ties broken by write order (the later row).

    Worked out on Arrow arrays: sorting and matching a million status changes as pandas text would hold
    a Python string for each of them for a moment (about 400 MB at a million reports).
    """
    encoded = pc.dictionary_encode(arrow_text(ids))  # one dictionary for all chunks
    if not encoded.num_chunks:
        return pa.array([], pa.string()), np.zeros(0, dtype=np.int64)
    codes = np.concatenate([chunk.indices.to_numpy(zero_copy_only=False) for chunk in encoded.chunks])
    dictionary = encoded.chunk(0).dictionary
    return dictionary, latest_positions(codes, updated_at, len(dictionary))


def latest_positions(codes: np.ndarray, updated_at: pd.Series, n: int) -> np.ndarray:
    """For each of ``n`` things, the position of its latest row among rows naming it by ``codes`` (its
    number, -1 for none): the latest ``updated_at`` wins, ties broken by write order (the later row);
    -1 where no row names it."""
    # A stable sort: ties keep write order.
    order = pc.sort_indices(arrow_text(updated_at)).to_numpy().astype(np.int64)
    last = np.full(n + 1, -1, dtype=np.int64)  # the extra place takes the rows naming none
    np.maximum.at(last, codes[order], np.arange(len(order)))
    last = last[:n]
    return np.where(last >= 0, order[np.maximum(last, 0)], -1)


def latest(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    """For an event table, the latest row per id (by updated_at, ties broken by write order), in the
    order they were written."""
    if table not in schema.EVENT_TABLES or frame.empty:
        return frame
    _, rows = latest_rows(frame[schema.ID_COLUMN[table]], frame["updated_at"])
    return frame.take(np.sort(rows)).reset_index(drop=True)


def table_version(frame: pd.DataFrame) -> tuple:
    """The key every cache of the app keys on (web/): a table's length and its last row.

    Tables are append-only (docs/design.md section 5), so every write changes it, and it costs nothing
    where hashing a million-row frame on every run would cost more than the figures. A row edited by hand
    in the middle of a Google Sheet keeps it: the edit shows when the table next gets a row (or the
    cache entry expires).
    """
    return rows_version(frame, len(frame), len(frame) - 1)


def rows_version(frame: pd.DataFrame, count: int, last: int) -> tuple:
    """``table_version`` of ``count`` rows of ``frame`` of which the last is at position ``last``, without
    taking them out of the frame (the rows a publication counts, say)."""
    if not count:
        return (0,)
    return (count, *map(str, frame.iloc[last].tolist()))


def table_versions(tables: Mapping[str, pd.DataFrame]) -> tuple:
    """Every table's version, by name: the key of a cache that reads them all."""
    return tuple((name, table_version(frame)) for name, frame in sorted(tables.items()))
