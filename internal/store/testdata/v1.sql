-- A database as doorsync left it at schema version 1 (runs, items, journal,
-- links), with a little history. FROZEN: never regenerate it from
-- migrations/0001_init.sql; TestMigrateFromV1 checks that upgrading this
-- file gives the same schema as a fresh database and keeps every row.
CREATE TABLE schema_version (
    version    INTEGER PRIMARY KEY,
    name       TEXT NOT NULL,
    applied_at TEXT NOT NULL
) STRICT;
INSERT INTO schema_version VALUES (1, 'init', '2025-10-01T06:00:00.000000000Z');

CREATE TABLE runs (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    mode          TEXT    NOT NULL,
    user          TEXT    NOT NULL DEFAULT '',
    host          TEXT    NOT NULL DEFAULT '',
    started_at    TEXT    NOT NULL,
    finished_at   TEXT,
    outcome       TEXT    NOT NULL DEFAULT 'running',
    exit_code     INTEGER NOT NULL DEFAULT 0,
    members       INTEGER NOT NULL DEFAULT 0,
    counts        TEXT    NOT NULL DEFAULT '{}',
    guard_tripped INTEGER NOT NULL DEFAULT 0,
    guard_reason  TEXT    NOT NULL DEFAULT '',
    error         TEXT    NOT NULL DEFAULT ''
) STRICT;

CREATE TABLE items (
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
    status      TEXT    NOT NULL CHECK (status IN ('planned', 'held', 'applied', 'failed', 'stale', 'skipped', 'reported')),
    attempts    INTEGER NOT NULL DEFAULT 0,
    error       TEXT    NOT NULL DEFAULT '',
    approved_by TEXT    NOT NULL DEFAULT '',
    reason      TEXT    NOT NULL DEFAULT '',
    drift       INTEGER NOT NULL DEFAULT 0,
    updated_at  TEXT    NOT NULL,
    PRIMARY KEY (run_id, item_id)
) STRICT;

CREATE INDEX items_by_email ON items (email, run_id);

CREATE TABLE journal (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    run_id     INTEGER NOT NULL REFERENCES runs (id),
    item_id    TEXT    NOT NULL,
    target     TEXT    NOT NULL,
    account    TEXT    NOT NULL,
    before_end TEXT,
    want_end   TEXT    NOT NULL,
    state      TEXT    NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'done', 'failed')),
    read_back  TEXT,
    error      TEXT    NOT NULL DEFAULT '',
    opened_at  TEXT    NOT NULL,
    closed_at  TEXT
) STRICT;

CREATE INDEX journal_open ON journal (id) WHERE state = 'open';

CREATE TABLE links (
    email      TEXT NOT NULL,
    target     TEXT NOT NULL,
    account    TEXT NOT NULL,
    member_id  TEXT NOT NULL DEFAULT '',
    origin     TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL DEFAULT '',
    note       TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (email, target, account, member_id)
) STRICT;

INSERT INTO runs VALUES (1, 'auto', 'root', 'gym-box', '2025-10-01T06:00:00.000000000Z', '2025-10-01T06:00:41.500000000Z',
    'done', 0, 412, '{"extend":3,"in_sync":380}', 0, '', '');
INSERT INTO runs VALUES (2, 'auto', 'root', 'gym-box', '2025-10-02T06:00:00.000000000Z', NULL, 'running', 0, 0, '{}', 0, '', '');
INSERT INTO items VALUES (1, 'a1b2', 'extend', 'ziga.ceh@example.si', '150002', 'Žiga Čeh', 'entrance', 'hikvision', '1042',
    '2025-11-01', '2025-10-01T21:59:59.000000000Z', '2025-10-31T22:59:59.000000000Z', '2025-10-31T22:59:59.000000000Z',
    'applied', 1, '', '', 'renewed in Cardskipper', 0, '2025-10-01T06:00:40.000000000Z');
INSERT INTO items VALUES (2, 'c3d4', 'revoke', 'ana.kos@example.si', '150007', 'Ana Koš', 'entrance', 'hikvision', '1077',
    '2025-09-30', '2025-12-31T22:59:59.000000000Z', NULL, '2025-09-30T21:59:59.000000000Z',
    'held', 0, '', '', 'member no longer valid', 0, '2025-10-02T06:00:00.000000000Z');
INSERT INTO journal VALUES (1, 1, 'a1b2', 'entrance', '1042', '2025-10-01T21:59:59.000000000Z', '2025-10-31T22:59:59.000000000Z',
    'done', '2025-10-31T22:59:59.000000000Z', '', '2025-10-01T06:00:39.000000000Z', '2025-10-01T06:00:40.000000000Z');
INSERT INTO journal VALUES (2, 2, 'e5f6', 'exit', '2001', NULL, '2026-01-31T22:59:59.000000000Z',
    'open', NULL, '', '2025-10-02T06:00:05.000000000Z', NULL);
INSERT INTO links VALUES ('ziga.ceh@example.si', 'entrance', '1042', '', 'confirmed', '2025-09-15T12:00:00.000000000Z', 'admin', 'front desk');
INSERT INTO links VALUES ('ana.kos@example.si', 'entrance', '1077', '150007', 'import', '2025-09-15T12:00:00.000000000Z', '', '');
