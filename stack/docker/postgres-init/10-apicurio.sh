#!/bin/sh
# Run by the postgres image once, when it initialises an empty data directory (docker-entrypoint-initdb.d): the
# schema registry's own role and database, so its SQL storage lives apart from the o2c data. The password comes
# from the container's APICURIO_DB_PASSWORD (docker-compose.yml), passed as a psql variable so it is quoted.
set -eu
psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --dbname "$POSTGRES_DB" -v pw="$APICURIO_DB_PASSWORD" <<'SQL'
CREATE ROLE apicurio LOGIN PASSWORD :'pw';
CREATE DATABASE apicurio OWNER apicurio;
SQL
