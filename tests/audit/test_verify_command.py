"""``mamori audit verify`` over the real table: tampering with SQL makes it exit 1 and name the entry."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command

from mamori.accounts.policy import SYSTEM
from mamori.audit import chain, queries, services
from mamori.audit.models import AuditEntry
from mamori.audit.verify import BreakKind, verify_chain

from .conftest import sql


def verify(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", "verify", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def insert_statement(columns: list[str]) -> str:
    placeholders = ", ".join(["%s"] * len(columns))
    return f"INSERT INTO {{table}} ({', '.join(columns)}) VALUES ({placeholders})"  # noqa: S608 - constant names


def verify_db():
    reader = queries.ChainReader()
    return verify_chain(reader.rows(), reader.head).first_break


def test_an_untouched_trail_is_reported_intact_with_count_and_last_hash(chain_of):
    # given
    entries = chain_of(5)
    # when
    code, out, err = verify()
    # then
    assert code == 0 and err == ""
    assert out.strip().startswith(f"chain intact: 5 entries, last #5 hash {entries[-1].hash}; ")


def test_quiet_prints_nothing_when_intact(chain_of):
    chain_of(2)
    assert verify("--quiet") == (0, "", "")


def test_an_empty_trail_of_a_new_installation_without_checkpoint_is_intact(db):
    code, out, _ = verify()
    assert code == 0 and "0 entries" in out and "no checkpoint yet" in out


def test_a_field_changed_with_sql_is_reported_as_edited_naming_the_entry(chain_of):
    # given
    entries = chain_of(6)
    sql("UPDATE {table} SET message = %s WHERE seq = 3", ["harmless"])
    # when
    code, _, err = verify()
    # then
    assert code == 1
    assert err.startswith(f"audit chain broken: edited at entry #3 (id {entries[2].pk}, ")
    assert "note by system" in err and len(err.strip().splitlines()) == 1
    found = verify_db()
    assert found is not None and (found.kind, found.seq) == (BreakKind.EDITED, 3)


def test_a_row_deleted_with_sql_is_reported_as_deleted(chain_of):
    # given
    entries = chain_of(6)
    sql("DELETE FROM {table} WHERE seq = 4")
    # when
    code, _, err = verify()
    # then
    assert code == 1
    assert f"deleted at #4, just before entry #5 (id {entries[4].pk}" in err and "entry #4 is missing" in err
    found = verify_db()
    assert found is not None and (found.kind, found.seq) == (BreakKind.DELETED, 4)


def test_a_forged_row_inserted_with_sql_is_reported_as_inserted(chain_of):
    # given a forger who appends a correctly hashed entry but cannot move the head
    entries = chain_of(4)
    values = {name: getattr(entries[-1], name) for name in chain.HASHED_FIELDS}
    values.update(seq=5, action="delete", message="forged", prev_hash=entries[-1].hash)
    columns = [*chain.HASHED_FIELDS, "hash"]
    params = [values[name] for name in chain.HASHED_FIELDS] + [chain.entry_hash(values)]
    params[columns.index("changes")] = "{}"
    sql(insert_statement(columns), params)
    # when
    code, _, err = verify()
    # then
    forged = AuditEntry.objects.get(seq=5)
    assert code == 1
    assert f"inserted at entry #5 (id {forged.pk}" in err and "delete by system" in err


def test_a_forged_row_slipped_into_the_middle_is_reported_as_inserted(chain_of):
    # given entries from #3 on renumbered up by one and a forgery written as #3
    entries = chain_of(5)
    sql("UPDATE {table} SET seq = -seq WHERE seq >= 3")
    sql("UPDATE {table} SET seq = 1 - seq WHERE seq < 0")
    values = {name: getattr(entries[2], name) for name in chain.HASHED_FIELDS}
    values["message"] = "forged"
    columns = [*chain.HASHED_FIELDS, "hash"]
    params = [values[name] for name in chain.HASHED_FIELDS] + [chain.entry_hash(values)]
    params[columns.index("changes")] = "{}"
    sql(insert_statement(columns), params)
    # when
    code, _, err = verify()
    # then
    forged = AuditEntry.objects.get(message="forged")
    assert code == 1 and f"inserted at entry #3 (id {forged.pk}" in err


def test_a_naively_forged_row_in_the_middle_is_reported_as_inserted_not_edited(chain_of):
    # given entries from #3 on renumbered up by one and a forgery at #3 that links to #2 with a made-up hash
    entries = chain_of(5)
    sql("UPDATE {table} SET seq = -seq WHERE seq >= 3")
    sql("UPDATE {table} SET seq = 1 - seq WHERE seq < 0")
    values = {name: getattr(entries[2], name) for name in chain.HASHED_FIELDS}
    values.update(message="forged", prev_hash=entries[1].hash)
    columns = [*chain.HASHED_FIELDS, "hash"]
    params = [values[name] for name in chain.HASHED_FIELDS] + ["e" * 64]
    params[columns.index("changes")] = "{}"
    sql(insert_statement(columns), params)
    # when
    code, _, err = verify()
    # then the old #3 (now #4) still links to #2, so the forgery is named as slipped in
    forged = AuditEntry.objects.get(message="forged")
    assert code == 1 and f"inserted at entry #3 (id {forged.pk}" in err and "entry #4 also follows entry #2" in err


def test_two_rows_with_swapped_sequence_numbers_are_reported_as_reordered(chain_of):
    # given
    entries = chain_of(6)
    sql("UPDATE {table} SET seq = -1 WHERE seq = 3")
    sql("UPDATE {table} SET seq = 3 WHERE seq = 4")
    sql("UPDATE {table} SET seq = 4 WHERE seq = -1")
    # when
    code, _, err = verify()
    # then the entry now at #3 is the former #4
    assert code == 1 and f"reordered at entry #3 (id {entries[3].pk}" in err
    found = verify_db()
    assert found is not None and (found.kind, found.seq) == (BreakKind.REORDERED, 3)


def test_rows_cut_off_the_end_are_reported_as_truncated(chain_of):
    # given
    chain_of(6)
    sql("DELETE FROM {table} WHERE seq >= 5")
    # when
    code, _, err = verify()
    # then
    assert code == 1 and "truncated at entry #5: entries #5 to #6 are missing from the end" in err
    found = verify_db()
    assert found is not None and (found.kind, found.seq) == (BreakKind.TRUNCATED, 5)


def test_a_saved_head_catches_a_consistent_rewrite_of_the_tail(chain_of):
    # given a head saved earlier, then the tail rewritten consistently (hash, link and head all redone)
    entries = chain_of(3)
    saved = f"{entries[-1].seq}:{entries[-1].hash}"
    values = {name: getattr(entries[-1], name) for name in chain.HASHED_FIELDS}
    values["message"] = "rewritten"
    new_hash = chain.entry_hash(values)
    sql("UPDATE {table} SET message = %s, hash = %s WHERE seq = 3", ["rewritten", new_hash])
    sql("UPDATE audit_chainhead SET hash = %s", [new_hash])
    # when
    plain, _, _ = verify("--quiet")
    code, _, err = verify("--expect", saved)
    # then
    assert plain == 0
    assert code == 1 and "edited at entry #3" in err and "saved head" in err


def test_head_prints_sequence_number_hash_time_and_count_as_json(chain_of):
    entries = chain_of(2)
    out = io.StringIO()
    call_command("audit", "head", stdout=out)
    head = json.loads(out.getvalue())
    assert (head["seq"], head["hash"], head["count"]) == (2, entries[-1].hash, 2) and head["time"]


def test_a_malformed_expected_head_is_a_clear_error(chain_of):
    from django.core.management.base import CommandError

    chain_of(1)
    with pytest.raises(CommandError, match="give SEQ:HASH"):
        call_command("audit", "verify", "--expect", "nonsense")


def test_entries_written_while_verifying_are_caught_up_and_not_taken_for_truncation(chain_of):
    # given a verification that has started reading
    chain_of(3)
    reader = queries.ChainReader(chunk_size=2)
    rows = reader.rows()
    first = [next(rows), next(rows), next(rows)]
    # when another entry is written before the reader reaches the end
    services.record(SYSTEM, "note", message="written meanwhile")
    result = verify_chain([*first, *rows], reader.head)
    # then the new entry is verified too and the head matches it
    assert result.ok and result.checked == 4


def test_a_database_without_the_audit_tables_is_a_clear_error(db):
    from django.core.management.base import CommandError

    sql("DROP TABLE {table}")
    with pytest.raises(CommandError, match="cannot read the audit trail"):
        call_command("audit", "verify")
