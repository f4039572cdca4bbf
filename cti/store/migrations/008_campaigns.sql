-- 008: outbound campaigns (docs/outbound.md).
--
-- A campaign (its definition as validated JSON, its status) owns a list of
-- contacts imported from CSV; each call placed for a contact is an attempt, and
-- each attempt is an interaction (interactions.direction = 'outbound') with its
-- outcome. Do-not-call numbers are kept per scope: '' is the system list, any
-- other scope a campaign's own. Contacts and do-not-call numbers are written by
-- the import in one transaction (all rows or none); everything after that comes
-- from domain events (campaign.*, cti/campaigns/projection.py).

CREATE TABLE campaigns (
    name            text PRIMARY KEY,
    definition      jsonb NOT NULL CHECK (jsonb_typeof(definition) = 'object'),
    status          text NOT NULL DEFAULT 'created'
                    CHECK (status IN ('created', 'running', 'paused', 'stopped', 'finished')),
    created_at      timestamptz NOT NULL,
    created_by      text,
    status_at       timestamptz,
    status_by       text,
    status_reason   text,
    started_at      timestamptz        -- first start: the US 30-day periods count from it
);

CREATE TABLE campaign_contacts (
    id                uuid PRIMARY KEY,
    campaign          text NOT NULL REFERENCES campaigns (name) ON DELETE CASCADE,
    number            text NOT NULL,                  -- E.164
    time_zones        text[] NOT NULL DEFAULT '{}',   -- IANA zones of the number
    name              text,
    attributes        jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(attributes) = 'object'),
    line              integer,                        -- its line in the imported CSV
    import_id         uuid,
    status            text NOT NULL DEFAULT 'pending'
                      CHECK (status IN ('pending', 'dialing', 'done', 'failed', 'dnc',
                                        'cancelled')),
    attempts          integer NOT NULL DEFAULT 0,
    outcome_attempts  jsonb NOT NULL DEFAULT '{}',    -- attempts per outcome
    next_at           timestamptz,                    -- not dialled before (retry, lockout)
    agent_id          text,                           -- a callback for this agent only
    last_outcome      text,
    last_attempt_at   timestamptz,
    created_at        timestamptz NOT NULL,
    UNIQUE (campaign, number)
);
CREATE INDEX campaign_contacts_due_idx
    ON campaign_contacts (campaign, next_at NULLS FIRST, created_at, line)
    WHERE status = 'pending';
CREATE INDEX campaign_contacts_live_number_idx ON campaign_contacts (number)
    WHERE status IN ('pending', 'dialing');

CREATE TABLE campaign_attempts (
    interaction_id    uuid PRIMARY KEY,
    campaign          text NOT NULL,
    contact_id        uuid NOT NULL,
    attempt           integer NOT NULL,
    number            text NOT NULL,
    mode              text NOT NULL,
    agent_id          text,
    placed_at         timestamptz NOT NULL,
    answered_at       timestamptz,                    -- greeting over (AMD said HUMAN)
    amd_status        text,
    amd_cause         text,
    connected_at      timestamptz,
    to_agent_seconds  double precision,               -- greeting over -> agent connected
    abandoned_at      timestamptz,
    message_left      boolean NOT NULL DEFAULT false,
    ended_at          timestamptz,
    outcome           text
);
CREATE INDEX campaign_attempts_campaign_idx ON campaign_attempts (campaign, placed_at);

CREATE TABLE dnc_numbers (
    scope      text NOT NULL,                         -- '' system, else a campaign
    number     text NOT NULL,                         -- E.164
    added_at   timestamptz NOT NULL,
    added_by   text,
    source     text,
    PRIMARY KEY (scope, number)
);
CREATE INDEX dnc_numbers_number_idx ON dnc_numbers (number);
