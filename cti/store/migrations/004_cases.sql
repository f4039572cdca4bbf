-- 004: customers and cases ("trámites"), the contact centre's record.
--
-- A case belongs to a customer, spans interactions (interactions.case_id),
-- and carries its classification on four levels of the script catalogue,
-- its call type, status, owner, notes, attachments and derivations. Rows
-- are written by the projection of case and customer events
-- (cti/cases/projection.py) in the same transaction as the events.

-- Customers ---------------------------------------------------------------

-- The document number (national id, passport) a caller may key in.
ALTER TABLE customers ADD COLUMN document text;
CREATE UNIQUE INDEX customers_document_idx ON customers (document) WHERE document IS NOT NULL;

-- The numbers as the events give them ([{number, digits, label}]); the trigger
-- below keeps customer_phones (the lookup index) equal to this list.
ALTER TABLE customers ADD COLUMN phones jsonb NOT NULL DEFAULT '[]'
    CHECK (jsonb_typeof(phones) = 'array');
UPDATE customers c SET phones = coalesce(
    (SELECT jsonb_agg(jsonb_build_object('number', p.number, 'digits', p.digits,
                                         'label', p.label) ORDER BY p.number)
     FROM customer_phones p WHERE p.customer_id = c.id), '[]');

CREATE FUNCTION cti_customer_phones_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM customer_phones WHERE customer_id = NEW.id;
    INSERT INTO customer_phones (customer_id, digits, number, label)
    SELECT DISTINCT ON (e->>'digits') NEW.id, e->>'digits', e->>'number', e->>'label'
    FROM jsonb_array_elements(NEW.phones) e
    WHERE coalesce(e->>'digits', '') <> ''
    ORDER BY e->>'digits';
    RETURN NULL;
END $$;
CREATE TRIGGER customers_phones_sync AFTER INSERT OR UPDATE OF phones ON customers
    FOR EACH ROW EXECUTE FUNCTION cti_customer_phones_sync();

-- Callers nobody identified belong here until an agent assigns the right customer.
INSERT INTO customers (id, name, tier, attributes)
VALUES ('00000000-0000-0000-0000-000000000001', 'Unidentified caller', 'standard',
        '{"unidentified": true}')
ON CONFLICT (id) DO NOTHING;

-- Cases -------------------------------------------------------------------

CREATE TABLE cases (
    id               uuid PRIMARY KEY,
    customer_id      uuid NOT NULL REFERENCES customers (id),
    subject          text,
    topic            text,
    reason           text,
    sub_reason       text,
    question         text,
    call_type        text CHECK (call_type IN ('perfect', 'imperfect', 'improper',
                                               'extraordinary')),
    status           text NOT NULL DEFAULT 'open'
                     CHECK (status IN ('open', 'pending', 'closed')),
    status_at        timestamptz NOT NULL,
    status_by        text NOT NULL,
    resolution       text,
    unit             text,
    owner            text,
    opened_at        timestamptz NOT NULL,
    opened_by        text NOT NULL,
    closed_at        timestamptz,
    closed_by        text,
    follow_up_at     timestamptz,
    open_derivations integer NOT NULL DEFAULT 0 CHECK (open_derivations >= 0),
    updated_at       timestamptz NOT NULL,
    -- The service refuses to close a case without its four levels; so does the table.
    CONSTRAINT cases_closed_classified CHECK (
        status <> 'closed' OR call_type IS NOT DISTINCT FROM 'improper'
        OR (topic IS NOT NULL AND reason IS NOT NULL AND sub_reason IS NOT NULL
            AND question IS NOT NULL))
);
-- The screen-pop and the IVR: a customer's cases not closed, newest first.
CREATE INDEX cases_customer_open_idx ON cases (customer_id, opened_at DESC)
    INCLUDE (topic, status) WHERE status <> 'closed';
