-- State database, version 3: vaccine allocation decisions (issue 13). A Sở Y tế / CDC account saves a proposal of the
-- allocation page as the province's decision: who (login, and the name they had then), when, from where, the
-- snapshot it was solved on (its file name, pinned against retention) and the as-of date, the what-if settings and
-- the need driver (JSON), the comparison with the pro-rata split (JSON), a note. Never updated nor deleted: a new
-- decision is saved instead.
CREATE TABLE allocation_decisions (
    id             INTEGER      NOT NULL PRIMARY KEY,
    saved_at       VARCHAR(32)  NOT NULL,
    login          VARCHAR(64)  NOT NULL REFERENCES accounts (login),
    full_name      VARCHAR(200) NOT NULL,
    address        VARCHAR(64),
    province_code  VARCHAR(2)   NOT NULL,
    snapshot       VARCHAR(200) NOT NULL,
    as_of          VARCHAR(10)  NOT NULL,
    settings       TEXT         NOT NULL,
    summary        TEXT         NOT NULL,
    note           TEXT
);
CREATE INDEX allocation_decisions_province ON allocation_decisions (province_code, saved_at);

-- The rows of a decision, one per district x lot with vials > 0: kind 'proposal' (what the solver proposed) or
-- 'saved' (what the planner saved: their edits are the difference). expiry is an ISO date; doses = vials x doses per
-- vial (a vial is never split); cohort: the cohorts and doses the lot serves in the district, in Vietnamese.
CREATE TABLE allocation_decision_rows (
    decision_id     INTEGER      NOT NULL REFERENCES allocation_decisions (id),
    kind            VARCHAR(10)  NOT NULL,
    district        VARCHAR(8)   NOT NULL,
    district_name   VARCHAR(200) NOT NULL,
    product         VARCHAR(100) NOT NULL,
    lot             VARCHAR(100) NOT NULL,
    expiry          VARCHAR(10),
    doses_per_vial  INTEGER      NOT NULL,
    vials           INTEGER      NOT NULL,
    doses           INTEGER      NOT NULL,
    cohort          TEXT,
    PRIMARY KEY (decision_id, kind, district, lot)
);
