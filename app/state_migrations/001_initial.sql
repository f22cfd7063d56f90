-- State database, version 1: accounts, sessions, the audit log, the reconciliation ledger and its history, flags.
-- Portable SQL (SQLite and PostgreSQL): VARCHAR/INTEGER/TEXT only; times are ISO-8601 text in local time
-- ('YYYY-MM-DD HH:MM:SS.ffffff', which sorts as time does); booleans are INTEGER 0/1. "INTEGER PRIMARY KEY" is an
-- auto-numbered id in SQLite; PostgreSQL would take BIGSERIAL PRIMARY KEY there.

CREATE TABLE accounts (
    login                 VARCHAR(64)  NOT NULL PRIMARY KEY,
    full_name             VARCHAR(200) NOT NULL,
    role                  VARCHAR(20)  NOT NULL,
    district_code         VARCHAR(8),
    password_hash         VARCHAR(255) NOT NULL,
    must_change_password  INTEGER      NOT NULL DEFAULT 1,
    disabled              INTEGER      NOT NULL DEFAULT 0,
    failed_count          INTEGER      NOT NULL DEFAULT 0,
    locked_until          VARCHAR(32),
    created_at            VARCHAR(32)  NOT NULL,
    password_changed_at   VARCHAR(32)
);

-- The browser holds the token; this table holds only its SHA-256.
CREATE TABLE sessions (
    token_hash  CHAR(64)     NOT NULL PRIMARY KEY,
    login       VARCHAR(64)  NOT NULL REFERENCES accounts (login),
    address     VARCHAR(64),
    created_at  VARCHAR(32)  NOT NULL,
    last_seen   VARCHAR(32)  NOT NULL
);
CREATE INDEX sessions_login ON sessions (login);

-- Append-only: rows are inserted, never updated or deleted.
CREATE TABLE audit (
    id       INTEGER      NOT NULL PRIMARY KEY,
    at       VARCHAR(32)  NOT NULL,
    event    VARCHAR(40)  NOT NULL,
    login    VARCHAR(64),
    address  VARCHAR(64),
    detail   TEXT
);
CREATE INDEX audit_at ON audit (at);

-- One entry per discrepancy, by its stable key (never by report date). cohort '' and dose 0 when not applicable.
CREATE TABLE ledger (
    kind        VARCHAR(40)  NOT NULL,
    unit_code   VARCHAR(8)   NOT NULL,
    cohort      VARCHAR(20)  NOT NULL DEFAULT '',
    dose        INTEGER      NOT NULL DEFAULT 0,
    status      VARCHAR(20)  NOT NULL,
    reason      VARCHAR(200),
    note        TEXT,
    owner       VARCHAR(200),
    updated_by  VARCHAR(64)  NOT NULL,
    updated_at  VARCHAR(32)  NOT NULL,
    PRIMARY KEY (kind, unit_code, cohort, dose)
);
CREATE INDEX ledger_unit ON ledger (unit_code);

CREATE TABLE ledger_history (
    id          INTEGER      NOT NULL PRIMARY KEY,
    kind        VARCHAR(40)  NOT NULL,
    unit_code   VARCHAR(8)   NOT NULL,
    cohort      VARCHAR(20)  NOT NULL,
    dose        INTEGER      NOT NULL,
    at          VARCHAR(32)  NOT NULL,
    login       VARCHAR(64)  NOT NULL,
    address     VARCHAR(64),
    old_status  VARCHAR(20),
    new_status  VARCHAR(20)  NOT NULL,
    old_reason  VARCHAR(200),
    new_reason  VARCHAR(200),
    old_note    TEXT,
    new_note    TEXT,
    old_owner   VARCHAR(200),
    new_owner   VARCHAR(200)
);
CREATE INDEX ledger_history_key ON ledger_history (kind, unit_code, cohort, dose);

-- Named flags of this database (for instance 'demo': the accounts are the demo's).
CREATE TABLE flags (
    name    VARCHAR(40)  NOT NULL PRIMARY KEY,
    value   TEXT,
    set_at  VARCHAR(32)  NOT NULL
);
