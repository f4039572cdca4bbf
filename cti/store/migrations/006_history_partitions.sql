-- 006: agent state history partitioned by month, each state's end, and what
-- reports and retention need.
--
-- At 100 calls a second the service writes thousands of rows a second; the
-- event stream (003) and the agent state history are the largest and are only
-- appended to, so both are partitioned by month on `at`: a report on a month
-- reads that month's partition, and retention drops whole partitions
-- (cti_drop_partitions_before) instead of deleting rows.
--
-- Each state row also gets `ended_at`, the instant of the agent's next state
-- (NULL while it lasts), set by a trigger when the next one is written; a
-- WRAP_UP row that follows a call gets that call's interaction, and when it
-- ends its seconds are added to the offer the agent answered
-- (call_offers.wrap_seconds). Reports then sum durations without a window over
-- millions of rows, and a call's handle time (talk, hold, wrap-up) is on its offer.

ALTER TABLE agent_state_history RENAME TO agent_state_history_unpartitioned;
ALTER INDEX agent_state_history_pkey RENAME TO agent_state_history_unpartitioned_pkey;
ALTER INDEX agent_state_history_agent_at_idx RENAME TO agent_state_history_unpartitioned_agent_idx;
ALTER INDEX agent_state_history_at_idx RENAME TO agent_state_history_unpartitioned_at_idx;

CREATE TABLE agent_state_history (
    id              uuid NOT NULL,
    agent_id        text NOT NULL,
    state           text NOT NULL CHECK (state ~ '^[A-Z][A-Z_]*$'),
    reason          text,
    at              timestamptz NOT NULL,
    -- No foreign key: history outlives the interactions retention removes.
    interaction_id  uuid,
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    event_seq       bigint,
    ended_at        timestamptz,
    PRIMARY KEY (id, at)
) PARTITION BY RANGE (at);
CREATE TABLE agent_state_history_default PARTITION OF agent_state_history DEFAULT;
CREATE INDEX agent_state_history_agent_at_idx ON agent_state_history (agent_id, at, seq);
CREATE INDEX agent_state_history_at_idx ON agent_state_history (at);
-- The row each agent is in now (one per agent): found by the trigger below.
CREATE INDEX agent_state_history_open_idx ON agent_state_history (agent_id)
    WHERE ended_at IS NULL;
-- States that began before a report's period and lasted into it.
CREATE INDEX agent_state_history_ended_idx ON agent_state_history (ended_at);

-- Monthly partitions for the months the old table holds, and three ahead (the
-- service creates the months ahead at start and every day: see cti/store/retention.py).
DO $$
DECLARE
    oldest timestamptz := (SELECT min(at) FROM agent_state_history_unpartitioned);
    span interval := age(date_trunc('month', now()), date_trunc('month', oldest));
BEGIN
    IF oldest IS NULL THEN
        RETURN;
    END IF;
    PERFORM cti_ensure_partitions('agent_state_history', oldest,
                                  (extract(year FROM span) * 12 + extract(month FROM span))::int
                                  + 4);
END $$;

INSERT INTO agent_state_history (id, agent_id, state, reason, at, interaction_id, seq,
                                 event_seq, ended_at)
OVERRIDING SYSTEM VALUE
SELECT id, agent_id, state, reason, at,
       CASE WHEN state = 'WRAP_UP' AND interaction_id IS NULL
                 AND lag(state) OVER w = 'ON_CALL'
            THEN lag(interaction_id) OVER w ELSE interaction_id END,
       seq, event_seq, lead(at) OVER w
