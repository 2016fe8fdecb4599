"""The sandbox `kabar sql` runs an analyst's SQL in: reads of the warehouse, and nothing else.

Three locks, applied to the read-only connection `db.connect` hands out:

- `lock_down`: DuckDB's own configuration. No file, URL or extension outside the warehouse's own paths
  (`allowed_directories` / `allowed_paths`, then `enable_external_access = false`), and no setting may
  change afterwards (`lock_configuration = true`). This is what refuses `read_csv('/etc/passwd')`.
- `statements`: every statement is split by DuckDB's parser *on the locked connection* and checked
  before any runs. Only queries pass (SELECT, WITH, FROM, VALUES, TABLE and the SELECT forms DESCRIBE,
  SHOW, SUMMARIZE, PIVOT with its values named) and EXPLAIN of a query. That also refuses what the
  first lock lets through: `COPY ... TO` a file inside the warehouse's folders, temporary tables, and
  writes to the in-memory database a DuckLake connection starts from.

- `_check_calls` (run by `statements`): a query may still call a function that writes or runs
  other SQL: DuckLake's maintenance functions (`ducklake_cleanup_old_files` deletes files even on a
  read-only attach) and the lake's own macros that call them (`kabar.merge_adjacent_files()`),
  `query()`, logging switches, the SQLite and PostgreSQL extensions' functions.
  Refused by name wherever the text calls one (a name, then an opening bracket; never inside a string).

Split on the locked connection, not with `duckdb.extract_statements`: DuckDB 1.5 expands
`PRAGMA import_database('dir')` while parsing, reading `dir/schema.sql` and `dir/load.sql`.
"""

import atexit
import re
import shutil
import tempfile
from pathlib import Path

import duckdb

QUERY_TYPES = {"SELECT"}
QUERIES = "only queries: SELECT, WITH, FROM, VALUES, DESCRIBE, SHOW, SUMMARIZE, EXPLAIN"
# Why each kind of statement is refused, by DuckDB's StatementType name.
REASONS = {
    "ATTACH": "ATTACH is not allowed: kabar sql reads the warehouse only",
    "DETACH": "DETACH is not allowed: kabar sql reads the warehouse only",
    "LOAD": "INSTALL and LOAD are not allowed: kabar sql runs with the extensions the warehouse loads",
    "COPY": "COPY is not allowed: use --format csv or json, or `kabar export`",
    "COPY_DATABASE": "COPY FROM DATABASE is not allowed: use `kabar export --duckdb FILE`",
    "EXPORT": "EXPORT DATABASE is not allowed: use `kabar export`",
    "SET": "SET, RESET and USE are not allowed: the sandbox's settings are locked",
    "VARIABLE_SET": "SET VARIABLE is not allowed: the sandbox's settings are locked",
    "PRAGMA": "PRAGMA is not allowed; use its table function: SELECT * FROM pragma_table_info('articles')",
    "CALL": "CALL is not allowed; call a table function with SELECT * FROM f(...)",
    "VACUUM": "VACUUM and ANALYZE are not allowed: the warehouse is read-only to kabar sql",
    # DuckDB 1.5 names the UPDATE EXTENSIONS statement "???"
    "???": "UPDATE EXTENSIONS is not allowed: kabar sql runs with the extensions the warehouse loads",
    "MULTI": "a PIVOT that does not name its values runs several statements; name them: "
    "PIVOT t ON c IN ('a', 'b') USING ...",
}


# DuckLake's functions that only read; every other `ducklake_*` function writes files or the catalog.
DUCKLAKE_READERS = {
    "ducklake_current_snapshot",
    "ducklake_last_committed_snapshot",
    "ducklake_list_files",
    "ducklake_options",
    "ducklake_settings",
    "ducklake_snapshots",
    "ducklake_table_changes",
    "ducklake_table_deletions",
    "ducklake_table_info",
    "ducklake_table_insertions",
}
# Other functions a SELECT can call that change state or run SQL the sandbox has not checked.
WRITERS = {
    "query",
    "json_execute_serialized_sql",
    "checkpoint",
    "force_checkpoint",
    "enable_logging",
    "disable_logging",
    "truncate_duckdb_logs",
    "enable_profiling",
    "disable_profiling",
}
# Extensions' functions that open files or servers themselves, past DuckDB's file guard (sqlite_scan
# read any SQLite file and wrote -wal/-shm files beside it), or run their own SQL: every one refused.
OUTSIDE_THE_GUARD = ("sqlite_", "postgres_")
# read_csv's options that keep the rows it could not read in tables of the connection's own
TABLE_MAKING_OPTIONS = {"store_rejects", "rejects_table", "rejects_scan"}


