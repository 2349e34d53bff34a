-- 0004-pocs.sql - the points of contact (robot/pocs.c): one row per POC,
-- its e-mail addresses, phones and languages in child tables (in the order
-- the form gave them), and the counters that make identifiers never reused.

-- A POC. Its identifier is its State, its type's letter and a number
-- ('FR-T-1'); withdrawn POCs stay, marked, so an identifier names one POC
-- for ever. version is 1 at nomination and grows by one per change.
CREATE TABLE pocs (
	id TEXT PRIMARY KEY,
	state TEXT NOT NULL REFERENCES states(code),
	type TEXT NOT NULL CHECK (type IN ('diplomatic', 'technical', 'policy', 'law-enforcement')),
	number INTEGER NOT NULL CHECK (number >= 1),
	organisation TEXT NOT NULL,
	web TEXT,
	name TEXT,
	position TEXT,
	notes TEXT,
	status TEXT NOT NULL CHECK (status IN ('pending', 'active', 'unverified', 'withdrawn')),
	version INTEGER NOT NULL CHECK (version >= 1),
	created INTEGER NOT NULL,		-- seconds since the epoch, from the clock
	updated INTEGER NOT NULL,
	withdrawn_reason TEXT,
	UNIQUE (state, type, number),
	CHECK (id = state || '-' || CASE type WHEN 'diplomatic' THEN 'D' WHEN 'technical' THEN 'T'
		WHEN 'policy' THEN 'P' ELSE 'L' END || '-' || number),
	CHECK ((status = 'withdrawn') = (withdrawn_reason IS NOT NULL))
);

-- position: 0, 1, ... in the order written.
CREATE TABLE poc_emails (
	poc TEXT NOT NULL REFERENCES pocs(id),
	position INTEGER NOT NULL,
	address TEXT NOT NULL,			-- as written (an IDN domain kept in Unicode)
	PRIMARY KEY (poc, position)
);
CREATE INDEX poc_emails_by_address ON poc_emails(address COLLATE NOCASE);

CREATE TABLE poc_phones (
	poc TEXT NOT NULL REFERENCES pocs(id),
	position INTEGER NOT NULL,
	written TEXT NOT NULL,			-- as the State wrote it
	e164 TEXT,				-- '+...', or NULL when it could not be normalised
	PRIMARY KEY (poc, position)
);

CREATE TABLE poc_languages (
	poc TEXT NOT NULL REFERENCES pocs(id),
	position INTEGER NOT NULL,
	code TEXT NOT NULL,			-- ISO 639-1 (639-3 when there is none)
	PRIMARY KEY (poc, position)
);

-- The next number per State and type. Numbers only grow: a withdrawn
-- POC's number is never given again.
CREATE TABLE poc_counters (
	state TEXT NOT NULL REFERENCES states(code),
	type TEXT NOT NULL CHECK (type IN ('diplomatic', 'technical', 'policy', 'law-enforcement')),
	next INTEGER NOT NULL CHECK (next >= 1),
	PRIMARY KEY (state, type)
);