FROM agent_state_history_unpartitioned
WINDOW w AS (PARTITION BY agent_id ORDER BY at, seq);
-- Wrap-up seconds on the offer each wrap-up followed (the agent's last answered offer
-- of that interaction).
ALTER TABLE call_offers ADD COLUMN wrap_seconds double precision NOT NULL DEFAULT 0;
UPDATE call_offers o SET wrap_seconds = w.seconds
FROM (
    SELECT DISTINCT ON (o2.interaction_id, o2.agent_id) o2.id, w2.seconds
    FROM (SELECT interaction_id, agent_id, sum(extract(epoch FROM ended_at - at)) AS seconds
          FROM agent_state_history
          WHERE state = 'WRAP_UP' AND interaction_id IS NOT NULL AND ended_at IS NOT NULL
          GROUP BY 1, 2) w2
    JOIN call_offers o2 ON o2.interaction_id = w2.interaction_id
                       AND o2.agent_id = w2.agent_id AND o2.answered_at IS NOT NULL
    ORDER BY o2.interaction_id, o2.agent_id, o2.attempt DESC
) w
WHERE o.id = w.id;
SELECT setval(pg_get_serial_sequence('agent_state_history', 'seq'),
              greatest(coalesce((SELECT max(seq) FROM agent_state_history), 0), 1));
DROP TABLE agent_state_history_unpartitioned;

-- A new state ends the agent's previous one; a wrap-up after a call belongs to it,
-- and its seconds go on the offer the agent answered.
CREATE FUNCTION cti_agent_state_close_previous() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    previous record;
BEGIN
    IF NEW.ended_at IS NOT NULL THEN      -- a row moved between partitions
        RETURN NEW;
    END IF;
    WITH closed AS (
        UPDATE agent_state_history SET ended_at = NEW.at
        WHERE agent_id = NEW.agent_id AND ended_at IS NULL AND id <> NEW.id AND at <= NEW.at
        RETURNING state, interaction_id, at, seq)
    SELECT state, interaction_id, at INTO previous FROM closed
    ORDER BY at DESC, seq DESC LIMIT 1;
    IF NEW.state = 'WRAP_UP' AND NEW.interaction_id IS NULL
       AND previous.state = 'ON_CALL' THEN
        NEW.interaction_id := previous.interaction_id;
    ELSIF previous.state = 'WRAP_UP' AND previous.interaction_id IS NOT NULL THEN
        UPDATE call_offers SET wrap_seconds = wrap_seconds
                                              + extract(epoch FROM NEW.at - previous.at)
        WHERE id = (SELECT id FROM call_offers
                    WHERE interaction_id = previous.interaction_id
                      AND agent_id = NEW.agent_id AND answered_at IS NOT NULL
                    ORDER BY attempt DESC LIMIT 1);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER agent_state_history_close_previous BEFORE INSERT ON agent_state_history
    FOR EACH ROW EXECUTE FUNCTION cti_agent_state_close_previous();

-- cti_ensure_partitions, again: rows that landed in the default partition (the
-- service was not there to create the month ahead) move into the new month's
-- partition instead of stopping its creation.
CREATE OR REPLACE FUNCTION cti_ensure_partitions(parent text, start timestamptz, months integer)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    first date := date_trunc('month', start AT TIME ZONE 'UTC')::date;
    made integer := 0;
    lo date;
    lo_at timestamptz;
    hi_at timestamptz;
    name text;
    stray bigint;
BEGIN
    FOR i IN 0 .. months - 1 LOOP
        lo := (first + make_interval(months => i))::date;
        lo_at := lo::timestamp AT TIME ZONE 'UTC';
        hi_at := (lo + interval '1 month')::timestamp AT TIME ZONE 'UTC';
        name := format('%s_%s', parent, to_char(lo, 'YYYYMM'));
        CONTINUE WHEN to_regclass(name) IS NOT NULL;
        stray := 0;
        IF to_regclass(parent || '_default') IS NOT NULL THEN
            EXECUTE format('SELECT count(*) FROM %I WHERE at >= %L AND at < %L',
                           parent || '_default', lo_at, hi_at) INTO stray;
        END IF;
        IF stray > 0 THEN
            EXECUTE format('CREATE TEMP TABLE cti_moving ON COMMIT DROP AS '
                           'WITH moved AS (DELETE FROM %I WHERE at >= %L AND at < %L '
                           'RETURNING *) SELECT * FROM moved',
                           parent || '_default', lo_at, hi_at);
        END IF;
        EXECUTE format('CREATE TABLE %I PARTITION OF %I FOR VALUES FROM (%L) TO (%L)',
                       name, parent, lo_at, hi_at);
        IF stray > 0 THEN
            EXECUTE format('INSERT INTO %I OVERRIDING SYSTEM VALUE SELECT * FROM cti_moving',
                           parent);
            DROP TABLE cti_moving;
        END IF;
        made := made + 1;
    END LOOP;
    RETURN made;