class Refused(Exception):
    """A statement the sandbox does not run (the message is one line)."""


def lock_down(con: duckdb.DuckDBPyConnection, allowed_paths: list[str]) -> None:
    """Confine `con` to reading: no file, URL or extension but under `allowed_paths` (folders, or single
    files), and its configuration locked. Irreversible for the connection's database instance."""
    folders, files = [], []
    for path in allowed_paths:
        for spelling in _spellings(path):
            if Path(spelling).is_file():
                files.append(spelling)
            else:  # a folder, or one not made yet: only what lies inside it
                folders.append(spelling.rstrip("/") + "/")
    # DuckDB allows its spill folder too, by default `.tmp` in the working folder, whatever it holds:
    # an empty one of the sandbox's own instead
    con.execute(f"SET temp_directory = {_quoted(_spill_folder())}")
    con.execute(f"SET allowed_directories = {_list(folders)}")
    con.execute(f"SET allowed_paths = {_list(files)}")
    con.execute("SET enable_external_access = false")
    con.execute("SET lock_configuration = true")


def _spill_folder() -> str:
    folder = tempfile.mkdtemp(prefix="kabar-sql-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return folder


def warehouse_paths(db_path: str | Path) -> list[str]:
    """Where the warehouse at `db_path` keeps its data: `db.storage_paths` when the warehouse module
    provides it, else the folder of the file."""
    from kabar.warehouse import db

    storage_paths = getattr(db, "storage_paths", None)
    if storage_paths is not None:
        return [str(path) for path in storage_paths(db_path)]
    return [str(Path(db_path).resolve().parent)]


def statements(con: duckdb.DuckDBPyConnection, sql: str) -> list:
    """The statements of `sql`, split by DuckDB's parser on `con` (lock it down first), each checked;
    raises Refused for the first that is no query."""
    tokens = _tokens(sql)
    leading = _leading_words(tokens)
    if "PRAGMA" in leading:  # by its word: DuckDB 1.5 parses some pragmas (table_info) as SELECTs
        raise Refused(REASONS["PRAGMA"])
    found = con.extract_statements(sql)
    _check_calls(tokens, _lake_writers(con))
    for number, statement in enumerate(found, 1):
        where = f"statement {number}: " if len(found) > 1 else ""
        try:
            _check(con, statement)
        except Refused as error:
            reason = str(error)
            kind = statement.type.name
            pivots = any(_word(token) == "PIVOT" for token in tokens)  # a PIVOT's CREATE TYPE, in 1.5
            if pivots and kind == "CREATE" and "CREATE" not in leading:
                reason = f"{REASONS['MULTI']} (kabar sql runs {QUERIES})"
            raise Refused(f"{where}{reason}") from None
    return found


def _check(con: duckdb.DuckDBPyConnection, statement) -> None:
    kind = statement.type.name
    if kind in QUERY_TYPES:
        return
    if kind == "EXPLAIN":
        if _explains_a_query(con, statement):
            return
        raise Refused(f"EXPLAIN of anything but a query is not allowed (kabar sql runs {QUERIES})")
    reason = REASONS.get(kind)
    if reason is None:
        name = kind.removesuffix("_STATEMENT").replace("_", " ")
        reason = f"{name} statements are not allowed: the warehouse is read-only to kabar sql"
    raise Refused(f"{reason} (kabar sql runs {QUERIES})")


def _check_calls(tokens: list[tuple[int, str, str]], lake_writers: set[str]) -> None:
    """Refuse a call of a function that writes or runs other SQL (see WRITERS, DUCKLAKE_READERS), or
    of a lake's macro that calls one (`lake_writers`)."""
    for (_, text, kind), (_, after, _) in zip(tokens, tokens[1:]):
        named = _NAME.match(text)
        name = (named[1] or named[2] or "").replace('""', '"').lower() if named else ""
        if kind == "identifier" and name in TABLE_MAKING_OPTIONS:
            raise Refused(f"read_csv's {name} is not allowed: it creates tables (kabar sql runs {QUERIES})")
        refused = _refused_function(name) or name in lake_writers
        if kind in ("identifier", "keyword") and after.startswith("(") and refused:
            raise Refused(
                f"{name}() is not allowed: it writes, runs SQL unchecked or opens files past the sandbox"
                f" (kabar sql runs {QUERIES})"
            )


_NAME = re.compile(r'"((?:[^"]|"")*)"|(\w+)')  # a quoted or a plain name (a comment may trail it)


def _lake_writers(con: duckdb.DuckDBPyConnection) -> set[str]:
    """DuckLake gives every attached lake macros of its own: `kabar.merge_adjacent_files()` runs
    `ducklake_merge_adjacent_files('kabar')` and wrote Parquet files into the data folder. Their names
    are the refused DuckLake functions' without the prefix (asked of DuckDB: a new version's too)."""
    found = con.execute(
        "SELECT DISTINCT function_name FROM duckdb_functions() WHERE starts_with(function_name, 'ducklake_')"
    ).fetchall()
    return {name.removeprefix("ducklake_") for (name,) in found if _refused_function(name)}


def _refused_function(function: str) -> bool:
    if function.startswith(OUTSIDE_THE_GUARD):
        return True
    return function in WRITERS or (function.startswith("ducklake_") and function not in DUCKLAKE_READERS)


def _explains_a_query(con: duckdb.DuckDBPyConnection, statement) -> bool:
    """Whether an EXPLAIN [ANALYZE] [(options)] statement explains a query. EXPLAIN ANALYZE runs the
    statement it explains, so `EXPLAIN ANALYZE COPY ... TO` must not pass."""
    try:
        text = statement.query
    except Exception:  # DuckDB 1.5 cannot always give back a statement's text
        return False
    tokens = _tokens(text)
    words = [_word(token) for token in tokens]
    if not words or words[0] != "EXPLAIN":
        return False
    start = 1
    while start < len(tokens) and words[start] in ("ANALYZE", "VERBOSE"):
        start += 1
    starts = [start]
    if start < len(tokens) and tokens[start][1].startswith("("):  # options, or a parenthesised query
        depth = 0
        for index in range(start, len(tokens)):
            if tokens[index][2] == "operator":
                depth += tokens[index][1].count("(") - tokens[index][1].count(")")
                if depth <= 0:
                    starts.append(index + 1)
                    break
    for index in starts:
        if index >= len(tokens):
            continue
        try:
            inner = con.extract_statements(text.encode()[tokens[index][0] :].decode())
        except duckdb.Error:
            continue
        return len(inner) == 1 and inner[0].type.name in QUERY_TYPES
    return False


def _leading_words(tokens: list[tuple[int, str, str]]) -> set[str]:
    """The first word of each statement, by DuckDB's tokens (a `;` in a string is no end)."""
    words, at_start = set(), True
    for token in tokens:
        if at_start:
            words.add(_word(token))
        at_start = token[2] == "operator" and ";" in token[1]
    return words


def _tokens(sql: str) -> list[tuple[int, str, str]]:
    """(byte position, text, kind) of each token but comments; a token's text runs to the next token.
    DuckDB's tokenizer counts positions in UTF-8 bytes."""
    found = duckdb.tokenize(sql)
    data = sql.encode()
    tokens = []
    for index, (position, kind) in enumerate(found):
        end = found[index + 1][0] if index + 1 < len(found) else len(data)
        name = getattr(kind, "name", str(kind)).split(".")[-1]
        text = data[position:end].decode(errors="replace")
        if name in ("keyword", "operator"):  # DuckDB 1.5 has no comment tokens: a comment trails a token
            text = re.sub(r"(--|/\*).*", "", text, flags=re.DOTALL)
        text = text.strip()
        if name != "comment":
            tokens.append((position, text, name))
    return tokens


def _word(token: tuple[int, str, str]) -> str:
    _, text, kind = token
    match = re.match(r"[A-Za-z_]+", text)
    return match.group().upper() if kind == "keyword" and match else ""


def _spellings(path: str) -> list[str]:
    """A path as given (made absolute) and with its links resolved: DuckDB compares the strings."""
    absolute = str(Path(path).absolute())
    resolved = str(Path(path).resolve())
    return [absolute] if absolute == resolved else [absolute, resolved]


def _list(values: list[str]) -> str:
    return "[" + ", ".join(map(_quoted, values)) + "]"


def _quoted(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"
