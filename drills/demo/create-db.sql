-- After the "disaster": an empty database, as docker compose's
-- POSTGRES_DB/POSTGRES_USER would create it, ready for pg_restore.
\set ON_ERROR_STOP on
\getenv mmpass RDRILL_DEMO_DB_PASSWORD
CREATE ROLE mmuser LOGIN PASSWORD :'mmpass';
CREATE DATABASE mattermost OWNER mmuser ENCODING 'UTF8' TEMPLATE template0;
