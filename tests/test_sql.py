"""`kabar sql` on a real warehouse: every format, SQL from stdin or a file, several statements, --max-rows,
and the sandbox: each way out of a read of the warehouse is refused in one line, exit 2."""

import csv
import io
import json
import os
import signal
import sqlite3
import subprocess
import sys
from contextlib import closing
from datetime import date, datetime
from pathlib import Path

import duckdb
import pytest

from kabar.cli import main
from kabar.warehouse.db import connect
from kabar.warehouse.sandbox import Refused, lock_down, statements

KOTA = [
    ("Makassar", 1423877, ["pelabuhan", "kuliner"], "2023-09-13 12:36:00+07", "2023-09-13"),
    ("Bandung", 2444160, [], None, "2023-01-02"),
    ('Kota "Pipa" | baris,\nkedua', None, None, None, None),
]


def make_warehouse(path: Path) -> Path:
    """A warehouse made by `connect`, with a table of our own (the warehouse's own tables change
    under the DuckLake move; this one does not) and a view in the analytics schema."""
    path.parent.mkdir(parents=True, exist_ok=True)
    con = connect(path)
    try:
        con.execute(
            "CREATE TABLE kota (nama VARCHAR, penduduk INTEGER, julukan VARCHAR[], diperbarui TIMESTAMPTZ,"
            " tanggal DATE)"
        )
        con.executemany("INSERT INTO kota VALUES (?, ?, ?, ?, ?)", KOTA)
        con.execute("COMMENT ON TABLE kota IS 'kota di Indonesia'")
        con.execute("COMMENT ON COLUMN kota.penduduk IS 'jumlah penduduk'")
        con.execute("CREATE SCHEMA IF NOT EXISTS analytics")
        con.execute(
            "CREATE VIEW analytics.kota_besar AS SELECT nama, penduduk FROM kota WHERE penduduk > 2000000"
        )
    finally:
        con.close()
    return path


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory) -> Path:
    """One warehouse for the module: `kabar sql` only reads it (and test_refused checks it stays so)."""
    return make_warehouse(tmp_path_factory.mktemp("sql") / "gudang" / "warehouse.duckdb")


def sql(capsys, warehouse: Path, *argv: str) -> tuple[int, str, str]:
    code = main(["sql", "--db", str(warehouse), *argv])
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    return code, captured.out, captured.err


def refused(capsys, warehouse: Path, *argv: str) -> str:
    code, out, err = sql(capsys, warehouse, *argv)
    assert code == 2, (out, err)
    lines = err.splitlines()
    assert len(lines) == 1 and lines[0].startswith("kabar: "), err
    assert out == ""  # refused before anything runs
    return lines[0]


ORDERED = "SELECT * FROM kota ORDER BY penduduk NULLS LAST"


def test_table_is_a_box_with_every_column_and_whole_values(capsys, warehouse):
    columns = ", ".join(f"{n} AS kolom_{n}" for n in range(1, 13))
    query = f"SELECT *, repeat('panjang ', 40) AS panjang, {columns} FROM kota ORDER BY penduduk NULLS LAST"
    code, out, err = sql(capsys, warehouse, query)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0].startswith("┌") and lines[-1].startswith("└") and lines[3].startswith("├")
    assert "nama" in lines[1] and "kolom_12" in lines[1] and "varchar" in lines[2] and "integer" in lines[2]
    assert "panjang " * 39 in out  # no value cut
    assert len({len(line) for line in lines}) == 1  # every line as wide (no wide characters here)
    makassar = next(line for line in lines if "Makassar" in line)
    assert "1423877 │" in makassar and '["pelabuhan", "kuliner"]' in makassar
    assert "2023-09-13 05:36:00+00:00" in makassar  # UTC
    assert out.index("Makassar") < out.index("Bandung")
    assert any("│ kedua" in line for line in lines)  # a value of two lines takes two


