-- 0002-states.sql - the States that take part in the directory, by code.
-- Their names are reference data (db/states.tsv, compiled in), not rows here,
-- so that a fix to a name needs no migration.
CREATE TABLE states (
	code TEXT PRIMARY KEY,			-- ISO 3166-1 alpha-2, upper case
	added INTEGER NOT NULL			-- seconds since the epoch, from the clock
);
