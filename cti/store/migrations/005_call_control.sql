-- 005: call control. Callbacks agreed for later, and what supervisors switched
-- (closed queues, the centre's night or emergency mode), so both survive a restart.
-- Rows come from domain events (cti/records.py): callback.scheduled / .cancelled /
-- .started, queue.closed / .opened, centre.mode_changed.

CREATE TABLE scheduled_callbacks (
    id                      uuid PRIMARY KEY,
    number                  text NOT NULL,
    due_at                  timestamptz NOT NULL,
    queue                   text NOT NULL,
    agent_id                text,
    note                    text,
    origin_interaction_id   uuid,
    status                  text NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'started', 'cancelled')),
    interaction_id          uuid,
    created_at              timestamptz NOT NULL,
    created_by              text,
    ended_at                timestamptz,
    cancelled_by            text
);
CREATE INDEX scheduled_callbacks_pending_idx ON scheduled_callbacks (due_at)
    WHERE status = 'pending';

CREATE TABLE control_settings (
    key         text PRIMARY KEY,
    value       jsonb NOT NULL CHECK (jsonb_typeof(value) = 'object'),
    changed_by  text,
    changed_at  timestamptz NOT NULL
);