def test_csv(capsys, warehouse):
    code, out, err = sql(capsys, warehouse, "--format", "csv", ORDERED)
    assert (code, err) == (0, "")
    assert out.startswith("nama,penduduk,julukan,diperbarui,tanggal\r\n")  # RFC 4180: CRLF, header
    rows = list(csv.reader(io.StringIO(out, newline="")))
    assert rows[0] == ["nama", "penduduk", "julukan", "diperbarui", "tanggal"]
    assert rows[1] == [
        "Makassar",
        "1423877",
        '["pelabuhan", "kuliner"]',
        "2023-09-13T05:36:00+00:00",
        "2023-09-13",
    ]
    assert rows[2] == ["Bandung", "2444160", "[]", "", "2023-01-02"]
    assert rows[3] == ['Kota "Pipa" | baris,\nkedua', "", "", "", ""]
    assert len(rows) == 4


def test_json(capsys, warehouse):
    code, out, err = sql(capsys, warehouse, "--format", "json", ORDERED)
    assert (code, err) == (0, "")
    records = json.loads(out)
    assert records[0] == {
        "nama": "Makassar",
        "penduduk": 1423877,
        "julukan": ["pelabuhan", "kuliner"],
        "diperbarui": "2023-09-13T05:36:00+00:00",
        "tanggal": "2023-09-13",
    }
    assert datetime.fromisoformat(records[0]["diperbarui"]).utcoffset().total_seconds() == 0
    assert date.fromisoformat(records[1]["tanggal"]) == date(2023, 1, 2)
    assert records[1]["julukan"] == [] and records[2]["penduduk"] is None and len(records) == 3


def test_json_values_of_every_kind(capsys, warehouse):
    query = (
        "SELECT 1 AS a, 2 AS a, 2.50::DECIMAL(5, 2) AS d, 'inf'::DOUBLE AS tak_hingga,"
        " {'x': 1, 'y': [2]} AS s, INTERVAL 1 DAY + INTERVAL 90 MINUTE AS durasi, '\\x00A'::BLOB AS b,"
        " TIME '12:30:00' AS jam, true AS ya, '{\"k\": [1, null]}'::JSON AS j"
    )
    code, out, _ = sql(capsys, warehouse, "--format", "json", query)
    assert code == 0
    assert json.loads(out) == [
        {
            "a": 1,
            "a_1": 2,
            "d": 2.5,
            "tak_hingga": None,
            "s": {"x": 1, "y": [2]},
            "durasi": "P1DT1H30M",
            "b": "\\x00A",
            "jam": "12:30:00",
            "ya": True,
            "j": {"k": [1, None]},
        }
    ]


def test_markdown(capsys, warehouse):
    code, out, err = sql(capsys, warehouse, "--format", "markdown", ORDERED)
    assert (code, err) == (0, "")
    lines = out.splitlines()
    assert lines[0] == "| nama | penduduk | julukan | diperbarui | tanggal |"
    assert lines[1] == "| --- | ---: | --- | --- | --- |"
    assert (
        lines[2]
        == '| Makassar | 1423877 | ["pelabuhan", "kuliner"] | 2023-09-13 05:36:00+00:00 | 2023-09-13 |'
    )
    assert lines[4] == '| Kota "Pipa" \\| baris,<br>kedua | NULL | NULL | NULL | NULL |'
    assert len(lines) == 5


# A scraped title that would colour the terminal red (ESC, then the 8-bit CSI) and reverse the line
HOSTILE = "SELECT chr(27) || '[31mmerah' || chr(155) || '2J' || chr(8238) || 'balik' AS judul"


@pytest.mark.parametrize("fmt", ["table", "markdown"])
def test_text_a_terminal_would_act_on_is_shown_escaped_to_people(capsys, warehouse, fmt):
    code, out, err = sql(capsys, warehouse, "--format", fmt, HOSTILE)
    assert (code, err) == (0, "")
    assert "\\x1b[31mmerah\\x9b2J\\u202ebalik" in out
    assert not any(char in out for char in "\x1b\x9b\u202e")


def test_csv_and_json_keep_the_text_as_stored(capsys, warehouse):
    stored = "\x1b[31mmerah\x9b2J\u202ebalik"
    assert sql(capsys, warehouse, "--format", "csv", HOSTILE)[1] == f"judul\r\n{stored}\r\n"
    assert json.loads(sql(capsys, warehouse, "--format", "json", HOSTILE)[1]) == [{"judul": stored}]


