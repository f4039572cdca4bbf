-- 007: who may use the API (users, sessions, API keys), what they did (audit
-- log), where events are pushed (webhooks), quality reviews, hot desks.
--
-- Users are not agents: an agent user is linked to an agent of agents.yaml,
-- a supervisor lists the queues and units it supervises. Written by the API
-- and by `cti user`; a trigger tells the running service (NOTIFY cti_users)
-- so a disabled user or a revoked session loses its sockets at once.

CREATE TABLE users (
    id               text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9_.@-]{0,63}$'),
    name             text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    role             text NOT NULL CHECK (role IN ('agent', 'supervisor', 'admin')),
    agent_id         text,
    queues           text[] NOT NULL DEFAULT '{}',
    units            text[] NOT NULL DEFAULT '{}',
    password_hash    text NOT NULL,
    disabled         boolean NOT NULL DEFAULT false,
    created_at       timestamptz NOT NULL DEFAULT now(),
    updated_at       timestamptz NOT NULL DEFAULT now(),
    CHECK (role <> 'agent' OR agent_id IS NOT NULL)
);
CREATE UNIQUE INDEX users_agent_idx ON users (agent_id) WHERE agent_id IS NOT NULL;

-- One row per sign-in; tokens name their session, so revoking it revokes them.
CREATE TABLE user_sessions (
    id               uuid PRIMARY KEY,
    user_id          text NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    address          text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    expires_at       timestamptz NOT NULL,
    revoked_at       timestamptz,
    revoked_why      text
);
CREATE INDEX user_sessions_user_idx ON user_sessions (user_id) WHERE revoked_at IS NULL;

-- Keys of systems (a CRM): ``ctik_<id>_<secret>``; only the secret's SHA-256 is kept.
CREATE TABLE api_keys (
    id               text PRIMARY KEY CHECK (id ~ '^[a-z0-9]{8,32}$'),
    name             text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    secret_sha256    bytea NOT NULL,
    scopes           text[] NOT NULL,
    created_by       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    revoked_at       timestamptz,
    last_used_at     timestamptz
);

-- The key tokens are signed with when auth.token_secret is not set.
CREATE TABLE signing_keys (
    id               smallint PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    secret           bytea NOT NULL CHECK (length(secret) >= 32),
    created_at       timestamptz NOT NULL DEFAULT now()
);

-- Every command through the API: who, from where, what, the result.
CREATE TABLE audit_log (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at               timestamptz NOT NULL,
    actor            text NOT NULL,
    role             text,
    address          text,
    via              text NOT NULL,
    command          text NOT NULL,
    target           text,
    args             jsonb NOT NULL DEFAULT '{}',
    ok               boolean NOT NULL,
    error            text,
    message          text
);
CREATE INDEX audit_log_at_idx ON audit_log (at);
CREATE INDEX audit_log_actor_idx ON audit_log (actor, at);
CREATE INDEX audit_log_command_idx ON audit_log (command, at);

-- Push subscriptions of systems; the secret signs deliveries, so it is kept.
CREATE TABLE webhooks (
    id               text PRIMARY KEY,
    url              text NOT NULL CHECK (url ~ '^https?://'),
    events           text[] NOT NULL,
    secret           text NOT NULL,
    created_by       text,
    created_at       timestamptz NOT NULL DEFAULT now(),
    deleted_at       timestamptz,
    failures         integer NOT NULL DEFAULT 0,
    delivered        bigint NOT NULL DEFAULT 0,
    dropped          bigint NOT NULL DEFAULT 0,
    last_error       text,
    last_failure_at  timestamptz,
    last_success_at  timestamptz
);

-- Quality reviews of recorded calls, on the interaction (a form from cti.yaml).
CREATE TABLE quality_reviews (
    id               uuid PRIMARY KEY,
    interaction_id   uuid NOT NULL REFERENCES interactions (id) ON DELETE CASCADE,
    agent_id         text,
    reviewer         text NOT NULL,
    form             text NOT NULL,
    scores           jsonb NOT NULL,
    score            integer NOT NULL,
    max_score        integer NOT NULL,
    comment          text,
    at               timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX quality_reviews_interaction_idx ON quality_reviews (interaction_id);
CREATE INDEX quality_reviews_agent_idx ON quality_reviews (agent_id, at);

-- The phone each agent chose at its desktop (hot-desking), restored at start.
CREATE TABLE agent_desks (
    agent_id         text PRIMARY KEY,
    endpoint         text NOT NULL,
    chosen_by        text,
    chosen_at        timestamptz NOT NULL DEFAULT now()
);

CREATE FUNCTION cti_users_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('cti_users', 'user:' || coalesce(NEW.id, OLD.id));
    ELSIF TG_TABLE_NAME = 'user_sessions' THEN
        PERFORM pg_notify('cti_users', 'session:' || coalesce(NEW.id, OLD.id)::text);
    ELSE
        PERFORM pg_notify('cti_users', 'key:' || coalesce(NEW.id, OLD.id));
    END IF;
    RETURN NULL;
END $$;
CREATE TRIGGER users_notify AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION cti_users_notify();
CREATE TRIGGER user_sessions_notify AFTER UPDATE OF revoked_at OR DELETE ON user_sessions
    FOR EACH ROW EXECUTE FUNCTION cti_users_notify();
CREATE TRIGGER api_keys_notify AFTER UPDATE OF revoked_at OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION cti_users_notify();
