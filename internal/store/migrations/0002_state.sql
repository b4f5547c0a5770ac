-- v2: the state a run needs besides its history. The run lock (one writer
-- run at a time across processes and hosts), the end date the sync last wrote
-- per account (drift detection), the last-known snapshot of each side (fast
-- console start, watch mode) and small key/value state.

-- At most one row: the run that holds the database. The holder refreshes
-- heartbeat_at; a row whose holder is dead or silent is taken over.
CREATE TABLE run_lock (
    id           INTEGER PRIMARY KEY CHECK (id = 1),
    token        TEXT    NOT NULL,
    user         TEXT    NOT NULL DEFAULT '',
    host         TEXT    NOT NULL DEFAULT '',
    pid          INTEGER NOT NULL DEFAULT 0,
    mode         TEXT    NOT NULL DEFAULT '',
    run_id       INTEGER,
    started_at   TEXT    NOT NULL,
    heartbeat_at TEXT    NOT NULL
) STRICT;

CREATE TABLE last_written (
    target     TEXT    NOT NULL,
    account    TEXT    NOT NULL,
    end_at     TEXT    NOT NULL,
    run_id     INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    written_at TEXT    NOT NULL,
    PRIMARY KEY (target, account)
) STRICT;

-- side is "members" or "target:<name>"; data is gzip-compressed JSON in the
-- given format version.
CREATE TABLE snapshots (
    side     TEXT    PRIMARY KEY,
    taken_at TEXT    NOT NULL,
    count    INTEGER NOT NULL,
    format   INTEGER NOT NULL,
    data     BLOB    NOT NULL
) STRICT;

CREATE TABLE state (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;
