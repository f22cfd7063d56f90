-- State database, version 4: briefings (giao ban, issue 15) and the snapshots kept from retention. One registry:
-- the pins of warehouse/pins.json move here (etl.snapshots migrates the file once and renames it
-- pins.json.migrated); retention keeps every snapshot pinned here or drawn on by a briefing.
CREATE TABLE pins (
    snapshot   VARCHAR(200) NOT NULL PRIMARY KEY,
    label      TEXT         NOT NULL,
    pinned_by  VARCHAR(100),
    pinned_at  VARCHAR(32)  NOT NULL
);

-- A briefing: the day it is held, its label ("Giao ban BCĐ tỉnh 15/03/2022"), the as-of date and the snapshot (its
-- file name) its figures are drawn from, who created it and when. Never updated nor deleted.
CREATE TABLE briefings (
    id             INTEGER      NOT NULL PRIMARY KEY,
    province_code  VARCHAR(2)   NOT NULL,
    held_on        VARCHAR(10)  NOT NULL,
    label          VARCHAR(200) NOT NULL,
    as_of          VARCHAR(10)  NOT NULL,
    snapshot       VARCHAR(200) NOT NULL,
    created_by     VARCHAR(64)  NOT NULL REFERENCES accounts (login),
    created_at     VARCHAR(32)  NOT NULL
);
CREATE INDEX briefings_province ON briefings (province_code, held_on);

-- The packs (PDF) made for a briefing, one per scope: scope_key 'tinh' (the province) or the district codes joined by
-- '+'; districts as a JSON list; file relative to the data directory (the cache by snapshot, scope and as-of date).
-- Also the queue of the generation: status 'queued', 'running', 'done' or 'failed', taken in order of id.
CREATE TABLE briefing_packs (
    id            INTEGER      NOT NULL PRIMARY KEY,
    briefing_id   INTEGER      NOT NULL REFERENCES briefings (id),
    scope_key     VARCHAR(200) NOT NULL,
    scope_name    VARCHAR(400) NOT NULL,
    districts     TEXT         NOT NULL,
    file          VARCHAR(400) NOT NULL,
    status        VARCHAR(10)  NOT NULL,
    requested_by  VARCHAR(64)  NOT NULL,
    address       VARCHAR(64),
    requested_at  VARCHAR(32)  NOT NULL,
    generated_at  VARCHAR(32),
    bytes         INTEGER,
    error         TEXT,
    UNIQUE (briefing_id, scope_key)
);
CREATE INDEX briefing_packs_status ON briefing_packs (status, id);
