-- mnr takedown store, schema version 1. Times are Unix nanoseconds (bigint) so they
-- round-trip exactly; records are the JSON the takedown package defines (bytea, kept
-- byte-exact for the audit hashes).
CREATE TABLE takedown_cases (
    id      text PRIMARY KEY,
    version bigint NOT NULL,
    data    bytea  NOT NULL
);

CREATE TABLE takedown_events (
    case_id text   NOT NULL REFERENCES takedown_cases (id),
    seq     bigint NOT NULL,
    data    bytea  NOT NULL,
    PRIMARY KEY (case_id, seq)
);

CREATE TABLE takedown_journal (
    seq  bigint PRIMARY KEY,
    data bytea  NOT NULL
);

-- The global chain head: one row, locked by every transaction that appends events.
CREATE TABLE takedown_head (
    id   int    PRIMARY KEY CHECK (id = 1),
    seq  bigint NOT NULL,
    hash bytea  NOT NULL
);
INSERT INTO takedown_head (id, seq, hash) VALUES (1, 0, decode(repeat('00', 32), 'hex'));

CREATE TABLE takedown_timers (
    case_id      text     NOT NULL,
    deadline     text     NOT NULL,
    name         text     NOT NULL,
    at           bigint   NOT NULL,
    rank         smallint NOT NULL,
    data         bytea    NOT NULL,
    worker       text,
    locked_until bigint,
    attempt      int      NOT NULL DEFAULT 0,
    PRIMARY KEY (case_id, deadline, name)
);
CREATE INDEX takedown_timers_due ON takedown_timers (at, rank, case_id, deadline, name);
CREATE INDEX takedown_timers_leased ON takedown_timers (locked_until) WHERE worker IS NOT NULL;

CREATE TABLE takedown_idem (
    key  text  PRIMARY KEY,
    data bytea NOT NULL
);

CREATE TABLE takedown_fired (
    id      bigserial PRIMARY KEY,
    case_id text      NOT NULL,
    data    bytea     NOT NULL
);
CREATE INDEX takedown_fired_case ON takedown_fired (case_id, id);
