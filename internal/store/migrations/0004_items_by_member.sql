-- v4: a member's history follows the member id (the console's detail), not
-- the e-mail, which another member may have taken since.
CREATE INDEX items_by_member ON items (member_id, run_id) WHERE member_id <> '';
