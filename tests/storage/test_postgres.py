"""What only the PostgreSQL store has: its configuration, reads of new rows by sequence, the schema it
keeps up to date itself, and the server's own faults (stopped mid-write, a connection cut after its
commit, a statement that outlasts its timeout), after which nothing is lost or doubled."""

from __future__ import annotations

import threading
import time

import pandas as pd
import psycopg
import pytest

from benchmarks import bench
from hcsp_engage import schema, security, storage
from hcsp_engage.config import ConfigError, load_settings
from hcsp_engage.storage import Outbox, SqliteStore, Submitted, postgres
from hcsp_engage.storage.postgres import PostgresStore, PostgresWindows, Timeouts
from tests import postgres_support
from tests.storage.conftest import PG_FAST, report, status, survey
from tests.storage.test_dtypes import rows_of, sample_tables

TABLE = schema.SURVEY_RESPONSES


def stored_ids(cluster: postgres_support.PostgresCluster, url: str, table: str = TABLE) -> list[str]:
    """Every id in the table as the server holds it, repeats included (a read would drop them)."""
    id_column = schema.ID_COLUMN[table]
    rows = cluster.execute(f'SELECT "{id_column}" FROM "{table}"', url=url)
    return [value for (value,) in rows]


def wait_for(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out waiting"
        time.sleep(0.01)


# --- configuration ------------------------------------------------------------------------------------


def test_postgres_is_chosen_by_the_environment_or_by_secrets(postgres_url):
    from_env = load_settings({}, env={"HCSP_STORAGE": "postgres", "HCSP_DATABASE_URL": postgres_url})
    from_secrets = load_settings({"hcsp": {"storage": "postgres"}, "postgres": {"url": postgres_url}}, env={})
    overridden = load_settings(
        {"hcsp": {"storage": "postgres"}, "postgres": {"url": "postgresql://elsewhere/db"}},
        env={"HCSP_DATABASE_URL": postgres_url},
    )

    assert from_env.database_url == from_secrets.database_url == overridden.database_url == postgres_url
    store = storage.open_store(from_env)
    assert isinstance(store, PostgresStore)
    assert store.append(TABLE, survey(1)) is True


def test_postgres_without_a_url_is_a_configuration_error_that_names_the_setting():
    with pytest.raises(ConfigError, match="HCSP_DATABASE_URL"):
        load_settings({}, env={"HCSP_STORAGE": "postgres"})


# --- reads --------------------------------------------------------------------------------------------


def test_postgres_reads_the_same_values_into_the_same_dtypes_as_sqlite(postgres_url, tmp_path):
    tables = sample_tables()
    sqlite_store, postgres_store = SqliteStore(tmp_path / "store.sqlite3"), PostgresStore(postgres_url)
    for table, frame in tables.items():
        sqlite_store.append_many(table, rows_of(frame))
        postgres_store.append_many(table, rows_of(frame))

    from_sqlite, from_postgres = sqlite_store.read_all(), PostgresStore(postgres_url).read_all()

    for table in schema.TABLES:
        pd.testing.assert_frame_equal(from_postgres[table], from_sqlite[table])


def test_free_text_with_line_breaks_quotes_and_commas_comes_back_exactly(postgres_url):
    comment = 'Line one,\n"quoted", line two\r\nand a tab\there \\N and NULL'
    row = survey(1, comments=comment)  # as the app stores it (line breaks normalised)
    store = PostgresStore(postgres_url)
    store.append(TABLE, row)
    store.append(TABLE, survey(2, comments=""))

    assert PostgresStore(postgres_url).read(TABLE)["comments"].tolist() == [row["comments"], ""]
    assert "\n" in row["comments"] and '"' in row["comments"]


@pytest.fixture
def fetched(monkeypatch) -> list[int]:
    """The seq each read of a table started after (None: the whole table)."""
    starts: list[int] = []
    real = PostgresStore._rows

    def spy(self, connection, table, after):
        starts.append(after)
        return real(self, connection, table, after)

    monkeypatch.setattr(PostgresStore, "_rows", spy)
    return starts


@pytest.fixture
def rows() -> list[dict[str, str]]:
    return rows_of(sample_tables(80)[TABLE])


def test_a_later_read_fetches_only_new_rows_and_gives_what_a_whole_read_gives(postgres_url, rows, fetched):
    store = PostgresStore(postgres_url)
    store.append_many(TABLE, rows[:50])
    assert len(store.read(TABLE)) == 50
    store.append_many(TABLE, [{**rows[50], "area": "A place no earlier answer named"}, *rows[51:]])

    later = store.read(TABLE)

    assert fetched[0] is None and fetched[-1] > 0
    assert later["area"].iloc[50] == "A place no earlier answer named"
    pd.testing.assert_frame_equal(later, PostgresStore(postgres_url).read(TABLE))


def test_a_row_deleted_by_hand_is_noticed(postgres_cluster, postgres_url, rows):
    store = PostgresStore(postgres_url)
    store.append_many(TABLE, rows[:60])
    store.read(TABLE)
    postgres_cluster.execute(
        f'DELETE FROM "{TABLE}" WHERE response_id = %s', (rows[10]["response_id"],), url=postgres_url
    )
    store.append_many(TABLE, rows[60:61])  # as many rows as were deleted: the count alone looks right

    later = store.read(TABLE)

    assert rows[10]["response_id"] not in set(later["response_id"])
    pd.testing.assert_frame_equal(later, PostgresStore(postgres_url).read(TABLE))


def test_a_row_that_commits_behind_one_already_read_is_not_missed(postgres_cluster, postgres_url, rows):
    # A row written outside the app (without its write lock) can commit with a seq lower than a row a
    # reader has already seen; the row count shows it, and the table is read whole.
    store = PostgresStore(postgres_url)
    store.append_many(TABLE, rows[:5])
    store.read(TABLE)
    columns = ", ".join(f'"{column}"' for column in schema.COLUMNS[TABLE])
    marks = ", ".join(["%s"] * len(schema.COLUMNS[TABLE]))
    postgres_cluster.execute(
        f'INSERT INTO "{TABLE}" (seq, {columns}) OVERRIDING SYSTEM VALUE VALUES (-1, {marks})',
        tuple(rows[5][column] for column in schema.COLUMNS[TABLE]),
        url=postgres_url,
    )

    later = store.read(TABLE)

    assert later["response_id"].tolist() == [rows[n]["response_id"] for n in (5, 0, 1, 2, 3, 4)]


def test_after_many_reads_of_new_rows_the_whole_table_is_read_again(postgres_url, rows, fetched, monkeypatch):
    monkeypatch.setattr(postgres, "MAX_READS_OF_NEW_ROWS", 2)
    store = PostgresStore(postgres_url)
    store.append_many(TABLE, rows[:20])
    store.read(TABLE)
    for start in (20, 40, 60):
        store.append_many(TABLE, rows[start : start + 20])
        frame = store.read(TABLE)

    assert fetched.count(None) == 2  # the first read, and the one after two reads of new rows
    pd.testing.assert_frame_equal(frame, PostgresStore(postgres_url).read(TABLE))


def test_a_large_table_is_read_a_piece_at_a_time_in_one_snapshot(
    postgres_cluster, postgres_url, rows, monkeypatch
):
    # Each piece is its own statement, so none outlasts the statement timeout at ten million rows; the
    # pieces together are the table, in order, as a read in one statement gives it.
    store = PostgresStore(postgres_url)
    store.append_many(TABLE, rows[:70])
    whole = PostgresStore(postgres_url).read(TABLE)
    monkeypatch.setattr(postgres, "READ_PIECE_ROWS", 8)
    pieces: list[int | None] = []
    real = PostgresStore._piece

    def spy(self, connection, table, after, chunks):
        pieces.append(after)
        return real(self, connection, table, after, chunks)

    monkeypatch.setattr(PostgresStore, "_piece", spy)

    in_pieces = PostgresStore(postgres_url)
    pd.testing.assert_frame_equal(in_pieces.read(TABLE), whole)
    assert len(pieces) == 9 and pieces[0] is None  # 8 pieces of 8 rows, then the last 6

    store.append_many(TABLE, rows[70:])  # 10 new rows: two pieces after the last row read
    everything = PostgresStore(postgres_url).read(TABLE)
    pieces.clear()
    pd.testing.assert_frame_equal(in_pieces.read(TABLE), everything)
    assert len(pieces) == 2 and pieces[0] is not None
    assert in_pieces.read(TABLE)["response_id"].tolist() == [row["response_id"] for row in rows]


# --- schema -------------------------------------------------------------------------------------------


def test_the_schema_is_made_on_first_use_and_recorded(postgres_cluster, postgres_url):
    store = PostgresStore(postgres_url)
    assert postgres_cluster.execute("SELECT to_regclass('survey_responses')", url=postgres_url) == [(None,)]

    store.read_all()
    PostgresStore(postgres_url).read_all()  # a second server finds it made

    versions = postgres_cluster.execute(
        "SELECT version, changes FROM schema_version ORDER BY id", url=postgres_url
    )
    assert versions == [
        (schema.SCHEMA_VERSION, "; ".join(f"created {table}" for table in [*schema.TABLES, "limit_events"])),
    ]
    for table, columns in schema.COLUMNS.items():
        found = postgres_cluster.execute(
            "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema() "
            "AND table_name = %s ORDER BY ordinal_position",
            (table,),
            url=postgres_url,
        )
        assert [name for (name,) in found] == ["seq", *columns]


def test_a_column_added_by_a_later_version_is_added_by_the_app_itself(
    postgres_cluster, postgres_url, monkeypatch
):
    # A column a later version might add at the end of tables (docs/design.md section 5), here a made-up
    # `priority`; tests/storage/test_language_column.py migrates version 1 to 2 (`language`) itself.
    old = PostgresStore(postgres_url)
    old.append(schema.SURVEY_RESPONSES, survey(1))
    old.append(schema.ASB_REPORTS, report(1))
    old.append(schema.REPORT_STATUS, status(report(1)["report_id"], "Reviewed", 5))
    for table in (schema.SURVEY_RESPONSES, schema.ASB_REPORTS, schema.REPORT_STATUS):
        monkeypatch.setitem(schema.COLUMNS, table, (*schema.COLUMNS[table], "priority"))
    monkeypatch.setattr(schema, "SCHEMA_VERSION", "3")

    new = PostgresStore(postgres_url)
    new.append(schema.SURVEY_RESPONSES, {**survey(2), "priority": "high"})
    change = {**status(report(1)["report_id"], "Closed (no further action)", 9), "priority": "low"}
    assert new.append(schema.REPORT_STATUS, change) is True
    assert new.append(schema.REPORT_STATUS, change) is False  # the event key covers the new column too
    tables = new.read_all()

    assert tables[schema.SURVEY_RESPONSES]["priority"].tolist() == ["", "high"]
    assert tables[schema.ASB_REPORTS]["priority"].tolist() == [""]
    assert tables[schema.REPORT_STATUS]["priority"].tolist() == ["", "low"]
    versions = postgres_cluster.execute(
        "SELECT version, changes FROM schema_version ORDER BY id", url=postgres_url
    )
    assert versions[-1] == (
        "3",
        "added survey_responses.priority; added asb_reports.priority; added report_status.priority; "
        "indexed report_status on its key",
    )


def test_a_database_made_by_version_1_is_migrated_to_version_2_with_its_language_column(
    postgres_cluster, postgres_url, monkeypatch
):
    with monkeypatch.context() as version_1:
        for table in (schema.SURVEY_RESPONSES, schema.ASB_REPORTS):
            version_1.setitem(schema.COLUMNS, table, schema.COLUMNS[table][:-1])
        version_1.setitem(schema.READ_DEFAULTS, schema.SURVEY_RESPONSES, {})
        version_1.setitem(schema.READ_DEFAULTS, schema.ASB_REPORTS, {})
        version_1.setattr(schema, "SCHEMA_VERSION", "1")
        old = PostgresStore(postgres_url)
        old.append(schema.SURVEY_RESPONSES, {k: v for k, v in survey(1).items() if k != "language"})
        old.close()

    new = PostgresStore(postgres_url)
    new.append(schema.SURVEY_RESPONSES, {**survey(2), "language": "ro"})

    assert new.read(TABLE)["language"].tolist() == ["en", "ro"]
    versions = postgres_cluster.execute(
        "SELECT version, changes FROM schema_version ORDER BY id", url=postgres_url
    )
    assert [version for version, _ in versions] == ["1", "2"]
    assert versions[-1][1] == "added survey_responses.language; added asb_reports.language"


def test_a_user_allowed_only_to_read_and_append_can_run_the_app(postgres_cluster, postgres_url):
    PostgresStore(postgres_url).read_all()  # the schema made by its owner
    tables = ", ".join(f'"{table}"' for table in schema.TABLES)
    postgres_cluster.execute("CREATE ROLE app_server LOGIN")
    # Its own schema's USAGE, the tables' SELECT and INSERT: no CREATE, UPDATE or DELETE.
    postgres_cluster.execute(
        f'GRANT USAGE ON SCHEMA "{postgres_support.schema_name(postgres_url)}" TO app_server'
    )
    postgres_cluster.execute(
        f"GRANT SELECT, INSERT ON {tables}, schema_version TO app_server", url=postgres_url
    )
    url = postgres_support.with_params(postgres_url, user="app_server")
    store = PostgresStore(url)
    try:
        assert store.append(TABLE, survey(1)) is True
        assert store.append(TABLE, survey(1)) is False
        with pytest.raises(psycopg.errors.InsufficientPrivilege):  # and it cannot rewrite history
            execute_as(url, f'DELETE FROM "{TABLE}"')
        assert store.read(TABLE)["response_id"].tolist() == [survey(1)["response_id"]]
    finally:
        store.close()
        postgres_cluster.execute("DROP OWNED BY app_server")
        postgres_cluster.execute("DROP ROLE app_server")


def execute_as(url: str, statement: str) -> None:
    with psycopg.connect(url, autocommit=True) as connection:
        connection.execute(statement)


# --- faults -------------------------------------------------------------------------------------------


def test_a_server_stopped_mid_write_loses_and_doubles_nothing(postgres_cluster, postgres_url, tmp_path):
    store = PostgresStore(postgres_url, timeouts=PG_FAST)
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    rows = [survey(n) for n in range(400)]
    outcomes: list[Submitted] = []

    def residents() -> None:
        for row in rows:
            outcomes.append(storage.submit(store, outbox, TABLE, row))

    writer = threading.Thread(target=residents)
    writer.start()
    try:
        wait_for(lambda: len(outcomes) >= 50 or not writer.is_alive())
        postgres_cluster.stop("immediate")  # as a crash: no checkpoint, connections cut mid-statement
        wait_for(lambda: Submitted.QUEUED in outcomes or not writer.is_alive())
    finally:
        postgres_cluster.start()
    writer.join()
    wait_for(lambda: outbox.flush(store) >= 0 and len(outbox) == 0)

    ids = stored_ids(postgres_cluster, postgres_url)
    assert Submitted.QUEUED in outcomes
    assert sorted(ids) == sorted(row["response_id"] for row in rows)  # each once
    assert len(PostgresStore(postgres_url).read(TABLE)) == len(rows)


def test_a_connection_cut_after_its_commit_stores_the_row_once(postgres_cluster, postgres_url, tmp_path):
    cutter = postgres_support.CommitCutter(postgres_cluster)
    try:
        store = PostgresStore(cutter.route(postgres_url), timeouts=PG_FAST)
        outbox = Outbox(tmp_path / "outbox.sqlite3")
        store.read_all()  # a kept connection, as on a server that has been up a while

        # The kept connection is cut after the commit: the store tries once more on a new one, which
        # finds the row there.
        cutter.arm()
        assert storage.submit(store, outbox, TABLE, survey(1)) is Submitted.STORED
        # Both tries cut: the row waits in the outbox, and is not written again when sent.
        cutter.arm(2)
        assert storage.submit(store, outbox, TABLE, survey(2)) is Submitted.QUEUED
        assert outbox.flush(store) == 1
    finally:
        cutter.close()

    assert cutter.cuts == 3
    assert len(outbox) == 0
    assert sorted(stored_ids(postgres_cluster, postgres_url)) == sorted(
        survey(n)["response_id"] for n in (1, 2)
    )


def test_a_statement_past_its_timeout_is_abandoned_and_the_row_sent_once_later(
    postgres_cluster, postgres_url, tmp_path
):
    store = PostgresStore(postgres_url, timeouts=Timeouts(statement_ms=300, rest_seconds=0))
    outbox = Outbox(tmp_path / "outbox.sqlite3")
    store.read_all()
    # A server so slow that every insert takes two seconds.
    postgres_cluster.execute(
        "CREATE FUNCTION slow() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN PERFORM pg_sleep(2); "
        "RETURN NEW; END $$",
        url=postgres_url,
    )
    postgres_cluster.execute(
        f'CREATE TRIGGER slow BEFORE INSERT ON "{TABLE}" FOR EACH ROW EXECUTE FUNCTION slow()',
        url=postgres_url,
    )

    started = time.monotonic()
    assert storage.submit(store, outbox, TABLE, survey(1)) is Submitted.QUEUED
    assert time.monotonic() - started < 1.5  # abandoned at the timeout, not waited out

    postgres_cluster.execute(f'DROP TRIGGER slow ON "{TABLE}"', url=postgres_url)
    assert outbox.flush(store) == 1
    assert stored_ids(postgres_cluster, postgres_url) == [survey(1)["response_id"]]


def test_an_unreachable_server_is_store_unavailable_then_fails_at_once_for_a_while(tmp_path):
    store = PostgresStore(
        f"postgresql://hcsp@/hcsp?host={tmp_path / 'no-server-here'}", timeouts=Timeouts(rest_seconds=60)
    )
    outbox = Outbox(tmp_path / "outbox.sqlite3")

    assert storage.submit(store, outbox, TABLE, survey(1)) is Submitted.QUEUED
    with pytest.raises(storage.StoreUnavailable, match="tries again in"):
        store.append(TABLE, survey(2))
    assert [item.row for item in outbox.pending()] == [survey(1)]


def test_concurrent_appends_commit_in_sequence_order(postgres_url, fetched, monkeypatch):
    # Later reads take the rows after the last seq seen, which is only safe when seq order is commit
    # order (the write lock). Were it not, a reader would meet a row committed behind one it had seen,
    # and have to read the whole table again.
    monkeypatch.setattr(postgres, "MAX_READS_OF_NEW_ROWS", 10**9)
    stores = [PostgresStore(postgres_url) for _ in range(4)]
    errors: list[BaseException] = []

    def write(worker: int) -> None:
        try:
            for n in range(worker, 200, 4):
                stores[worker].append(TABLE, survey(n))
        except BaseException as error:  # noqa: BLE001 - handed to the test thread
            errors.append(error)

    reader = PostgresStore(postgres_url)
    reader.append(TABLE, survey(200))
    reader.read(TABLE)  # reads of an empty table are always whole
    threads = [threading.Thread(target=write, args=(worker,)) for worker in range(4)]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        reader.read(TABLE)
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(reader.read(TABLE)["response_id"]) == sorted(survey(n)["response_id"] for n in range(201))
    assert fetched.count(None) == 1  # only the first read was whole


def test_the_store_connects_through_psycopg_with_its_timeouts(postgres_url):
    store = PostgresStore(postgres_url, timeouts=Timeouts(statement_ms=1234, lock_ms=567))
    connection = store._connect()
    try:
        settings = dict(
            connection.execute(
                "SELECT name, setting FROM pg_settings WHERE name IN ('statement_timeout', 'lock_timeout')"
            ).fetchall()
        )
    finally:
        connection.close()

    assert settings == {"statement_timeout": "1234", "lock_timeout": "567"}
    assert isinstance(connection, psycopg.Connection)


def test_the_benchmark_measures_postgres_and_leaves_nothing_behind(postgres_cluster, postgres_url, tmp_path):
    load = bench.bench_postgres_load(bench.dataset(200), 1, postgres_url)
    residents = bench.load_postgres(tmp_path, 1.0, postgres_url)

    assert load["seconds"] > 0 and load["new_rows_only"]["seconds"] > 0
    assert residents["submitted"] > 0
    assert (residents["lost"], residents["doubled"], residents["left_in_outbox"]) == (0, 0, 0)
    assert postgres_cluster.execute("SELECT nspname FROM pg_namespace WHERE nspname LIKE 'hcsp_bench%'") == []


# --- abuse limits shared by every server --------------------------------------------------------------


def shared_limiters(url: str, limit: int, servers: int = 2) -> list[security.SlidingWindowLimiter]:
    """The form limiter of ``servers`` app servers on one database (each with its own store)."""
    return [
        security.SlidingWindowLimiter(limit, 600, windows=PostgresWindows(PostgresStore(url), "forms"))
        for _ in range(servers)
    ]


def test_two_servers_enforce_one_form_limit_per_client(postgres_url):
    first, second = shared_limiters(postgres_url, limit=2)
    client = "client:203.0.113.9"

    assert first.try_acquire(["session:a", client]) is True
    assert second.try_acquire(["session:b", client]) is True  # a new session on the other server

    assert first.try_acquire(["session:c", client]) is False
    assert second.try_acquire(["session:d", client]) is False
    assert 590 < second.seconds_until_free([client]) <= 600
    assert second.try_acquire(["session:e", "client:198.51.100.7"]) is True  # someone else
    assert len(first) == 5  # three sessions and two clients counted; refused sessions are not


def test_servers_racing_for_the_last_places_take_exactly_the_limit(postgres_url):
    limiters = shared_limiters(postgres_url, limit=3, servers=4)
    results: list[bool] = []
    lock = threading.Lock()

    def resident(number: int) -> None:
        allowed = limiters[number % 4].try_acquire([f"session:{number}", "client:203.0.113.9"])
        with lock:
            results.append(allowed)

    threads = [threading.Thread(target=resident, args=(number,)) for number in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == [False] * 9 + [True] * 3


def test_wrong_passcodes_on_one_server_slow_sign_in_on_the_other(postgres_url):
    first, second = (
        security.SignInThrottle(windows=PostgresWindows(PostgresStore(postgres_url), "sign_in"))
        for _ in range(2)
    )
    client = "client:81.2.69.142"
    for _ in range(security.FREE_SIGN_IN_ATTEMPTS + 1):
        first.failed("officer", client)

    # The client's wait, from failures on the first server: 60 s after the sixth.
    assert 30 < second.wait("officer", client) <= 60
    second.succeeded(client)
    assert 0 < first.wait("officer", client) <= security.ROLE_SIGN_IN_DELAY.cap  # the role's stays


def test_limit_events_past_their_window_are_deleted(postgres_cluster, postgres_url):
    (limiter,) = shared_limiters(postgres_url, limit=5, servers=1)
    limiter.try_acquire(["session:a"])
    postgres_cluster.execute(
        "INSERT INTO limit_events (limiter, key, at, expires_at) VALUES ('forms', 'client:192.0.2.1', 1, 601)",
        url=postgres_url,
    )

    limiter.try_acquire(["session:b"])

    keys = postgres_cluster.execute("SELECT key FROM limit_events ORDER BY at", url=postgres_url)
    assert keys == [("session:a",), ("session:b",)]  # the address from long ago is gone


def test_without_the_database_the_limit_holds_on_each_server(tmp_path):
    windows = PostgresWindows(
        PostgresStore(f"postgresql://hcsp@/hcsp?host={tmp_path / 'no-server-here'}", timeouts=PG_FAST),
        "forms",
    )
    limiter = security.SlidingWindowLimiter(2, 600, windows=windows)

    assert [limiter.try_acquire(["session:a", "client:203.0.113.9"]) for _ in range(3)] == [True, True, False]


def test_the_limits_use_the_database_only_when_it_is_the_store(postgres_url, tmp_path):
    on_postgres = load_settings({}, env={"HCSP_STORAGE": "postgres", "HCSP_DATABASE_URL": postgres_url})
    on_sqlite = load_settings({}, env={"HCSP_SQLITE_PATH": str(tmp_path / "store.sqlite3")})

    assert isinstance(storage.limit_windows(on_postgres, "forms"), PostgresWindows)
    assert storage.limit_windows(on_sqlite, "forms") is None
