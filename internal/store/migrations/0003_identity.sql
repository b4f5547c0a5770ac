-- v3: identity anchored to members (issue 10). A link records the names the
-- operator was shown when confirming it; resolutions keep, per account, the
-- member the last run accepted (member_id '' for an account seen with no
-- member), so that the next run can hold an identity that changed.

ALTER TABLE links ADD COLUMN member_name TEXT NOT NULL DEFAULT '';
ALTER TABLE links ADD COLUMN account_name TEXT NOT NULL DEFAULT '';

CREATE TABLE resolutions (
    target       TEXT    NOT NULL,
    account      TEXT    NOT NULL,
    member_id    TEXT    NOT NULL DEFAULT '',
    email        TEXT    NOT NULL DEFAULT '',
    name         TEXT    NOT NULL DEFAULT '',
    account_name TEXT    NOT NULL DEFAULT '',
    -- an e-mail found on the account that the admin set aside: it finds
    -- no member here (a departed member's account now carrying the
    -- address of someone who has an account of their own)
    ignored_email TEXT   NOT NULL DEFAULT '',
    run_id       INTEGER REFERENCES runs (id) ON DELETE SET NULL,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (target, account)
) STRICT;

CREATE INDEX resolutions_member ON resolutions (member_id) WHERE member_id <> '';

-- The run lock's PID namespace (Linux /proc/self/ns/pid): containers that
-- share a hostname and a database have separate process tables, so a pid
-- is checked only within the namespace that wrote it (issue 11 review).
ALTER TABLE run_lock ADD COLUMN pidns TEXT NOT NULL DEFAULT '';

-- An item's identity change (held for the admin) and the member's e-mail at
-- the last run when it changed under the same resolution: history shows
-- both, and an in_sync item carrying either is recorded.
ALTER TABLE items ADD COLUMN identity TEXT NOT NULL DEFAULT '';
ALTER TABLE items ADD COLUMN email_was TEXT NOT NULL DEFAULT '';
