"""Writes event rows to PostgreSQL with COPY, each (site, uuid) once.

The events table is partitioned, so it cannot hold a unique (site, uuid) index itself; the EventKey table
does. A round first COPYs the batch's key lines straight into analytics_eventkey; when every key was new (the
common case, where Python touches no single row) it then COPYs the rows straight into analytics_event. When a
key was known, that COPY is undone and the keyed path runs: the key lines go to a small temporary table, the
new ones are inserted into analytics_eventkey (ON CONFLICT DO NOTHING), and only the first line of each new
key is copied. No full-width staging table. Rows arrive as COPY text (copy_text.py), so nothing is decoded or
re-encoded on the way. A batch that fails is split in halves until the offending rows are isolated; those
come back as failures while everything else lands. See docs/decisions/0005.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import psycopg
from django.db import connection, transaction
from psycopg import sql

from analytics.event_store.copy_text import CopyText, decode_line, encode_rows
from analytics.event_store.rows import EVENT_COLUMNS, EventRow, FailedRow, WriteResult

logger = logging.getLogger(__name__)
_KEY_STAGE = sql.Identifier("sightline_event_key_stage")
_LINK_STAGE = sql.Identifier("sightline_identity_link_stage")
_COLUMNS = sql.SQL(", ").join(sql.Identifier(c) for c in EVENT_COLUMNS)
# Temporary tables live as long as the database session; ON COMMIT DELETE ROWS empties them at every commit.
_CREATE_STAGES = sql.SQL(
    """
    CREATE TEMP TABLE IF NOT EXISTS {keys} (site_id bigint, uuid uuid, "timestamp" timestamptz)
        ON COMMIT DELETE ROWS;
    CREATE TEMP TABLE IF NOT EXISTS {links} (site_id bigint, other_id text, user_id text, "timestamp" timestamptz)
        ON COMMIT DELETE ROWS
    """
).format(keys=_KEY_STAGE, links=_LINK_STAGE)
_EMPTY_KEY_STAGE = sql.SQL("DELETE FROM {}").format(_KEY_STAGE)
_COPY_KEYS = sql.SQL('COPY {} (site_id, uuid, "timestamp") FROM STDIN').format(_KEY_STAGE)
# In key order, so two consumers that meet the same keys (a retried request) lock them in the same order and
# never deadlock. Behind a savepoint of its own, so that the rare round in which some keys were not new can
# undo it and insert again with RETURNING (which says which keys are new: text in the shape of a key line's
# "site\tuuid" prefix, found by plain lookups). Returning every key of every round cost ~0.8 µs per row in
# PostgreSQL, and the consumer the work of receiving them, to tell nothing in the common case.
_NEW_KEYS_SAVEPOINT = "sightline_new_keys"
_INSERT_NEW_KEYS = sql.SQL(
    """
    INSERT INTO analytics_eventkey (site_id, uuid, "timestamp")
    SELECT site_id, uuid, "timestamp" FROM {} ORDER BY site_id, uuid
    ON CONFLICT DO NOTHING
    """
).format(_KEY_STAGE)
_SAVEPOINT_AND_INSERT_NEW_KEYS = (
    sql.SQL("SAVEPOINT {}; ").format(sql.Identifier(_NEW_KEYS_SAVEPOINT)) + _INSERT_NEW_KEYS
)
_UNDO_NEW_KEYS = sql.SQL("ROLLBACK TO SAVEPOINT {}").format(sql.Identifier(_NEW_KEYS_SAVEPOINT))
_INSERT_NEW_KEYS_RETURNING = _INSERT_NEW_KEYS + sql.SQL("RETURNING site_id::text || E'\\t' || uuid::text")
_COPY_EVENTS = sql.SQL("COPY analytics_event ({}) FROM STDIN").format(_COLUMNS)
_FAST_KEYS_SAVEPOINT = "sightline_fast_keys"
_FAST_KEYS_SAVEPOINT_SQL = sql.SQL("SAVEPOINT {}").format(sql.Identifier(_FAST_KEYS_SAVEPOINT))
_UNDO_FAST_KEYS = sql.SQL("ROLLBACK TO SAVEPOINT {}").format(sql.Identifier(_FAST_KEYS_SAVEPOINT))
_COPY_NEW_KEYS = sql.SQL('COPY analytics_eventkey (site_id, uuid, "timestamp") FROM STDIN')
_COPY_LINKS = sql.SQL('COPY {} (site_id, other_id, user_id, "timestamp") FROM STDIN').format(_LINK_STAGE)
# The first user an anonymous or device id is seen with wins, as in PostHog: a later login as someone
# else on the same browser does not merge two people.
_INSERT_LINKS = sql.SQL(
    """
    INSERT INTO analytics_identitylink (site_id, anonymous_id, user_id, linked_at)
    SELECT DISTINCT ON (site_id, other_id) site_id, other_id, user_id, "timestamp" FROM {}
    ORDER BY site_id, other_id, "timestamp"
    ON CONFLICT DO NOTHING
    """
).format(_LINK_STAGE)

# Errors that mean "this data cannot be stored", as opposed to "the database is unavailable".
_DATA_ERRORS = (
    psycopg.DataError,
    psycopg.IntegrityError,
    psycopg.errors.InternalError_,
    ValueError,
    TypeError,
)


Lines = list[tuple[bytes, bytes]]  # (COPY line, key line) pairs, for the slow paths


def _pairs(text: bytes, keys: bytes) -> Lines:
    return list(zip(text.splitlines(keepends=True), keys.splitlines(keepends=True), strict=True))


def _first_of_fresh(pairs: Lines, fresh: set[bytes]) -> Lines:
    """The lines whose key this statement inserted, each key once (a batch may hold a retried request twice)."""
    kept = []
    for line, key_line in pairs:
        key = key_line[: key_line.rindex(b"\t")]
        if key in fresh:
            fresh.discard(key)
            kept.append((line, key_line))
    return kept


def _copied_as_new_keys(cursor: psycopg.Cursor[tuple[object, ...]], keys: bytes) -> bool:
    """COPYs the keys straight into analytics_eventkey, behind a savepoint; False (and nothing stored) when one
    was there already or is in the batch twice. The common case, every key new, then costs a plain COPY: no
    stage, no sort, and none of ON CONFLICT's per-row probe and speculative insertion, together about a quarter
    of PostgreSQL's work per row. A key that another transaction is inserting at the same moment is waited
    for, as ON CONFLICT would; two such transactions that wait on each other are broken up by PostgreSQL's
    deadlock check, and the one it stops takes the keyed path like any other batch with a known key."""
    cursor.execute(_FAST_KEYS_SAVEPOINT_SQL)
    try:
        with cursor.copy(_COPY_NEW_KEYS) as copy:
            copy.write(keys)
    except (psycopg.errors.UniqueViolation, psycopg.errors.DeadlockDetected):
        cursor.execute(_UNDO_FAST_KEYS)
        return False
    return True


def _write(cursor: psycopg.Cursor[tuple[object, ...]], text: bytes, keys: bytes, count: int) -> int:
    if _copied_as_new_keys(cursor, keys):
        with cursor.copy(_COPY_EVENTS) as copy:
            copy.write(text)
        return count
    # Empty unless a part was written earlier in this transaction (or the caller's). DELETE rather than
    # TRUNCATE: on the usual empty table it costs nothing, where TRUNCATE rewrites catalog rows.
    cursor.execute(_EMPTY_KEY_STAGE)
    with cursor.copy(_COPY_KEYS) as copy:
        copy.write(keys)
    cursor.execute(_SAVEPOINT_AND_INSERT_NEW_KEYS)  # one round trip: the savepoint rides along
    cursor.nextset()  # from the SAVEPOINT's result to the INSERT's
    new = cursor.rowcount
    if new == 0:
        return 0
    if new < count:  # some were stored before (a retried request, a re-read stream entry) or are in twice
        cursor.execute(_UNDO_NEW_KEYS)
        cursor.execute(_INSERT_NEW_KEYS_RETURNING)
        fresh = {key.encode() for (key,) in cursor.fetchall()}  # type: ignore[attr-defined]
        new = len(fresh)  # another consumer may have stored more of them in between
        if new == 0:
            return 0
        kept = _first_of_fresh(_pairs(text, keys), fresh)
        if len(kept) != new:  # cannot happen with lines and keys from encode_rows; isolate rather than guess
            raise ValueError("the stored keys do not match the batch's lines")
        text = b"".join(line for line, _ in kept)
    with cursor.copy(_COPY_EVENTS) as copy:
        copy.write(text)
    return new


# A line that could not be stored, and why.
Refusal = tuple[bytes, str]


def _write_isolating_failures(cursor: psycopg.Cursor[tuple[object, ...]], pairs: Lines) -> tuple[int, list[Refusal]]:
    try:
        with transaction.atomic():  # a savepoint: a failure undoes only this part
            text, keys = b"".join(line for line, _ in pairs), b"".join(key for _, key in pairs)
            return _write(cursor, text, keys, len(pairs)), []
    except _DATA_ERRORS as exc:
        if len(pairs) == 1:
            return 0, [(pairs[0][0], f"{type(exc).__name__}: {exc}"[:500])]
        middle = len(pairs) // 2
        written_a, failed_a = _write_isolating_failures(cursor, pairs[:middle])
        written_b, failed_b = _write_isolating_failures(cursor, pairs[middle:])
        return written_a + written_b, failed_a + failed_b


def _write_links(cursor: psycopg.Cursor[tuple[object, ...]], links: bytes) -> None:
    try:
        with transaction.atomic():
            with cursor.copy(_COPY_LINKS) as copy:
                copy.write(links)
            cursor.execute(_INSERT_LINKS)
    except _DATA_ERRORS as exc:
        # Links are derived from ids that passed validation; the events themselves are stored either way.
        # The error's text may quote an id, so only its type is logged.
        logger.warning("identity links of a batch could not be stored", extra={"error": type(exc).__name__})


def _as_row(line: bytes) -> EventRow:
    try:
        return decode_line(line)
    except (ValueError, UnicodeDecodeError):
        return [line.decode(errors="replace")]


def write_copy_texts(texts: Sequence[CopyText]) -> WriteResult:
    """Writes COPY text rows in one transaction; returns what was written, what was a duplicate, what failed."""
    written, duplicates, refused = _write_texts(texts)
    return WriteResult(
        written=written, duplicates=duplicates, failed=[FailedRow(_as_row(line), why) for line, why in refused]
    )


def _write_texts(texts: Sequence[CopyText]) -> tuple[int, int, list[Refusal]]:
    failed: list[Refusal] = []
    usable = []
    for part in texts:
        if part.text.count(b"\n") == part.keys.count(b"\n"):
            usable.append(part)
        else:  # only a corrupted entry: encode_rows writes one key line per row
            failed += [(line, "ValueError: rows and keys do not match") for line in part.text.splitlines()]
    count = sum(part.keys.count(b"\n") for part in usable)
    if not count:
        return 0, 0, failed
    text, keys = b"".join(part.text for part in usable), b"".join(part.keys for part in usable)
    links = b"".join(t.links for t in usable)
    with transaction.atomic():
        connection.ensure_connection()
        raw = connection.connection
        assert isinstance(raw, psycopg.Connection)
        with raw.cursor() as cursor:
            cursor.execute(_CREATE_STAGES)
            try:
                with transaction.atomic():  # the whole batch at once: the common case
                    written, refused = _write(cursor, text, keys, count), list[Refusal]()
            except _DATA_ERRORS:
                written, refused = _write_isolating_failures(cursor, _pairs(text, keys))
            if links:
                _write_links(cursor, links)
    return written, count - written - len(refused), failed + refused


def write_rows(rows: Sequence[EventRow]) -> WriteResult:
    """Writes rows in one transaction; returns what was written, what was a duplicate, and what failed."""
    if not rows:
        return WriteResult()
    texts, failed = [], []
    originals: dict[bytes, EventRow] = {}  # a refused line is reported as the row the caller gave
    for row in rows:
        try:
            text = encode_rows([row])
        except (ValueError, TypeError) as exc:  # e.g. properties that JSON cannot hold
            failed.append(FailedRow(row=list(row), reason=f"{type(exc).__name__}: {exc}"[:500]))
            continue
        texts.append(text)
        originals.setdefault(text.text, row)
    written, duplicates, refused = _write_texts(texts)
    failed += [FailedRow(row=list(originals.get(line) or _as_row(line)), reason=why) for line, why in refused]
    return WriteResult(written=written, duplicates=duplicates, failed=failed)