@pytest.mark.parametrize("fmt", ["table", "csv", "json", "markdown"])
def test_several_statements_each_print(capsys, warehouse, fmt):
    query = (
        "SELECT 'pertama' AS urutan; -- a ; in a comment\n"
        "SELECT 'kedua;' AS urutan; FROM analytics.kota_besar"
    )
    code, out, err = sql(capsys, warehouse, "--format", fmt, query)
    assert (code, err) == (0, "")
    assert out.index("pertama") < out.index("kedua;") < out.index("Bandung")
    if fmt == "json":
        assert [json.loads(line) for line in out.splitlines()] == [
            [{"urutan": "pertama"}],
            [{"urutan": "kedua;"}],
            [{"nama": "Bandung", "penduduk": 2444160}],
        ]


def test_sql_from_standard_input(capsys, warehouse, monkeypatch):
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT nama FROM kota WHERE penduduk < 2000000;\n"))
    code, out, _ = sql(capsys, warehouse, "--format", "csv", "-")
    assert (code, out) == (0, "nama\r\nMakassar\r\n")


def test_sql_from_a_file(capsys, warehouse, tmp_path):
    file = tmp_path / "kueri.sql"
    file.write_text(
        "SELECT count(*) AS n FROM kota;\nSELECT max(penduduk) AS m FROM kota;\n", encoding="utf-8"
    )
    code, out, _ = sql(capsys, warehouse, "--format", "json", "--file", str(file))
    assert code == 0
    assert out.splitlines() == ['[{"n": 3}]', '[{"m": 2444160}]']


@pytest.mark.parametrize(
    "argv",
    [
        pytest.param([], id="no-sql"),
        pytest.param(["SELECT 1", "--file", "kueri.sql"], id="query-and-file"),
        pytest.param(["--file", "tidak-ada.sql"], id="missing-file"),
        pytest.param([";"], id="no-statement"),
        pytest.param(["--format", "xml", "SELECT 1"], id="unknown-format"),
        pytest.param(["--max-rows", "0", "SELECT 1"], id="max-rows-0"),
        pytest.param(["--timeout", "0", "SELECT 1"], id="timeout-0"),
        pytest.param(["--timeout", "nan", "SELECT 1"], id="timeout-nan"),
        pytest.param(["--timeout", "-5", "SELECT 1"], id="timeout-negative"),
    ],
)
def test_bad_input(capsys, warehouse, argv):
    refused(capsys, warehouse, *argv)


def test_endless_sql_input_is_refused_after_its_limit(capsys, warehouse, monkeypatch):
    from kabar import cli

    monkeypatch.setattr(cli, "SQL_MAX_CHARS", 1000)
    line = refused(capsys, warehouse, "--file", "/dev/zero")
    assert line == "kabar: /dev/zero holds more than 1,000 characters of SQL"


def test_sql_that_is_not_utf8(capsys, warehouse, tmp_path, monkeypatch):
    file = tmp_path / "rusak.sql"
    file.write_bytes(b"SELECT '\xff'")
    assert "not UTF-8" in refused(capsys, warehouse, "--file", str(file))
    monkeypatch.setattr(sys, "stdin", io.StringIO("SELECT '\udcff'"))  # how Python reads a stray byte
    assert "not UTF-8" in refused(capsys, warehouse, "-")
    assert "folder" in refused(capsys, warehouse, "--file", str(tmp_path))


def test_max_rows_cuts_each_result_and_says_so(capsys, warehouse):
    query = "SELECT * FROM range(10); SELECT * FROM range(2)"
    code, out, err = sql(capsys, warehouse, "--format", "csv", "--max-rows", "3", query)
    assert code == 0
    assert out == "range\r\n0\r\n1\r\n2\r\n\r\nrange\r\n0\r\n1\r\n"
    assert err.splitlines() == [
        "kabar: statement 1: printed the first 3 rows; the result has more (see --max-rows)"
    ]


def test_csv_json_and_markdown_print_every_row_by_default(capsys, warehouse):
    for fmt in ("csv", "json", "markdown"):
        code, out, err = sql(capsys, warehouse, "--format", fmt, "SELECT * FROM range(2500)")
        assert (code, err) == (0, "")
        assert "2499" in out


