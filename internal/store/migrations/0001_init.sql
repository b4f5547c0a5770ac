-- v1: the audit history. Runs (who, how, when, outcome), the items each run
-- acted on or held, the journal written before every write, and the identity
-- links an operator confirmed or imported. Never edit a released migration:
-- add the next file instead.

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

-- doorsync history --email: one member's items, newest run first.
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

-- Every run starts by asking for the entries a crashed run left open.
CREATE INDEX journal_open ON journal (id) WHERE state = 'open';

-- A link is keyed by what does not change when someone is renamed: the
-- e-mail, the target, the account id and (for shared e-mails) the member id.
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
