-- 003: one stream of domain events, and the records built from it.
--
-- The service gives every domain event a global sequence number (`seq`,
-- rising across restarts; `stream_state.epoch` names the stream) and writes
-- it here together with the rows it implies, in one transaction, so a fact
-- is stored once or not at all. The table is partitioned by month on `at`
-- (cti_ensure_partitions creates the partitions ahead; a default partition
-- catches anything outside them).

CREATE TABLE stream_state (
    id          integer PRIMARY KEY CHECK (id = 1),
    epoch       text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO stream_state (id, epoch) VALUES (1, md5(random()::text || clock_timestamp()::text));

CREATE TABLE events (
    seq             bigint NOT NULL,
    at              timestamptz NOT NULL,
    type            text NOT NULL CHECK (type ~ '^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*)+$'),
    version         smallint NOT NULL DEFAULT 1,
    interaction_id  uuid,
    case_id         uuid,
    customer_id     uuid,
    queue           text,
    agent_id        text,
    node            text,
    data            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
    PRIMARY KEY (seq, at)
) PARTITION BY RANGE (at);
CREATE TABLE events_default PARTITION OF events DEFAULT;
CREATE INDEX events_interaction_idx ON events (interaction_id, seq) WHERE interaction_id IS NOT NULL;
CREATE INDEX events_case_idx ON events (case_id, seq) WHERE case_id IS NOT NULL;
CREATE INDEX events_type_at_idx ON events (type, at);
CREATE INDEX events_seq_idx ON events (seq);

-- Monthly partitions of a table partitioned by range on a timestamptz, from the
-- month of `start` for `months` months; existing ones are left alone.
CREATE FUNCTION cti_ensure_partitions(parent text, start timestamptz, months integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', start AT TIME ZONE 'UTC')::date;
    made integer := 0;
    lo date;
    name text;
BEGIN
    FOR i IN 0 .. months - 1 LOOP
        lo := (first + make_interval(months => i))::date;
        name := format('%s_%s', parent, to_char(lo, 'YYYYMM'));
        IF to_regclass(name) IS NULL THEN
            EXECUTE format(
                'CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                name, parent, lo::timestamp AT TIME ZONE 'UTC',
                (lo + interval '1 month')::timestamp AT TIME ZONE 'UTC');
            made := made + 1;
        END IF;
    END LOOP;
    RETURN made;
END $$;

-- The events of earlier versions move into the stream, in their order.
INSERT INTO events (seq, at, type, interaction_id, data)
SELECT seq, at, 'legacy.' || replace(kind, '-', '_'), interaction_id,
       data || jsonb_build_object('actor', actor)
FROM interaction_events;
DROP TABLE interaction_events;

-- Interactions: the case they belong to, the disposition given at wrap-up.
ALTER TABLE interactions ADD COLUMN case_id uuid;
ALTER TABLE interactions ADD COLUMN disposition text;
ALTER TABLE interactions ADD COLUMN flow text;
CREATE INDEX interactions_case_idx ON interactions (case_id) WHERE case_id IS NOT NULL;

-- Call records: one row per visit of a queue (segment 0, then one more after
-- each overflow or transfer to a queue), so each queue counts the calls it
-- was offered. Talk ends when the agent's leg ends (a survey may follow).
ALTER TABLE call_records ADD COLUMN segment integer NOT NULL DEFAULT 0;
ALTER TABLE call_records ADD COLUMN linkedid text;
ALTER TABLE call_records ADD COLUMN direction text NOT NULL DEFAULT 'inbound';
ALTER TABLE call_records ADD COLUMN callback boolean NOT NULL DEFAULT false;
ALTER TABLE call_records ADD COLUMN priority integer NOT NULL DEFAULT 0;
ALTER TABLE call_records ADD COLUMN from_queue text;
ALTER TABLE call_records ADD COLUMN to_queue text;
ALTER TABLE call_records ADD COLUMN agent_left_at timestamptz;
ALTER TABLE call_records ADD COLUMN offers integer NOT NULL DEFAULT 0;
ALTER TABLE call_records DROP COLUMN talk_seconds;
ALTER TABLE call_records ADD COLUMN talk_seconds double precision GENERATED ALWAYS AS (
    extract(epoch FROM coalesce(agent_left_at, ended_at) - answered_at)) STORED;
ALTER TABLE call_records DROP CONSTRAINT call_records_outcome_check;
ALTER TABLE call_records ADD CONSTRAINT call_records_outcome_check
    CHECK (outcome IN ('answered', 'abandoned', 'overflow', 'voicemail', 'callback',
                       'transferred', 'lost', 'timeout'));

-- Every offer of a call to an agent: ring, answer, hold, talk, outcome.
CREATE TABLE call_offers (
    id              uuid PRIMARY KEY,
    interaction_id  uuid NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
    call_record_id  uuid,
    queue           text,
    agent_id        text NOT NULL,
    attempt         integer NOT NULL,
    callback        boolean NOT NULL DEFAULT false,
    offered_at      timestamptz NOT NULL,
    answered_at     timestamptz,
    ended_at        timestamptz,
    agent_left_at   timestamptz,
    outcome         text,
    hold_seconds    double precision NOT NULL DEFAULT 0,
    holds           integer NOT NULL DEFAULT 0,
    ring_seconds    double precision GENERATED ALWAYS AS (
                        extract(epoch FROM coalesce(answered_at, ended_at) - offered_at)) STORED,
    talk_seconds    double precision GENERATED ALWAYS AS (
                        extract(epoch FROM agent_left_at - answered_at)) STORED
);
CREATE INDEX call_offers_agent_idx ON call_offers (agent_id, offered_at);
CREATE INDEX call_offers_queue_idx ON call_offers (queue, offered_at);
CREATE INDEX call_offers_interaction_idx ON call_offers (interaction_id);

-- Restore needs the caller's number and the channel's Uniqueid of a waiting call.
ALTER TABLE queue_entries ADD COLUMN caller_number text;
ALTER TABLE queue_entries ADD COLUMN caller_name text;
ALTER TABLE queue_entries ADD COLUMN uniqueid text;
ALTER TABLE queue_entries ADD COLUMN segment integer NOT NULL DEFAULT 0;

ALTER TABLE agent_state_history ADD COLUMN event_seq bigint;

CREATE TABLE survey_answers (
    id              uuid PRIMARY KEY,
    interaction_id  uuid REFERENCES interactions (id) ON DELETE CASCADE,
    queue           text,
    agent_id        text,
    kind            text NOT NULL,
    score           integer NOT NULL,
    at              timestamptz NOT NULL
);
CREATE INDEX survey_answers_at_idx ON survey_answers (at);

CREATE TABLE recordings (
    id              uuid PRIMARY KEY,
    interaction_id  uuid NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
    file            text,
    started_at      timestamptz NOT NULL,
    stopped_at      timestamptz,
    paused_seconds  double precision NOT NULL DEFAULT 0,
    paused_at       timestamptz,
    deleted_at      timestamptz
);
CREATE INDEX recordings_interaction_idx ON recordings (interaction_id);
