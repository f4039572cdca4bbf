-- 001: the schema of the contact centre.
--
-- Ids are UUIDs chosen by the service before it writes, so a write retried
-- after a lost connection lands once (INSERT ... ON CONFLICT DO NOTHING).
-- Instants are timestamptz named *_at; durations are seconds.
-- Free-text vocabularies (queue names, agent ids, event kinds, states) are
-- owned by the configuration and the ACD, so they are checked for shape
-- here, not against a fixed list; the closed lists (status, channel,
-- direction, call outcome) are CHECK constraints.

-- Customers ---------------------------------------------------------------

CREATE TABLE customers (
    id              uuid PRIMARY KEY,
    name            text NOT NULL,
    account_number  text UNIQUE,
    tier            text NOT NULL DEFAULT 'standard',
    value           numeric(14, 2),
    attributes      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX customers_name_idx ON customers (lower(name));

-- Several numbers a customer; `digits` is the number reduced to its digits
-- without an international 00/+ prefix. Lookup is exact on digits, or on
-- the last 9 digits, which matches 0612345678 with +33612345678.
CREATE TABLE customer_phones (
    customer_id     uuid NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
    digits          text NOT NULL CHECK (digits ~ '^[0-9]+$'),
    number          text NOT NULL,
    label           text,
    PRIMARY KEY (customer_id, digits)
);
CREATE INDEX customer_phones_digits_idx ON customer_phones (digits);
CREATE INDEX customer_phones_suffix_idx ON customer_phones (right(digits, 9));

-- Interactions: a case ----------------------------------------------------

CREATE TABLE interactions (
    id              uuid PRIMARY KEY,
    channel         text NOT NULL DEFAULT 'voice' CHECK (channel IN ('voice', 'chat', 'email')),
    direction       text NOT NULL DEFAULT 'inbound'
                    CHECK (direction IN ('inbound', 'outbound')),
    customer_id     uuid REFERENCES customers (id) ON DELETE SET NULL,
    caller_number   text,
    caller_name     text,
    dialled_number  text,
    queue           text,
    agent_id        text,
    topic           text,
    reason          text,
    sub_reason      text,
    question        text,
    call_type       text,
    status          text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'pending', 'closed')),
    outcome         text,
    priority        integer NOT NULL DEFAULT 0,
    created_at      timestamptz NOT NULL DEFAULT now(),
    queued_at       timestamptz,
    answered_at     timestamptz,
    closed_at       timestamptz,
    node            text,
    uniqueid        text,
    linkedid        text,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX interactions_created_idx ON interactions (created_at);
CREATE INDEX interactions_queue_created_idx ON interactions (queue, created_at);
CREATE INDEX interactions_customer_idx ON interactions (customer_id, created_at);
CREATE INDEX interactions_open_idx ON interactions (status) WHERE status <> 'closed';
CREATE INDEX interactions_uniqueid_idx ON interactions (uniqueid);

-- What happened to a case, in order. `seq` breaks ties between equal `at`.
CREATE TABLE interaction_events (
    id              uuid PRIMARY KEY,
    interaction_id  uuid NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    kind            text NOT NULL CHECK (kind ~ '^[a-z][a-z0-9_-]*$'),
    actor           text,
    data            jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(data) = 'object'),
    at              timestamptz NOT NULL
);
CREATE INDEX interaction_events_interaction_idx ON interaction_events (interaction_id, at, seq);
CREATE INDEX interaction_events_kind_at_idx ON interaction_events (kind, at);

-- Call records: one per call leg the service handled -------------------------

CREATE TABLE call_records (
    id              uuid PRIMARY KEY,
    interaction_id  uuid REFERENCES interactions (id) ON DELETE SET NULL,
    queue           text,
    agent_id        text,
    node            text,
    uniqueid        text,
    caller          text,
    dnid            text,
    arrived_at      timestamptz NOT NULL,
    queued_at       timestamptz,
    offered_at      timestamptz,
    answered_at     timestamptz,
    ended_at        timestamptz,
    -- Waiting runs from queueing (or arrival) to answer (or hang-up).
    wait_seconds    double precision GENERATED ALWAYS AS (
                        extract(epoch FROM coalesce(answered_at, ended_at)
                                          - coalesce(queued_at, arrived_at))) STORED,
    talk_seconds    double precision GENERATED ALWAYS AS (
                        extract(epoch FROM ended_at - answered_at)) STORED,
    outcome         text CHECK (outcome IN ('answered', 'abandoned', 'overflow', 'voicemail',
                                            'callback', 'transferred', 'lost')),
    hangup_cause    integer,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX call_records_queue_arrived_idx ON call_records (queue, arrived_at);
CREATE INDEX call_records_arrived_idx ON call_records (arrived_at);
CREATE INDEX call_records_interaction_idx ON call_records (interaction_id);
CREATE INDEX call_records_agent_arrived_idx ON call_records (agent_id, arrived_at);

-- Agent states ------------------------------------------------------------

CREATE TABLE agent_state_history (
    id              uuid PRIMARY KEY,
    agent_id        text NOT NULL,
    state           text NOT NULL CHECK (state ~ '^[A-Z][A-Z_]*$'),
    reason          text,
    at              timestamptz NOT NULL,
    interaction_id  uuid REFERENCES interactions (id) ON DELETE SET NULL,
    seq             bigint GENERATED ALWAYS AS IDENTITY
);
CREATE INDEX agent_state_history_agent_at_idx ON agent_state_history (agent_id, at, seq);
CREATE INDEX agent_state_history_at_idx ON agent_state_history (at);

-- The latest state of each agent, to recover after a restart.
CREATE TABLE agent_current_state (
    agent_id        text PRIMARY KEY,
    state           text NOT NULL CHECK (state ~ '^[A-Z][A-Z_]*$'),
    reason          text,
    since           timestamptz NOT NULL,
    interaction_id  uuid REFERENCES interactions (id) ON DELETE SET NULL
);

-- Durable queue entries: callers waiting now -------------------------------

-- A row lives while the call waits; listing in (arrived_at, seq) order
-- rebuilds the queues after a restart with callers in their original order.
CREATE TABLE queue_entries (
    interaction_id  uuid PRIMARY KEY REFERENCES interactions (id) ON DELETE CASCADE,
    queue           text NOT NULL,
    priority        integer NOT NULL DEFAULT 0,
    arrived_at      timestamptz NOT NULL,
    requirements    jsonb NOT NULL DEFAULT '{}',
    attributes      jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    node            text,
    channel         text,
    is_callback     boolean NOT NULL DEFAULT false,
    callback_number text,
    seq             bigint GENERATED ALWAYS AS IDENTITY,
    CHECK (NOT is_callback OR callback_number IS NOT NULL)
);
CREATE INDEX queue_entries_order_idx ON queue_entries (arrived_at, seq);
CREATE INDEX queue_entries_queue_idx ON queue_entries (queue, arrived_at, seq);
