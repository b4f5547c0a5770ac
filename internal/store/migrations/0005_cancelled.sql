-- An item the operator's cancel kept from being sent is recorded as
-- 'cancelled', not 'skipped' or 'failed' (issue 13 §1): history and the
-- run's summary say "N applied, M cancelled" and agree. SQLite cannot
-- change a CHECK constraint, so the table is rebuilt with the same rows.
CREATE TABLE items_new (
    run_id      INTEGER NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
    item_id     TEXT    NOT NULL,
    kind        TEXT    NOT NULL,
    email       TEXT    NOT NULL DEFAULT '',
    member_id   TEXT    NOT NULL DEFAULT '',
    name        TEXT    NOT NULL DEFAULT '',
    target      TEXT    NOT NULL DEFAULT '',
    system      TEXT    NOT NULL DEFAULT '',
    account     TEXT    NOT NULL DEFAULT '',
    source_end  TEXT    NOT NULL DEFAULT '',
    before_end  TEXT,
    after_end   TEXT,
    desired_end TEXT,
    status      TEXT    NOT NULL CHECK (status IN ('planned', 'held', 'applied', 'failed', 'stale', 'skipped', 'cancelled', 'reported')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    approved_by TEXT    NOT NULL DEFAULT '',
    reason      TEXT    NOT NULL DEFAULT '',
    drift       INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT    NOT NULL,
    identity    TEXT    NOT NULL DEFAULT '',
    email_was   TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (run_id, item_id)
) STRICT;

INSERT INTO items_new (run_id, item_id, kind, email, member_id, name, target, system, account, source_end,
    before_end, after_end, desired_end, status, attempts, error, approved_by, reason, drift, updated_at,
    identity, email_was)
SELECT run_id, item_id, kind, email, member_id, name, target, system, account, source_end,
    before_end, after_end, desired_end, status, attempts, error, approved_by, reason, drift, updated_at,
    identity, email_was
FROM items;

DROP TABLE items;
ALTER TABLE items_new RENAME TO items;

-- doorsync history --email: one member's items, newest run first.
CREATE INDEX items_by_email ON items (email, run_id);