CREATE INDEX cases_customer_idx ON cases (customer_id, opened_at);
CREATE INDEX cases_unit_open_idx ON cases (unit, opened_at) WHERE status <> 'closed';
CREATE INDEX cases_owner_open_idx ON cases (owner, opened_at) WHERE status <> 'closed';
CREATE INDEX cases_closed_idx ON cases (closed_at) WHERE status = 'closed';
CREATE INDEX cases_follow_up_idx ON cases (follow_up_at)
    WHERE follow_up_at IS NOT NULL AND status <> 'closed';

-- An interaction belongs to at most one case (checked for new rows only).
ALTER TABLE interactions ADD CONSTRAINT interactions_case_fk
    FOREIGN KEY (case_id) REFERENCES cases (id) NOT VALID;
-- A customer's last interactions (screen-pop, FCR) use interactions_customer_idx.

-- Notes and attachments are append-only: what was written stays as written.
CREATE FUNCTION cti_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: rows are never changed or deleted', TG_TABLE_NAME
        USING ERRCODE = 'integrity_constraint_violation';
END $$;

CREATE TABLE case_notes (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    interaction_id  uuid,
    author          text NOT NULL,
    text            text NOT NULL CHECK (length(text) > 0),
    at              timestamptz NOT NULL
);
CREATE INDEX case_notes_case_idx ON case_notes (case_id, at);
CREATE TRIGGER case_notes_append_only BEFORE UPDATE OR DELETE ON case_notes
    FOR EACH ROW EXECUTE FUNCTION cti_append_only();
CREATE TRIGGER case_notes_no_truncate BEFORE TRUNCATE ON case_notes
    FOR EACH STATEMENT EXECUTE FUNCTION cti_append_only();

-- The content of attachments, by its SHA-256 (storage: database); written before
-- the event that names it, so a stored attachment always has its content.
CREATE TABLE attachment_blobs (
    sha256          text PRIMARY KEY CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size            bigint NOT NULL,
    content         bytea NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE case_attachments (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    name            text NOT NULL,
    content_type    text NOT NULL,
    size            bigint NOT NULL CHECK (size >= 0),
    sha256          text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    storage         text NOT NULL CHECK (storage IN ('database', 'directory')),
    added_by        text NOT NULL,
    at              timestamptz NOT NULL
);
CREATE INDEX case_attachments_case_idx ON case_attachments (case_id, at);
CREATE TRIGGER case_attachments_append_only BEFORE UPDATE OR DELETE ON case_attachments
    FOR EACH ROW EXECUTE FUNCTION cti_append_only();

-- A derivation sends the case to a unit; the case is pending until it answers.
CREATE TABLE case_derivations (
    id              uuid PRIMARY KEY,
    case_id         uuid NOT NULL REFERENCES cases (id),
    unit            text NOT NULL,
    reason          text NOT NULL,
    derived_by      text NOT NULL,
    derived_at      timestamptz NOT NULL,
    answer          text,
    answered_by     text,
    answered_at     timestamptz
);
CREATE INDEX case_derivations_case_idx ON case_derivations (case_id, derived_at);
CREATE INDEX case_derivations_unit_open_idx ON case_derivations (unit, derived_at)
    WHERE answered_at IS NULL;

-- First-contact resolution ----------------------------------------------------
--
-- Every case closed in [since, until) of an identified customer (not the
-- unidentified one; improper calls left out): its contacts (interactions
-- linked to it), the repeat contacts (inbound interactions of the same
-- customer on the same topic, not linked to this case, within `days` days
-- after its first contact) and whether it counts as resolved at first contact
-- (one contact, no repeat).
CREATE FUNCTION cti_fcr_cases(since timestamptz, until timestamptz, days integer)
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
        SELECT cl.*, count(i.id) AS contacts, min(i.created_at) AS first_at
        FROM closed cl LEFT JOIN interactions i ON i.case_id = cl.id
        GROUP BY cl.id, cl.customer_id, cl.topic, cl.closed_at
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