def test_table_prints_1000_rows_by_default(capsys, warehouse):
    code, out, err = sql(capsys, warehouse, "SELECT * FROM range(1000)")
    assert (code, err) == (0, "")
    code, out, err = sql(capsys, warehouse, "SELECT * FROM range(1001)")
    assert code == 0 and "│    999 │" in out and "1000" not in out
    assert "the first 1000 rows" in err and len(err.splitlines()) == 1


def test_explain_and_describe_are_queries(capsys, warehouse):
    for query in (
        "EXPLAIN SELECT * FROM kota",
        "EXPLAIN ANALYZE SELECT * FROM kota",
        "/* kota — Sémarang */ EXPLAIN ANALYZE (SELECT 'é' AS e)",
        "DESCRIBE kota",
        "SHOW TABLES",
        "SUMMARIZE kota",
        "PIVOT kota ON nama IN ('Bandung') USING sum(penduduk)",
    ):
        code, out, err = sql(capsys, warehouse, "--format", "csv", query)
        assert (code, err) == (0, ""), query
        assert out


# The sandbox. Paths outside the warehouse are made under tmp_path, so that "nothing was written" can be
# checked; the warehouse itself lives in tmp_path/gudang.


def outside(tmp_path: Path) -> Path:
    folder = tmp_path / "luar"
    folder.mkdir(exist_ok=True)
    (folder / "data.csv").write_text("a,b\n1,2\n", encoding="utf-8")
    with closing(sqlite3.connect(folder / "other.sqlite")) as other:
        other.execute("CREATE TABLE IF NOT EXISTS t (rahasia TEXT)")
    duckdb.connect(str(folder / "other.duckdb")).close()
    return folder