END $$;

-- Retention of a partitioned table: drop its monthly partitions that end at or
-- before `before`, and delete older rows from its default partition. Returns
-- the partitions dropped.
CREATE FUNCTION cti_drop_partitions_before(parent text, before timestamptz)
RETURNS integer LANGUAGE plpgsql AS $$
DECLARE
    part record;
    dropped integer := 0;
BEGIN
    FOR part IN
        SELECT c.relname
        FROM pg_inherits i
        JOIN pg_class c ON c.oid = i.inhrelid
        JOIN pg_class p ON p.oid = i.inhparent
        WHERE p.relname = parent AND c.relname ~ ('^' || parent || '_[0-9]{6}$')
        ORDER BY c.relname
    LOOP
        IF (to_date(right(part.relname, 6), 'YYYYMM') + interval '1 month')::timestamp
           AT TIME ZONE 'UTC' <= before THEN
            EXECUTE format('DROP TABLE %I', part.relname);
            dropped := dropped + 1;
        END IF;
    END LOOP;
    IF to_regclass(parent || '_default') IS NOT NULL THEN
        EXECUTE format('DELETE FROM %I WHERE at < %L', parent || '_default', before);
    END IF;
    RETURN dropped;
END $$;

-- Reports ---------------------------------------------------------------------

-- Offers by time for every agent at once (the per-agent index leads with the agent).
CREATE INDEX call_offers_offered_idx ON call_offers (offered_at);
-- Answered offers of a queue visit (handle time per visit).
CREATE INDEX call_offers_record_idx ON call_offers (call_record_id) WHERE answered_at IS NOT NULL;
-- Cases opened in a period (per unit or topic).
CREATE INDEX cases_opened_idx ON cases (opened_at);
-- Retention of interactions by age.
CREATE INDEX interactions_closed_idx ON interactions (closed_at) WHERE closed_at IS NOT NULL;
-- A case's contacts (first-contact resolution).
CREATE INDEX interactions_case_created_idx ON interactions (case_id, created_at)
    WHERE case_id IS NOT NULL;

-- cti_fcr_cases (004), the same figures read faster: each closed case's contacts are
-- looked up by the index above instead of joining every interaction.
CREATE OR REPLACE FUNCTION cti_fcr_cases(since timestamptz, until timestamptz, days integer)
RETURNS TABLE (case_id uuid, customer_id uuid, topic text, closed_at timestamptz,
               first_contact_at timestamptz, contacts bigint, repeat_contacts bigint,
               resolved boolean)
LANGUAGE sql STABLE AS $$
    WITH closed AS (
        SELECT c.id, c.customer_id, c.topic, c.closed_at
        FROM cases c
        WHERE c.status = 'closed' AND c.closed_at >= since AND c.closed_at < until
          AND c.customer_id <> '00000000-0000-0000-0000-000000000001'
          AND c.call_type IS DISTINCT FROM 'improper'
    ), counted AS (
        SELECT cl.*, x.contacts, x.first_at
        FROM closed cl
        CROSS JOIN LATERAL (SELECT count(*) AS contacts, min(i.created_at) AS first_at
                            FROM interactions i WHERE i.case_id = cl.id) x
    ), repeats AS (
        SELECT ct.*, (
            SELECT count(*)
            FROM interactions r LEFT JOIN cases rc ON rc.id = r.case_id
            WHERE r.customer_id = ct.customer_id
              AND r.direction = 'inbound'
              AND r.case_id IS DISTINCT FROM ct.id
              AND r.created_at > ct.first_at
              AND r.created_at <= ct.first_at + make_interval(days => days)
              AND coalesce(rc.topic, r.topic) = ct.topic) AS repeat_contacts
        FROM counted ct
    )
    SELECT id, customer_id, topic, closed_at, first_at, contacts, repeat_contacts,
           contacts = 1 AND repeat_contacts = 0
    FROM repeats
$$;
