-- Dashboard sign-in sessions. The browser holds a random token in an HttpOnly cookie; only its sha256 is
-- stored. Each session carries its own CSRF token, sent back by the dashboard in x-gantry-csrf on writes.
create table dashboard_sessions (
  id text primary key,
  token_hash text not null unique,
  user_id text not null references users(id) on delete cascade,
  csrf_token text not null,
  user_agent text,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  expires_at timestamptz not null
);
create index dashboard_sessions_user on dashboard_sessions (user_id);
create index dashboard_sessions_expires on dashboard_sessions (expires_at);