REFUSALS = [
    pytest.param("SELECT * FROM read_csv('/etc/passwd')", id="read-etc-passwd"),
    pytest.param("SELECT * FROM read_csv('{outside}/data.csv')", id="read-csv-outside"),
    pytest.param("SELECT * FROM read_text('{outside}/data.csv')", id="read-text-outside"),
    pytest.param("SELECT * FROM glob('/etc/*')", id="glob"),
    pytest.param("SELECT * FROM read_csv('{warehouse_dir}/{back_out}/data.csv')", id="dot-dot"),
    pytest.param("SELECT * FROM read_parquet('https://example.com/x.parquet')", id="url"),
    pytest.param("COPY (SELECT 1) TO '{outside}/x.csv'", id="copy-to-outside"),
    pytest.param("COPY (SELECT 1) TO '{warehouse_dir}/x.csv'", id="copy-into-the-warehouse"),
    pytest.param("COPY kota FROM '{outside}/data.csv'", id="copy-from"),
    pytest.param("EXPLAIN ANALYZE COPY (SELECT 1) TO '{warehouse_dir}/x.csv'", id="explain-analyze-copy"),
    pytest.param("EXPORT DATABASE '{outside}/x'", id="export"),
    pytest.param("ATTACH '{outside}/other.duckdb'", id="attach"),
    pytest.param("ATTACH ':memory:' AS m", id="attach-memory"),
    pytest.param("DETACH kota", id="detach"),
    pytest.param("INSTALL httpfs", id="install"),
    pytest.param("LOAD httpfs", id="load"),
    pytest.param("CREATE TABLE x AS SELECT 1", id="create"),
    pytest.param("CREATE TEMP TABLE x AS SELECT 1", id="create-temp"),
    pytest.param("INSERT INTO kota (nama) VALUES ('Palu')", id="insert"),
    pytest.param("UPDATE kota SET penduduk = 0", id="update"),
    pytest.param("DELETE FROM kota", id="delete"),
    pytest.param("DROP TABLE kota", id="drop"),
    pytest.param("SET enable_external_access = true", id="set-external-access"),
    pytest.param("RESET lock_configuration", id="reset"),
    pytest.param("SET VARIABLE x = 1", id="set-variable"),
    pytest.param("USE memory", id="use"),
    pytest.param("PRAGMA table_info('kota')", id="pragma-table-info"),
    pytest.param("PRAGMA enable_profiling", id="pragma-profiling"),
    pytest.param("/* c */ pragma threads = 1", id="pragma-after-comment"),
    pytest.param("CALL pragma_version()", id="call"),
    pytest.param("BEGIN TRANSACTION", id="transaction"),
    pytest.param("CHECKPOINT", id="checkpoint"),
    pytest.param("ANALYZE", id="analyze"),
    pytest.param("UPDATE EXTENSIONS", id="update-extensions"),
    pytest.param("SELECT 1; COPY (SELECT 1) TO '{outside}/x.csv'", id="second-statement"),
    # DuckDB's tokenizer counts bytes: text before a statement that is not ASCII must not hide it
    pytest.param("SELECT 'Kédiri, Bekasi — Jawa'; PRAGMA version", id="pragma-after-non-ascii"),
    pytest.param(
        "/* Sémarang — ééééééé */ EXPLAIN ANALYZE COPY (SELECT 1) TO '{warehouse_dir}/x.csv'",
        id="explain-after-non-ascii",
    ),
    pytest.param(
        "EXPLAIN (FORMAT json) COPY (SELECT 1) TO '{warehouse_dir}/x.csv'", id="explain-options-copy"
    ),
    # functions a SELECT can call that write files, the catalog or a log, or run SQL unchecked
    pytest.param(
        "SELECT * FROM ducklake_cleanup_old_files('kabar', cleanup_all => true)", id="ducklake-cleanup"
    ),
    pytest.param("SELECT * FROM ducklake_merge_adjacent_files('kabar')", id="ducklake-merge"),
    pytest.param(
        "EXPLAIN ANALYZE SELECT * FROM kabar.ducklake_expire_snapshots('kabar')", id="explain-expire"
    ),
    pytest.param("SELECT * FROM \"DuckLake_Rewrite_Data_Files\" /* c */ ('kabar')", id="quoted-mixed-case"),
    # the lake's own macros, which call those functions with the lake's name
    pytest.param("SELECT * FROM kabar.merge_adjacent_files()", id="lake-macro-merge"),
    pytest.param('SUMMARIZE FROM "kabar"."merge_adjacent_files"()', id="lake-macro-quoted-summarize"),
    pytest.param("FROM kabar.main.set_option('parquet_compression', 'zstd')", id="lake-macro-set-option"),
    pytest.param("SELECT * FROM kabar.set_commit_message('a', 'b')", id="lake-macro-commit-message"),
    pytest.param(
        "SELECT * FROM read_csv('{warehouse_dir}/x.csv', store_rejects = true, rejects_table = 'rj')",
        id="csv-store-rejects",
    ),
    pytest.param("SELECT * FROM query('SELECT 1')", id="query-function"),
    pytest.param("SELECT * FROM json_execute_serialized_sql(json_serialize_sql('SELECT 1'))", id="json-exec"),
    pytest.param("SELECT * FROM enable_logging()", id="enable-logging"),
    pytest.param("SELECT * FROM sqlite_attach('{warehouse_dir}/x.sqlite')", id="sqlite-attach"),
    # the SQLite extension opens files itself, past DuckDB's guard
    pytest.param("SELECT * FROM sqlite_scan('{outside}/other.sqlite', 't')", id="sqlite-scan-outside"),
]


@pytest.mark.parametrize("query", REFUSALS)
def test_refused(capsys, warehouse, tmp_path, query):
    folder = outside(tmp_path)
    before = sorted(p.name for p in folder.iterdir()), sorted(map(str, warehouse.parent.rglob("*")))
    back_out = os.path.relpath(folder, warehouse.parent)  # ../../luar: out of the warehouse's folder
    line = refused(
        capsys, warehouse, query.format(outside=folder, warehouse_dir=warehouse.parent, back_out=back_out)
    )
    assert line.startswith("kabar: refused: "), line
    assert (sorted(p.name for p in folder.iterdir()), sorted(map(str, warehouse.parent.rglob("*")))) == before


