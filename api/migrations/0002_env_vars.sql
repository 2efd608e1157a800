-- Environment variables per environment, values encrypted at rest (AES-256-GCM with GANTRY_ENCRYPTION_KEY).
-- A preview branch environment's own rows override its parent preview environment's.
create table env_vars (
  environment_id text not null references environments(id) on delete cascade,
  name text not null check (name ~ '^[A-Za-z_][A-Za-z0-9_]*$'),
  value_encrypted text not null,
  is_secret boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  primary key (environment_id, name)
);