def test_no_file_of_the_warehouse_is_deleted_through_a_query(capsys, tmp_path):
    """DuckLake's cleanup deletes the files compaction left for deletion even on a read-only attach."""
    path = tmp_path / "gudang" / "warehouse.duckdb"
    with connect(path) as con:
        con.execute("CREATE TABLE angka (n INTEGER)")
        for n in range(3):
            con.execute("INSERT INTO angka VALUES (?)", [n])
        con.execute("CALL ducklake_merge_adjacent_files('kabar')")
        con.execute("SELECT * FROM ducklake_expire_snapshots('kabar', older_than => now())").fetchall()
    files = sorted(p for p in path.parent.rglob("*.parquet"))
    assert len(files) >= 4  # three inserts' files left for deletion, one merged
    line = refused(capsys, path, "SELECT * FROM ducklake_cleanup_old_files('kabar', cleanup_all => true)")
    assert "ducklake_cleanup_old_files() is not allowed" in line
    assert sorted(p for p in path.parent.rglob("*.parquet")) == files
    code, out, _ = sql(
        capsys, path, "--format", "csv", "SELECT count(*) AS n FROM ducklake_snapshots('kabar')"
    )
    assert code == 0 and int(out.splitlines()[1]) >= 1  # DuckLake's reading functions stay


def test_duckdbs_spill_folder_in_the_working_folder_is_not_readable(capsys, warehouse, tmp_path, monkeypatch):
    """DuckDB allows its spill folder, `.tmp` in the working folder by default: the sandbox uses one of
    its own, empty."""
    (tmp_path / ".tmp").mkdir()
    (tmp_path / ".tmp" / "rahasia.txt").write_text("rahasia", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    line = refused(capsys, warehouse, "SELECT * FROM read_text('.tmp/rahasia.txt')")
    assert line.startswith("kabar: refused: Permission Error") and "rahasia" not in line.split('"')[-1]


def test_refusal_names_the_statement_and_why(capsys, warehouse):
    line = refused(capsys, warehouse, "SELECT 1; INSTALL httpfs")
    assert line.startswith("kabar: refused: statement 2: INSTALL and LOAD are not allowed")
    line = refused(capsys, warehouse, "SELECT * FROM read_csv('/etc/passwd')")
    assert line.startswith("kabar: refused: Permission Error") and "/etc/passwd" in line
    assert "VACUUM and ANALYZE are not allowed" in refused(capsys, warehouse, "ANALYZE kota")
    line = refused(capsys, warehouse, "SELECT * FROM (PIVOT kota ON nama USING sum(penduduk))")
    assert "name them: PIVOT t ON c IN" in line  # a PIVOT in a subquery too


def test_import_database_reads_nothing_while_parsed(capsys, warehouse, tmp_path):
    """DuckDB 1.5 reads the folder's schema.sql and load.sql while parsing PRAGMA import_database."""
    folder = tmp_path / "impor"
    folder.mkdir()
    (folder / "schema.sql").write_text("CREATE TABLE bocor (a INTEGER);\n", encoding="utf-8")
    (folder / "load.sql").write_text("rahasia root:x:0:0\n", encoding="utf-8")
    line = refused(capsys, warehouse, f"PRAGMA import_database('{folder}')")
    assert "rahasia" not in line
    con = duckdb.connect()
    lock_down(con, [str(warehouse.parent)])
    with pytest.raises((Refused, duckdb.Error)) as error:
        statements(con, f"SELECT 1; pragma import_database('{folder}')")
    assert "rahasia" not in str(error.value)


def test_lock_down_allows_the_warehouse_folders_only(tmp_path):
    inside, sibling = tmp_path / "gudang", tmp_path / "gudang2"  # a sibling sharing the prefix
    for folder in (inside, sibling):
        folder.mkdir()
        (folder / "data.csv").write_text("a\n1\n", encoding="utf-8")
    single = tmp_path / "satu.csv"
    single.write_text("a\n2\n", encoding="utf-8")
    con = duckdb.connect()
    lock_down(con, [str(inside), str(single)])
    assert con.execute(f"SELECT a FROM read_csv('{inside}/data.csv')").fetchall() == [(1,)]
    assert con.execute(f"SELECT a FROM read_csv('{single}')").fetchall() == [(2,)]
    for path in (sibling / "data.csv", inside / ".." / "gudang2" / "data.csv", "/etc/passwd"):
        with pytest.raises(duckdb.PermissionException):
            con.execute(f"SELECT * FROM read_csv('{path}')")
    for setting in ("SET enable_external_access = true", "SET lock_configuration = false"):
        with pytest.raises(duckdb.Error, match="locked"):
            con.execute(setting)


@pytest.mark.parametrize("fmt", ["table", "csv", "json"])
def test_an_interval_past_pythons_range_is_one_line(capsys, warehouse, fmt):
    code, _, err = sql(capsys, warehouse, "--format", fmt, "SELECT [INTERVAL '2000000000 days'] AS i")
    assert code == 2 and len(err.splitlines()) == 1 and "cast it" in err, err


def test_json_values_python_cannot_take_print_without_a_traceback(capsys, warehouse):
    code, out, err = sql(
        capsys, warehouse, "--format", "json", "SELECT 'NaN'::JSON AS j, '[1e999]'::JSON AS k"
    )
    assert (code, err) == (0, "") and json.loads(out) == [{"j": None, "k": [None]}]
    deep = "(repeat('[', 100000) || repeat(']', 100000))::JSON"
    code, out, err = sql(capsys, warehouse, "--format", "json", f"SELECT {deep} AS j")
    assert (code, err) == (0, "") and json.loads(out)[0]["j"].startswith("[[[")  # as its text


def test_closed_standard_input_and_a_full_standard_output(capsys, warehouse, monkeypatch):
    monkeypatch.setattr(sys, "stdin", None)
    assert "standard input is closed" in refused(capsys, warehouse, "-")

    class Full(io.StringIO):
        def write(self, text):
            raise OSError(28, "No space left on device")

    monkeypatch.setattr(sys, "stdout", Full())
    assert main(["sql", "--db", str(warehouse), "SELECT 1"]) == 1
    assert capsys.readouterr().err == "kabar: cannot print the result: No space left on device\n"


ENDLESS = "WITH RECURSIVE r(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM r) SELECT count(*) FROM r"


def run_sql(
    warehouse: Path, *argv: str, send: signal.Signals | None = None, tmp: Path | None = None
) -> subprocess.CompletedProcess:
    """`kabar sql` in a process of its own, bounded in time; `send`: that signal 3 s in (the process
    restores Python's SIGINT handler: a shell may start jobs ignoring it); `tmp`: its TMPDIR."""
    program = (
        "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
        "from kabar.cli import main; sys.exit(main(sys.argv[1:]))"
    )
    command = [sys.executable, "-c", program, "sql", "--db", str(warehouse), *argv]
    environment = os.environ | ({"TMPDIR": str(tmp)} if tmp else {})
    with subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=environment
    ) as process:
        try:
            if send is not None:
                try:
                    process.wait(timeout=3)
                except subprocess.TimeoutExpired:
                    process.send_signal(send)
            out, err = process.communicate(timeout=60)
        finally:
            process.kill()
    return subprocess.CompletedProcess(command, process.returncode, out, err)


def test_timeout_stops_a_query_that_would_never_end(warehouse):
    done = run_sql(warehouse, "--timeout", "0.5", ENDLESS)
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "kabar: stopped at the --timeout of 0.5 s\n"


def test_a_query_within_its_timeout_prints_whole(capsys, warehouse):
    done = sql(capsys, warehouse, "--timeout", "30", "--format", "csv", "SELECT 41 + 1 AS n")
    assert done == (0, "n\r\n42\r\n", "")


def test_a_query_stopped_by_ctrl_c_exits_130(warehouse):
    done = run_sql(warehouse, ENDLESS, send=signal.SIGINT)
    assert done.returncode == 130, done.stderr
    assert "Traceback" not in done.stderr and done.stdout == ""


def test_a_query_stopped_by_sigterm_removes_its_spill_folder(warehouse, tmp_path):
    (tmp_path / "tmp").mkdir()
    done = run_sql(warehouse, ENDLESS, send=signal.SIGTERM, tmp=tmp_path / "tmp")
    assert (done.returncode, done.stdout, done.stderr) == (143, "", "")
    assert list((tmp_path / "tmp").iterdir()) == []
