-- schema13.sql - a database made by pocbot at schema 13 (tests/data/make-schema.sh);
-- migration tests load it. Generated: do not edit.
PRAGMA user_version = 13;
PRAGMA foreign_keys=OFF;
BEGIN TRANSACTION;
CREATE TABLE messages (
	id INTEGER PRIMARY KEY,
	hash TEXT NOT NULL UNIQUE,		-- SHA-256 (hex) of envelope and content
	spool_id TEXT NOT NULL,
	message_id TEXT,			-- the Message-ID header, bounded
	sender TEXT NOT NULL,			-- envelope sender, '' for <>
	recipients TEXT NOT NULL,		-- envelope recipients, space-separated
	received INTEGER NOT NULL,		-- seconds since the epoch, from the clock
	kind TEXT NOT NULL,			-- command, bounce, autoreply, loop, refused
	outcome TEXT NOT NULL,			-- answered, silent, rate-limited, ...
	reason TEXT
);
INSERT INTO messages VALUES(1,'3dcaf5fef384d556c3bf295cef7f3e0939209a373be51d56d25059f314c2c9d5','1796660341.111518.P9953.Ra000aba6','e292ccddaeeb77c2@test.example','alice@fr.example','pocbot@robot.test',1796660336,'command','answered','signed');
INSERT INTO messages VALUES(2,'1bb4a1ee48becf5137a25af229353fc890b25698f1e9d82bee0c763fa636d5e5','1796660343.896155.P10136.Rc6ed9a94','answer.zhaura4djsgfe6ef7ke5abn5b2@fr.example','cert@fr.example','ping+zhaura4djsgfe6ef7ke5abn5b2@robot.test',1796660936,'command','silent','answer to a ping');
INSERT INTO messages VALUES(3,'8ce6240718f5ba2ed75dde943844944312ad5a4c702d896156c58792ac065a49','1796660344.606583.P10167.R7fe70da5','dsn.ao2myej6gnncbggrfct75cna7u@mx.fr.example','','bounces+ao2myej6gnncbggrfct75cna7u@robot.test',1796660936,'bounce','silent','bounce');
INSERT INTO messages VALUES(4,'6c8d7a5793d25151e6c2859da910eaab0131375fc081384e663d5fcaf07b280a','1796660345.758476.P10246.Rd7882bff','dbddcd6829e419c2@test.example','alice@fr.example','pocbot@robot.test',1796660936,'command','answered','signed');
INSERT INTO messages VALUES(5,'6fa957cdb31047ba588095f5dafed843a8eae3f0103e9ad9bc2e577c8b218e94','1796660360.491386.P11280.R43373bc3','781a7a9145501bfa@test.example','alice@fr.example','pocbot@robot.test',1797873656,'command','answered','signed');
INSERT INTO messages VALUES(6,'49aeae1a9f8b84d9a5485efb95f7627f0bd3012024608fd936508a9ac77a298a','1796660362.345569.P11413.R0bff588a','answer.i2gtx5zvtnhe3kjyhl3gttctb3@fr.example','gone@fr.example','ping+i2gtx5zvtnhe3kjyhl3gttctb3@robot.test',1797873656,'command','silent','answer to a ping');
CREATE TABLE spool_failures (
	spool_id TEXT PRIMARY KEY,
	attempts INTEGER NOT NULL,
	last_error TEXT,
	updated INTEGER NOT NULL
);
CREATE TABLE states (
	code TEXT PRIMARY KEY,			-- ISO 3166-1 alpha-2, upper case
	added INTEGER NOT NULL			-- seconds since the epoch, from the clock
);
INSERT INTO states VALUES('FR',1796660336);
INSERT INTO states VALUES('CH',1796660336);
CREATE TABLE seen_signatures (
	replay_key TEXT PRIMARY KEY,
	message_hash TEXT NOT NULL,
	seen INTEGER NOT NULL
);
INSERT INTO seen_signatures VALUES('d28f98976d7143063db2d1ff6192d13bc530ac7a1316accd6f9ba08625c95f92','3dcaf5fef384d556c3bf295cef7f3e0939209a373be51d56d25059f314c2c9d5',1796660336);
INSERT INTO seen_signatures VALUES('f8a7e2deb8f6eb29ab72a042e0dc1bed056253916fca3b0074e913d655bc4c16','6c8d7a5793d25151e6c2859da910eaab0131375fc081384e663d5fcaf07b280a',1796660936);
INSERT INTO seen_signatures VALUES('1a8f90d5a151fb16ee070ed5f73acb73c8e577c3171971b44aafd3b47eca3099','6fa957cdb31047ba588095f5dafed843a8eae3f0103e9ad9bc2e577c8b218e94',1797873656);
CREATE TABLE events (
	id INTEGER PRIMARY KEY AUTOINCREMENT,
	at INTEGER NOT NULL,			-- seconds since the epoch, from the clock
	actor TEXT NOT NULL,			-- custodian, a signer's fingerprint, robot
	state TEXT,				-- the State it concerns, or NULL
	action TEXT NOT NULL,			-- signer-add, signer-revoke, ...
	detail TEXT,
	prev_hash TEXT NOT NULL,
	hash TEXT NOT NULL
, hash_version INTEGER NOT NULL DEFAULT 1, detail_hash TEXT);
INSERT INTO events VALUES(1,1796660336,'custodian','FR','signer-add','openpgp 208C9F9FDC5419C06C72F6206908FB4C5A3E192E as authority, alice@fr.example','0000000000000000000000000000000000000000000000000000000000000000','b07016f8faad421f19d41f32e09a57fb818e235d8461ad9e71a645fd0823bc4d',2,'3e9e569b3a59ce9d7d1b164bfae38f94c6286421380bac2b25f6f9482c4dbb36');
INSERT INTO events VALUES(2,1796660336,'custodian',NULL,'signer-add','openpgp B5ADDD29E123E96FC3C4F7DB4B01FD56CD61DED3 as custodian, carol@un.example','b07016f8faad421f19d41f32e09a57fb818e235d8461ad9e71a645fd0823bc4d','25ed5f451144ec578e6980940a43a99abb78d63b67d86dc12df88d8b6218a74b',2,'513b84fba66c5d0ce2c7241fa6fe329bbd9e3469408ec0108218cbce3f83448c');
INSERT INTO events VALUES(3,1796660336,'208C9F9FDC5419C06C72F6206908FB4C5A3E192E','FR','poc-nominate','{"message":"3dcaf5fef384d556c3bf295cef7f3e0939209a373be51d56d25059f314c2c9d5","before":null,"after":{"id":"FR-T-1","state":"FR","type":"technical","organisation":"CERT one","web":null,"emails":["cert@fr.example"],"phones":[{"written":"+33 1 00 00 00 01","e164":"+33100000001"}],"languages":[],"name":null,"position":null,"notes":null,"status":"pending","version":1,"created":"2026-12-07T16:18:56Z","updated":"2026-12-07T16:18:56Z","withdrawn_reason":null}}','25ed5f451144ec578e6980940a43a99abb78d63b67d86dc12df88d8b6218a74b','6008a8b7cc5e9b916e23eeb7c319154e4c23064a3c8707910bf0f6d80fcc1e2c',2,'64dacb4415449aef3e90814d508f081d2056c8fb53709f1376494e4d3ddddd3e');
INSERT INTO events VALUES(4,1796660336,'208C9F9FDC5419C06C72F6206908FB4C5A3E192E','FR','poc-nominate','{"message":"3dcaf5fef384d556c3bf295cef7f3e0939209a373be51d56d25059f314c2c9d5","before":null,"after":{"id":"FR-T-2","state":"FR","type":"technical","organisation":"CERT two","web":null,"emails":["gone@fr.example","alt@fr.example"],"phones":[{"written":"+33 1 00 00 00 02","e164":"+33100000002"}],"languages":[],"name":null,"position":null,"notes":null,"status":"pending","version":1,"created":"2026-12-07T16:18:56Z","updated":"2026-12-07T16:18:56Z","withdrawn_reason":null}}','6008a8b7cc5e9b916e23eeb7c319154e4c23064a3c8707910bf0f6d80fcc1e2c','a23a6c3e7cb1edfbbed54268e4c6badb0255de6eefead22e205bb46e294db57e',2,'139004f194ff66774a348395fbf8b11c30d9360e557925060d7bcdc417a1a4fc');
INSERT INTO events VALUES(5,1796660336,'208C9F9FDC5419C06C72F6206908FB4C5A3E192E','FR','poc-nominate','{"message":"3dcaf5fef384d556c3bf295cef7f3e0939209a373be51d56d25059f314c2c9d5","before":null,"after":{"id":"FR-P-1","state":"FR","type":"policy","organisation":"Policy","web":null,"emails":["wd@fr.example"],"phones":[{"written":"+33 1 00 00 00 03","e164":"+33100000003"}],"languages":[],"name":null,"position":null,"notes":null,"status":"pending","version":1,"created":"2026-12-07T16:18:56Z","updated":"2026-12-07T16:18:56Z","withdrawn_reason":null}}','a23a6c3e7cb1edfbbed54268e4c6badb0255de6eefead22e205bb46e294db57e','177e688c7eafc9135b52dbaaed9dfef686a986fe198e4dd78db97d3b5ad2aba2',2,'3219fece9410596f96507526533763364eaee13cbf3b70a72ab14dce8cfa609e');
INSERT INTO events VALUES(6,1796660336,'208C9F9FDC5419C06C72F6206908FB4C5A3E192E','FR','poc-nominate','{"message":"3dcaf5fef384d556c3bf295cef7f3e0939209a373be51d56d25059f314c2c9d5","before":null,"after":{"id":"FR-D-1","state":"FR","type":"diplomatic","organisation":"Mission","web":null,"emails":["quiet1@fr.example"],"phones":[{"written":"+33 1 00 00 00 04","e164":"+33100000004"}],"languages":[],"name":null,"position":null,"notes":null,"status":"pending","version":1,"created":"2026-12-07T16:18:56Z","updated":"2026-12-07T16:18:56Z","withdrawn_reason":null}}','177e688c7eafc9135b52dbaaed9dfef686a986fe198e4dd78db97d3b5ad2aba2','5e745ae534edb49cbf94e8c2e069a407436d874d339d2ca98e5d008fbefc1a5a',2,'befd90bd7c45c250aa9e58576e9a2cab8a4149b5bacf65261caa88f5425714b1');
INSERT INTO events VALUES(7,1796660336,'208C9F9FDC5419C06C72F6206908FB4C5A3E192E','FR','poc-nominate','{"message":"3dcaf5fef384d556c3bf295cef7f3e0939209a373be51d56d25059f314c2c9d5","before":null,"after":{"id":"FR-L-1","state":"FR","type":"law-enforcement","organisation":"Police","web":null,"emails":["quiet2@fr.example"],"phones":[{"written":"+33 1 00 00 00 05","e164":"+33100000005"}],"languages":[],"name":null,"position":null,"notes":null,"status":"pending","version":1,"created":"2026-12-07T16:18:56Z","updated":"2026-12-07T16:18:56Z","withdrawn_reason":null}}','5e745ae534edb49cbf94e8c2e069a407436d874d339d2ca98e5d008fbefc1a5a','54c64f077b35f48c156593e4ba2a3c6330d2c13bb888411c4fecf35f1e842a7e',2,'a3ec41a1ef0bd821d8fba7a5a7aed8269466319061d99bec7c94385c88c0524d');
INSERT INTO events VALUES(8,1796660936,'ping','FR','poc-verified','{"poc": "FR-T-1", "before": "pending", "after": "active", "message": "1bb4a1ee48becf5137a25af229353fc890b25698f1e9d82bee0c763fa636d5e5", "ping": 10, "address": "cert@fr.example", "from": "cert@fr.example"}','54c64f077b35f48c156593e4ba2a3c6330d2c13bb888411c4fecf35f1e842a7e','d754629dbbaf61cdfbdad63dccfb4846e1257db2a28bb5c037143eca9264c569',2,'0a20c7a6f04dc1db7580eb914ac2b607c7b0a506f47bbc8d80c013549671030a');
INSERT INTO events VALUES(9,1796660936,'ping','FR','address-undeliverable','{"poc": "FR-T-2", "message": "8ce6240718f5ba2ed75dde943844944312ad5a4c702d896156c58792ac065a49", "ping": 11, "address": "gone@fr.example", "status": "5.1.1"}','d754629dbbaf61cdfbdad63dccfb4846e1257db2a28bb5c037143eca9264c569','e24abbfc22b8b8bdbeaf7bb66e96abac36444382b8c95a36cf1fd699684bcb6a',2,'1ede7f3ae20409db11bd30fdfcb025210801b01bd5e53f972ad554f9e7c15e91');
INSERT INTO events VALUES(10,1796660936,'208C9F9FDC5419C06C72F6206908FB4C5A3E192E','FR','poc-withdraw','{"message":"6c8d7a5793d25151e6c2859da910eaab0131375fc081384e663d5fcaf07b280a","before":{"id":"FR-P-1","state":"FR","type":"policy","organisation":"Policy","web":null,"emails":["wd@fr.example"],"phones":[{"written":"+33 1 00 00 00 03","e164":"+33100000003"}],"languages":[],"name":null,"position":null,"notes":null,"status":"pending","version":1,"created":"2026-12-07T16:18:56Z","updated":"2026-12-07T16:18:56Z","withdrawn_reason":null},"after":{"id":"FR-P-1","state":"FR","type":"policy","organisation":"Policy","web":null,"emails":["wd@fr.example"],"phones":[{"written":"+33 1 00 00 00 03","e164":"+33100000003"}],"languages":[],"name":null,"position":null,"notes":null,"status":"withdrawn","version":2,"created":"2026-12-07T16:18:56Z","updated":"2026-12-07T16:28:56Z","withdrawn_reason":"the ministry was merged"}}','e24abbfc22b8b8bdbeaf7bb66e96abac36444382b8c95a36cf1fd699684bcb6a','babb20f2c9c4457c02edf22dd6e53ce4294497654c966689c1cb1a30c97dc6bc',2,'36c37a18dd479998010b4731538d1c59551d2988920e8fda2d3dc6adf17f6d2a');
INSERT INTO events VALUES(11,1796660936,'robot','FR','poc-pings-cancelled','{"poc": "FR-P-1", "outbox_cancelled": 0}','babb20f2c9c4457c02edf22dd6e53ce4294497654c966689c1cb1a30c97dc6bc','f30274155c26a1a73203bc3bdeb8e0ce7cca931b6fa3bc35744249c95a4032d4',2,'5b67354c7fd45abb2b13c3c64ea74b38c44e04c18a8a7f7a6fcac88468e22c0b');
INSERT INTO events VALUES(12,1797869996,'robot','FR','poc-unverified','{"poc": "FR-T-2", "before": "pending", "after": "unverified", "ping": "rh5rrtctnc6djiy4abhidgyenm"}','f30274155c26a1a73203bc3bdeb8e0ce7cca931b6fa3bc35744249c95a4032d4','f106737eeaf2247bbffe4f6f8c08f8614c6d7ef214910fa7831bd2c53696ac2e',2,'02ef5a8774e40e2dc553a5e0a5eff504e3b798b2dcdab7841f303f21e0fab676');
INSERT INTO events VALUES(13,1797869996,'robot','FR','poc-unverified','{"poc": "FR-D-1", "before": "pending", "after": "unverified", "ping": "4qc2a2fnlypeiuaekg3oabgdnf"}','f106737eeaf2247bbffe4f6f8c08f8614c6d7ef214910fa7831bd2c53696ac2e','b459342bfdc0c4776bb9e75f8a983531b7ae6c90327caedfe72e60adc6ab8969',2,'190a078e9fa3a3280c46e16da266fc6b412913bc0bc5c22d8b50d185824a8b63');
INSERT INTO events VALUES(14,1797869996,'robot','FR','poc-unverified','{"poc": "FR-L-1", "before": "pending", "after": "unverified", "ping": "7u5cxm7qftnn5z4feuvhyhtw6d"}','b459342bfdc0c4776bb9e75f8a983531b7ae6c90327caedfe72e60adc6ab8969','f3502816cf133fec0427f078145afafc55811f2a04511b61b5fd8ddb23d2ec65',2,'289ceb3fe1ab8c9c49b4215127a2327309c5a045c28a78e38228f3c21c1125eb');
INSERT INTO events VALUES(15,1797873656,'custodian','FR','poc-recheck','{"poc": "FR-T-2", "ping": "i2gtx5zvtnhe3kjyhl3gttctb3"}','f3502816cf133fec0427f078145afafc55811f2a04511b61b5fd8ddb23d2ec65','ccfb9d88a69371456ee1a9d4fbe7259402e00865b3af308a4c789209e8988b72',2,'db24d96386ced18ccc56957f46095961b423d3feb46a8317d6d07808aca9bf1b');
INSERT INTO events VALUES(16,1797873656,'ping','FR','address-deliverable','{"poc": "FR-T-2", "message": "49aeae1a9f8b84d9a5485efb95f7627f0bd3012024608fd936508a9ac77a298a", "ping": 17, "address": "gone@fr.example", "from": "gone@fr.example"}','ccfb9d88a69371456ee1a9d4fbe7259402e00865b3af308a4c789209e8988b72','f7ff5eda05d51c5345587001dfc37cc829c2a736418cdc8db8418d98e23c37c8',2,'dc2a619d594561304e1bf822a38a925f563c7a11d2adb223f82188daa2ae3f06');
INSERT INTO events VALUES(17,1797873656,'ping','FR','poc-verified','{"poc": "FR-T-2", "before": "unverified", "after": "active", "message": "49aeae1a9f8b84d9a5485efb95f7627f0bd3012024608fd936508a9ac77a298a", "ping": 17, "address": "gone@fr.example", "from": "gone@fr.example"}','f7ff5eda05d51c5345587001dfc37cc829c2a736418cdc8db8418d98e23c37c8','aa3d0ff5c4b09bb54f8ab90a178ff6457e87a65686870dc2849e7833ab77b35f',2,'9c44fa9fff7f3b1a9b7564fb4be15dd789176bcadfac91bcf14960d97fc97136');
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
	withdrawn_reason TEXT, redacted INTEGER,
	UNIQUE (state, type, number),
	CHECK (id = state || '-' || CASE type WHEN 'diplomatic' THEN 'D' WHEN 'technical' THEN 'T'
		WHEN 'policy' THEN 'P' ELSE 'L' END || '-' || number),
	CHECK ((status = 'withdrawn') = (withdrawn_reason IS NOT NULL))
);
INSERT INTO pocs VALUES('FR-T-1','FR','technical',1,'CERT one',NULL,NULL,NULL,NULL,'active',2,1796660336,1796660936,NULL,NULL);
INSERT INTO pocs VALUES('FR-T-2','FR','technical',2,'CERT two',NULL,NULL,NULL,NULL,'active',3,1796660336,1797873656,NULL,NULL);
INSERT INTO pocs VALUES('FR-P-1','FR','policy',1,'Policy',NULL,NULL,NULL,NULL,'withdrawn',2,1796660336,1796660936,'the ministry was merged',NULL);
INSERT INTO pocs VALUES('FR-D-1','FR','diplomatic',1,'Mission',NULL,NULL,NULL,NULL,'unverified',2,1796660336,1797869996,NULL,NULL);
INSERT INTO pocs VALUES('FR-L-1','FR','law-enforcement',1,'Police',NULL,NULL,NULL,NULL,'unverified',2,1796660336,1797869996,NULL,NULL);
CREATE TABLE poc_emails (
	poc TEXT NOT NULL REFERENCES pocs(id),
	position INTEGER NOT NULL,
	address TEXT NOT NULL,			-- as written (an IDN domain kept in Unicode)
	PRIMARY KEY (poc, position)
);
INSERT INTO poc_emails VALUES('FR-T-1',0,'cert@fr.example');
INSERT INTO poc_emails VALUES('FR-T-2',0,'gone@fr.example');
INSERT INTO poc_emails VALUES('FR-T-2',1,'alt@fr.example');
INSERT INTO poc_emails VALUES('FR-P-1',0,'wd@fr.example');
INSERT INTO poc_emails VALUES('FR-D-1',0,'quiet1@fr.example');
INSERT INTO poc_emails VALUES('FR-L-1',0,'quiet2@fr.example');
CREATE TABLE poc_phones (
	poc TEXT NOT NULL REFERENCES pocs(id),
	position INTEGER NOT NULL,
	written TEXT NOT NULL,			-- as the State wrote it
	e164 TEXT,				-- '+...', or NULL when it could not be normalised
	PRIMARY KEY (poc, position)
);
INSERT INTO poc_phones VALUES('FR-T-1',0,'+33 1 00 00 00 01','+33100000001');
INSERT INTO poc_phones VALUES('FR-T-2',0,'+33 1 00 00 00 02','+33100000002');
INSERT INTO poc_phones VALUES('FR-P-1',0,'+33 1 00 00 00 03','+33100000003');
INSERT INTO poc_phones VALUES('FR-D-1',0,'+33 1 00 00 00 04','+33100000004');
INSERT INTO poc_phones VALUES('FR-L-1',0,'+33 1 00 00 00 05','+33100000005');
CREATE TABLE poc_languages (
	poc TEXT NOT NULL REFERENCES pocs(id),
	position INTEGER NOT NULL,
	code TEXT NOT NULL,			-- ISO 639-1 (639-3 when there is none)
	PRIMARY KEY (poc, position)
);
CREATE TABLE poc_counters (
	state TEXT NOT NULL REFERENCES states(code),
	type TEXT NOT NULL CHECK (type IN ('diplomatic', 'technical', 'policy', 'law-enforcement')),
	next INTEGER NOT NULL CHECK (next >= 1),
	PRIMARY KEY (state, type)
);
INSERT INTO poc_counters VALUES('FR','technical',3);
INSERT INTO poc_counters VALUES('FR','policy',2);
INSERT INTO poc_counters VALUES('FR','diplomatic',2);
INSERT INTO poc_counters VALUES('FR','law-enforcement',2);
CREATE TABLE ping_rounds (
	id INTEGER PRIMARY KEY,
	started INTEGER NOT NULL,		-- seconds since the epoch, from the clock
	deadline INTEGER NOT NULL,
	closed INTEGER,				-- NULL while open
	scope TEXT NOT NULL DEFAULT '',
	started_by TEXT NOT NULL		-- 'custodian' or 'schedule'
);
INSERT INTO ping_rounds VALUES(1,1796660396,1797092396,1797092456,'','custodian');
INSERT INTO ping_rounds VALUES(2,1797178736,1797610736,1797179336,'','custodian');
CREATE TABLE pings (
	id INTEGER PRIMARY KEY,
	round INTEGER REFERENCES ping_rounds(id),
	purpose TEXT NOT NULL CHECK (purpose IN ('round', 'verification')),
	poc TEXT NOT NULL REFERENCES pocs(id),
	address TEXT NOT NULL,			-- the POC address pinged, as written
	lang TEXT NOT NULL,			-- the language it was written in
	token TEXT NOT NULL UNIQUE,
	queued INTEGER NOT NULL,
	deadline INTEGER NOT NULL,
	reminders INTEGER NOT NULL DEFAULT 0,	-- reminders sent so far
	delivered INTEGER,			-- success DSN
	delayed INTEGER,			-- delay DSN
	bounced INTEGER,			-- failure DSN or bounce
	bounce_status TEXT,			-- '5.1.1'
	bounce_diagnostic TEXT,
	bounce_hard INTEGER,			-- 1 permanent, 0 temporary
	autoreplied INTEGER,			-- first automatic reply
	receipt INTEGER,			-- first read receipt (MDN)
	answered INTEGER,			-- first answer by a person: its arrival
	answer_seconds INTEGER,			-- from handing over to that arrival
	answer_from TEXT,			-- its From
	answer_own INTEGER,			-- 1 when From is one of the POC's addresses
	finished INTEGER			-- deadline passed and dealt with (silent, escalated)
);
INSERT INTO pings VALUES(1,NULL,'verification','FR-T-1','cert@fr.example','en','lybftret6jdu3cmcrvyyojisvs',1796660336,1797869936,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797869996);
INSERT INTO pings VALUES(2,NULL,'verification','FR-T-2','gone@fr.example','en','rh5rrtctnc6djiy4abhidgyenm',1796660336,1797869936,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797869996);
INSERT INTO pings VALUES(3,NULL,'verification','FR-T-2','alt@fr.example','en','6bavre5qp7gay2q24sruhhauen',1796660336,1797869936,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797869996);
INSERT INTO pings VALUES(4,NULL,'verification','FR-P-1','wd@fr.example','en','ezgxhauae553aesuoqfowep4uf',1796660336,1797869936,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1796660936);
INSERT INTO pings VALUES(5,NULL,'verification','FR-D-1','quiet1@fr.example','en','4qc2a2fnlypeiuaekg3oabgdnf',1796660336,1797869936,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797869996);
INSERT INTO pings VALUES(6,NULL,'verification','FR-L-1','quiet2@fr.example','en','7u5cxm7qftnn5z4feuvhyhtw6d',1796660336,1797869936,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797869996);
INSERT INTO pings VALUES(7,1,'round','FR-D-1','quiet1@fr.example','en','76hzmx4dfzm3ipkm2fb7op5hdh',1796660396,1797092396,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797092456);
INSERT INTO pings VALUES(8,1,'round','FR-L-1','quiet2@fr.example','en','h6patuwueeskqqlhvwr3jbrxdg',1796660396,1797092396,1,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797092456);
INSERT INTO pings VALUES(9,1,'round','FR-P-1','wd@fr.example','en','u3xjgvazasg5sf3syvezc2rrku',1796660396,1797092396,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1796660936);
INSERT INTO pings VALUES(10,1,'round','FR-T-1','cert@fr.example','en','zhaura4djsgfe6ef7ke5abn5b2',1796660396,1797092396,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1796660936,540,'cert@fr.example',1,1797092456);
INSERT INTO pings VALUES(11,1,'round','FR-T-2','gone@fr.example','en','ao2myej6gnncbggrfct75cna7u',1796660396,1797092396,0,NULL,NULL,1796660936,'5.1.1','550 5.1.1 User unknown',1,NULL,NULL,NULL,NULL,NULL,NULL,1797092456);
INSERT INTO pings VALUES(12,2,'round','FR-D-1','quiet1@fr.example','en','zf3seaf52tarrqwozuq7kvvulf',1797178736,1797610736,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797179336);
INSERT INTO pings VALUES(13,2,'round','FR-L-1','quiet2@fr.example','en','umyi3vk7km6xtqg2l5wdxupvem',1797178736,1797610736,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797179336);
INSERT INTO pings VALUES(14,2,'round','FR-T-1','cert@fr.example','en','htgsql7ihbbryoh5a5jpuhoddq',1797178736,1797610736,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797179336);
INSERT INTO pings VALUES(15,2,'round','FR-T-2','alt@fr.example','en','azcjlkyfw77zemndhuvzuuie6q',1797178736,1797610736,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797179336);
INSERT INTO pings VALUES(16,NULL,'verification','FR-T-2','gone@fr.example','en','73alhbt57wquz2cceiqpus2le6',1797873656,1799083256,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL);
INSERT INTO pings VALUES(17,NULL,'verification','FR-T-2','gone@fr.example','en','i2gtx5zvtnhe3kjyhl3gttctb3',1797873656,1799083256,0,NULL,NULL,NULL,NULL,NULL,NULL,NULL,NULL,1797873656,0,'gone@fr.example',1,NULL);
CREATE TABLE ping_events (
	id INTEGER PRIMARY KEY,
	ping INTEGER NOT NULL REFERENCES pings(id),
	message INTEGER REFERENCES messages(id),
	at INTEGER NOT NULL,
	what TEXT NOT NULL CHECK (what IN ('delivered', 'delayed', 'bounced', 'autoreply', 'receipt', 'answer')),
	matched_by TEXT NOT NULL,		-- recipient, in-reply-to, references, subject, body, envid
	detail TEXT
);
INSERT INTO ping_events VALUES(1,10,2,1796660936,'answer','recipient','from cert@fr.example');
INSERT INTO ping_events VALUES(2,11,3,1796660936,'bounced','recipient','5.1.1 550 5.1.1 User unknown');
INSERT INTO ping_events VALUES(3,17,6,1797873656,'answer','recipient','from gone@fr.example');
CREATE TABLE lookups (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,			-- seconds since the epoch, from the clock
	message TEXT NOT NULL,			-- messages.hash of the request
	signer TEXT NOT NULL,			-- the requester's fingerprint
	state TEXT NOT NULL,			-- the requester's State (alpha-2)
	role TEXT NOT NULL,			-- authority, reader, custodian
	verb TEXT NOT NULL CHECK (verb IN ('lookup', 'extract', 'access-log')),
	asked TEXT NOT NULL,			-- the criteria, normalised: "state=FR type=technical"
	returned INTEGER NOT NULL		-- POCs (access-log: entries) in the answer
);
CREATE TABLE lookup_states (
	lookup INTEGER NOT NULL REFERENCES lookups(id),
	state TEXT NOT NULL,			-- a State whose POCs were returned
	returned INTEGER NOT NULL,		-- how many of them
	PRIMARY KEY (state, lookup)
);
CREATE TABLE timer_runs (
	name TEXT PRIMARY KEY,
	last INTEGER NOT NULL
);
INSERT INTO timer_runs VALUES('retention',1797869996);
INSERT INTO timer_runs VALUES('outbox-alert',1797869996);
INSERT INTO timer_runs VALUES('key-expiry',1797869996);
CREATE TABLE IF NOT EXISTS "signers" (
	id INTEGER PRIMARY KEY,
	protocol TEXT NOT NULL CHECK (protocol IN ('openpgp', 'smime')),
	fingerprint TEXT NOT NULL UNIQUE	-- primary key (OpenPGP), SHA-1 (S/MIME); upper-case hex
		CHECK (length(fingerprint) BETWEEN 40 AND 64 AND fingerprint NOT GLOB '*[^0-9A-F]*'),
	enc_fingerprint TEXT			-- S/MIME: the certificate to encrypt to
		CHECK (enc_fingerprint IS NULL OR (length(enc_fingerprint) BETWEEN 40 AND 64
			AND enc_fingerprint NOT GLOB '*[^0-9A-F]*')),
	state TEXT REFERENCES states(code),	-- NULL: a custodian, of no State
	role TEXT NOT NULL CHECK (role IN ('authority', 'reader', 'custodian')),
	label TEXT,				-- the custodian's note: who this is
	email TEXT,				-- the key's first e-mail address
	added INTEGER NOT NULL,			-- seconds since the epoch, from the clock
	revoked INTEGER,			-- when revoked, else NULL
	revoke_reason TEXT,
	lang TEXT NOT NULL DEFAULT 'en',	-- the language the signer is written to
	CHECK ((revoked IS NULL) = (revoke_reason IS NULL)),
	CHECK (state IS NOT NULL OR role = 'custodian')
);
INSERT INTO signers VALUES(1,'openpgp','208C9F9FDC5419C06C72F6206908FB4C5A3E192E',NULL,'FR','authority',NULL,'alice@fr.example',1796660336,NULL,NULL,'en');
INSERT INTO signers VALUES(2,'openpgp','B5ADDD29E123E96FC3C4F7DB4B01FD56CD61DED3',NULL,NULL,'custodian',NULL,'carol@un.example',1796660336,NULL,NULL,'en');
CREATE TABLE address_health (
	poc TEXT NOT NULL REFERENCES pocs(id),
	address TEXT NOT NULL COLLATE NOCASE,
	undeliverable INTEGER,			-- since (seconds since the epoch), NULL: deliverable
	status TEXT,				-- the DSN status that marked it: '5.1.1'
	diagnostic TEXT,
	soft_rounds INTEGER NOT NULL DEFAULT 0,	-- consecutive rounds whose ping soft-bounced
	soft_last INTEGER,			-- the last of those rounds
	told INTEGER,				-- when the State was told, NULL: not yet
	PRIMARY KEY (poc, address)
);
INSERT INTO address_health VALUES('FR-T-2','gone@fr.example',NULL,NULL,NULL,0,NULL,NULL);
CREATE TABLE IF NOT EXISTS "outbox" (
	id INTEGER PRIMARY KEY,
	token TEXT NOT NULL UNIQUE,
	message INTEGER REFERENCES messages(id),
	purpose TEXT NOT NULL,
	env_from TEXT NOT NULL,
	rcpt TEXT NOT NULL,
	body BLOB NOT NULL,
	created INTEGER NOT NULL,
	state TEXT NOT NULL DEFAULT 'queued'
		CHECK (state IN ('queued', 'sent', 'failed', 'cancelled')),
	attempts INTEGER NOT NULL DEFAULT 0,
	next_try INTEGER NOT NULL,
	done INTEGER,
	last_error TEXT,
	body_file TEXT,
	dsn_envid TEXT
);
INSERT INTO outbox VALUES(1,'7527040359e945040a6ad1c0e2c8799b',NULL,'notice','bounces+7527040359e945040a6ad1c0e2c8799b@robot.test','carol@un.example',X'',1796660336,'sent',1,1796660396,1796660336,NULL,NULL,NULL);
INSERT INTO outbox VALUES(2,'lybftret6jdu3cmcrvyyojisvs',NULL,'ping-verification','bounces+lybftret6jdu3cmcrvyyojisvs@robot.test','cert@fr.example',X'',1796660336,'sent',1,1796660396,1796660336,NULL,NULL,'lybftret6jdu3cmcrvyyojisvs');
INSERT INTO outbox VALUES(3,'rh5rrtctnc6djiy4abhidgyenm',NULL,'ping-verification','bounces+rh5rrtctnc6djiy4abhidgyenm@robot.test','gone@fr.example',X'',1796660336,'sent',1,1796660396,1796660336,NULL,NULL,'rh5rrtctnc6djiy4abhidgyenm');
INSERT INTO outbox VALUES(4,'6bavre5qp7gay2q24sruhhauen',NULL,'ping-verification','bounces+6bavre5qp7gay2q24sruhhauen@robot.test','alt@fr.example',X'',1796660336,'sent',1,1796660396,1796660336,NULL,NULL,'6bavre5qp7gay2q24sruhhauen');
INSERT INTO outbox VALUES(5,'ezgxhauae553aesuoqfowep4uf',NULL,'ping-verification','bounces+ezgxhauae553aesuoqfowep4uf@robot.test','wd@fr.example',X'',1796660336,'sent',1,1796660396,1796660336,NULL,NULL,'ezgxhauae553aesuoqfowep4uf');
INSERT INTO outbox VALUES(6,'4qc2a2fnlypeiuaekg3oabgdnf',NULL,'ping-verification','bounces+4qc2a2fnlypeiuaekg3oabgdnf@robot.test','quiet1@fr.example',X'',1796660336,'sent',1,1796660396,1796660336,NULL,NULL,'4qc2a2fnlypeiuaekg3oabgdnf');
INSERT INTO outbox VALUES(7,'7u5cxm7qftnn5z4feuvhyhtw6d',NULL,'ping-verification','bounces+7u5cxm7qftnn5z4feuvhyhtw6d@robot.test','quiet2@fr.example',X'',1796660336,'sent',1,1796660396,1796660336,NULL,NULL,'7u5cxm7qftnn5z4feuvhyhtw6d');
INSERT INTO outbox VALUES(8,'fb6db685990b604935efb1760facc86f',NULL,'notice','bounces+fb6db685990b604935efb1760facc86f@robot.test','cert@fr.example',X'',1796660336,'sent',1,1796660396,1796660336,NULL,NULL,NULL);
INSERT INTO outbox VALUES(9,'2533e0f76ae8fb78dc8363935c41fa46',NULL,'notice','bounces+2533e0f76ae8fb78dc8363935c41fa46@robot.test','gone@fr.example',X'',1796660336,'sent',1,1796660396,1796660336,NULL,NULL,NULL);
INSERT INTO outbox VALUES(10,'69c0bfcf37612af4895de6da3cc2fd43',NULL,'notice','bounces+69c0bfcf37612af4895de6da3cc2fd43@robot.test','alt@fr.example',X'',1796660336,'sent',1,1796660396,1796660336,NULL,NULL,NULL);
INSERT INTO outbox VALUES(11,'ea0c5d9362249844ee1fa33cf4ca54ca',NULL,'notice','bounces+ea0c5d9362249844ee1fa33cf4ca54ca@robot.test','wd@fr.example',X'',1796660336,'sent',1,1796660396,1796660336,NULL,NULL,NULL);
INSERT INTO outbox VALUES(12,'6112d29650e8a3e0587eab0b43357af9',NULL,'notice','bounces+6112d29650e8a3e0587eab0b43357af9@robot.test','quiet1@fr.example',X'',1796660336,'sent',1,1796660456,1796660396,NULL,NULL,NULL);
INSERT INTO outbox VALUES(13,'0c99b2db13e9f4e0d1bf66bb993f1a7c',NULL,'notice','bounces+0c99b2db13e9f4e0d1bf66bb993f1a7c@robot.test','quiet2@fr.example',X'',1796660336,'sent',1,1796660456,1796660396,NULL,NULL,NULL);
INSERT INTO outbox VALUES(14,'c9071ce45576f5a7ea0a6d079802a4bb',1,'signed-ack','bounces+c9071ce45576f5a7ea0a6d079802a4bb@robot.test','alice@fr.example',X'',1796660336,'sent',1,1796660456,1796660396,NULL,NULL,NULL);
INSERT INTO outbox VALUES(15,'76hzmx4dfzm3ipkm2fb7op5hdh',NULL,'ping','bounces+76hzmx4dfzm3ipkm2fb7op5hdh@robot.test','quiet1@fr.example',X'',1796660396,'sent',1,1796660456,1796660396,NULL,NULL,'76hzmx4dfzm3ipkm2fb7op5hdh');
INSERT INTO outbox VALUES(16,'h6patuwueeskqqlhvwr3jbrxdg',NULL,'ping','bounces+h6patuwueeskqqlhvwr3jbrxdg@robot.test','quiet2@fr.example',X'',1796660396,'sent',1,1796660456,1796660396,NULL,NULL,'h6patuwueeskqqlhvwr3jbrxdg');
INSERT INTO outbox VALUES(17,'u3xjgvazasg5sf3syvezc2rrku',NULL,'ping','bounces+u3xjgvazasg5sf3syvezc2rrku@robot.test','wd@fr.example',X'',1796660396,'sent',1,1796660456,1796660396,NULL,NULL,'u3xjgvazasg5sf3syvezc2rrku');
INSERT INTO outbox VALUES(18,'zhaura4djsgfe6ef7ke5abn5b2',NULL,'ping','bounces+zhaura4djsgfe6ef7ke5abn5b2@robot.test','cert@fr.example',X'',1796660396,'sent',1,1796660456,1796660396,NULL,NULL,'zhaura4djsgfe6ef7ke5abn5b2');
INSERT INTO outbox VALUES(19,'ao2myej6gnncbggrfct75cna7u',NULL,'ping','bounces+ao2myej6gnncbggrfct75cna7u@robot.test','gone@fr.example',X'',1796660396,'sent',1,1796660456,1796660396,NULL,NULL,'ao2myej6gnncbggrfct75cna7u');
INSERT INTO outbox VALUES(20,'106ff32dcd81b62f17810ff061f576f1',NULL,'notice','bounces+106ff32dcd81b62f17810ff061f576f1@robot.test','wd@fr.example',X'',1796660936,'sent',1,1796660996,1796660936,NULL,NULL,NULL);
INSERT INTO outbox VALUES(21,'de757bc437a46dfaaac683c675e970ca',4,'signed-ack','bounces+de757bc437a46dfaaac683c675e970ca@robot.test','alice@fr.example',X'',1796660936,'sent',1,1796660996,1796660936,NULL,NULL,NULL);
INSERT INTO outbox VALUES(22,'76hzmx4dfzm3ipkm2fb7op5hdh-r1',NULL,'ping-reminder','bounces+76hzmx4dfzm3ipkm2fb7op5hdh@robot.test','quiet1@fr.example',X'',1796919656,'sent',1,1796919716,1796919656,NULL,NULL,'76hzmx4dfzm3ipkm2fb7op5hdh');
INSERT INTO outbox VALUES(23,'h6patuwueeskqqlhvwr3jbrxdg-r1',NULL,'ping-reminder','bounces+h6patuwueeskqqlhvwr3jbrxdg@robot.test','quiet2@fr.example',X'',1796919656,'sent',1,1796919716,1796919656,NULL,NULL,'h6patuwueeskqqlhvwr3jbrxdg');
INSERT INTO outbox VALUES(24,'lybftret6jdu3cmcrvyyojisvs-r1',NULL,'ping-reminder','bounces+lybftret6jdu3cmcrvyyojisvs@robot.test','cert@fr.example',X'',1796919656,'sent',1,1796919716,1796919656,NULL,NULL,'lybftret6jdu3cmcrvyyojisvs');
INSERT INTO outbox VALUES(25,'rh5rrtctnc6djiy4abhidgyenm-r1',NULL,'ping-reminder','bounces+rh5rrtctnc6djiy4abhidgyenm@robot.test','gone@fr.example',X'',1796919656,'sent',1,1796919716,1796919656,NULL,NULL,'rh5rrtctnc6djiy4abhidgyenm');
INSERT INTO outbox VALUES(26,'6bavre5qp7gay2q24sruhhauen-r1',NULL,'ping-reminder','bounces+6bavre5qp7gay2q24sruhhauen@robot.test','alt@fr.example',X'',1796919656,'sent',1,1796919716,1796919656,NULL,NULL,'6bavre5qp7gay2q24sruhhauen');
INSERT INTO outbox VALUES(27,'4qc2a2fnlypeiuaekg3oabgdnf-r1',NULL,'ping-reminder','bounces+4qc2a2fnlypeiuaekg3oabgdnf@robot.test','quiet1@fr.example',X'',1796919656,'sent',1,1796919716,1796919656,NULL,NULL,'4qc2a2fnlypeiuaekg3oabgdnf');
INSERT INTO outbox VALUES(28,'7u5cxm7qftnn5z4feuvhyhtw6d-r1',NULL,'ping-reminder','bounces+7u5cxm7qftnn5z4feuvhyhtw6d@robot.test','quiet2@fr.example',X'',1796919656,'sent',1,1796919716,1796919656,NULL,NULL,'7u5cxm7qftnn5z4feuvhyhtw6d');
INSERT INTO outbox VALUES(29,'93dce96452fa70add3d93f1bb68ce1dd',NULL,'address-undeliverable','bounces+93dce96452fa70add3d93f1bb68ce1dd@robot.test','alice@fr.example',X'',1796919656,'sent',1,1796919716,1796919656,NULL,NULL,NULL);
INSERT INTO outbox VALUES(30,'53f8482626dbdacd45745b5b8296329a',NULL,'notice','bounces+53f8482626dbdacd45745b5b8296329a@robot.test','carol@un.example',X'',1796919656,'sent',1,1796919716,1796919656,NULL,NULL,NULL);
INSERT INTO outbox VALUES(31,'e558ee40fc5e48195add96e2ca3bfbf3',NULL,'ping-report','bounces+e558ee40fc5e48195add96e2ca3bfbf3@robot.test','carol@un.example',X'',1797092456,'sent',1,1797096176,1797096116,NULL,'e558ee40fc5e48195add96e2ca3bfbf3.eml',NULL);
INSERT INTO outbox VALUES(32,'66a285e356fba6f9fce1b22c7b275617',NULL,'notice','bounces+66a285e356fba6f9fce1b22c7b275617@robot.test','carol@un.example',X'',1797092456,'sent',1,1797096176,1797096116,NULL,NULL,NULL);
INSERT INTO outbox VALUES(33,'97c1df67ae552c398944e693983638f2',NULL,'ping-escalation','bounces+97c1df67ae552c398944e693983638f2@robot.test','alice@fr.example',X'',1797096116,'sent',1,1797096176,1797096116,NULL,NULL,NULL);
INSERT INTO outbox VALUES(34,'zf3seaf52tarrqwozuq7kvvulf',NULL,'ping','bounces+zf3seaf52tarrqwozuq7kvvulf@robot.test','quiet1@fr.example',X'',1797178736,'sent',1,1797178796,1797178736,NULL,NULL,'zf3seaf52tarrqwozuq7kvvulf');
INSERT INTO outbox VALUES(35,'umyi3vk7km6xtqg2l5wdxupvem',NULL,'ping','bounces+umyi3vk7km6xtqg2l5wdxupvem@robot.test','quiet2@fr.example',X'',1797178736,'sent',1,1797178796,1797178736,NULL,NULL,'umyi3vk7km6xtqg2l5wdxupvem');
INSERT INTO outbox VALUES(36,'htgsql7ihbbryoh5a5jpuhoddq',NULL,'ping','bounces+htgsql7ihbbryoh5a5jpuhoddq@robot.test','cert@fr.example',X'',1797178736,'sent',1,1797178796,1797178736,NULL,NULL,'htgsql7ihbbryoh5a5jpuhoddq');
INSERT INTO outbox VALUES(37,'azcjlkyfw77zemndhuvzuuie6q',NULL,'ping','bounces+azcjlkyfw77zemndhuvzuuie6q@robot.test','alt@fr.example',X'',1797178736,'sent',1,1797178796,1797178736,NULL,NULL,'azcjlkyfw77zemndhuvzuuie6q');
INSERT INTO outbox VALUES(38,'2ecadf83e9889b527ac70373c4804f8c',NULL,'ping-report','bounces+2ecadf83e9889b527ac70373c4804f8c@robot.test','carol@un.example',X'',1797179336,'sent',1,1797183056,1797182996,NULL,'2ecadf83e9889b527ac70373c4804f8c.eml',NULL);
INSERT INTO outbox VALUES(39,'e0b531f561ee0feae63bc7cc5c81f790',NULL,'ping-escalation','bounces+e0b531f561ee0feae63bc7cc5c81f790@robot.test','alice@fr.example',X'',1797182996,'sent',1,1797183056,1797182996,NULL,NULL,NULL);
INSERT INTO outbox VALUES(40,'0c337fab24b80923b82b3ac2fed51fef',NULL,'notice','bounces+0c337fab24b80923b82b3ac2fed51fef@robot.test','carol@un.example',X'',1797182996,'sent',1,1797183056,1797182996,NULL,NULL,NULL);
INSERT INTO outbox VALUES(41,'0fd2a50a8bc2e2ceba74cb5c4fe88219',NULL,'notice','bounces+0fd2a50a8bc2e2ceba74cb5c4fe88219@robot.test','carol@un.example',X'',1797869996,'sent',1,1797873716,1797873656,NULL,NULL,NULL);
INSERT INTO outbox VALUES(42,'a5f1770447c11c9b91bde37130512d29',NULL,'ping-unverified','bounces+a5f1770447c11c9b91bde37130512d29@robot.test','alice@fr.example',X'',1797873656,'sent',1,1797873716,1797873656,NULL,NULL,NULL);
INSERT INTO outbox VALUES(43,'73alhbt57wquz2cceiqpus2le6',NULL,'ping-verification','bounces+73alhbt57wquz2cceiqpus2le6@robot.test','gone@fr.example',X'',1797873656,'sent',1,1797873716,1797873656,NULL,NULL,'73alhbt57wquz2cceiqpus2le6');
INSERT INTO outbox VALUES(44,'ae2688e055ca0d7b501841653f54be99',5,'signed-ack','bounces+ae2688e055ca0d7b501841653f54be99@robot.test','alice@fr.example',X'',1797873656,'sent',1,1797873716,1797873656,NULL,NULL,NULL);
INSERT INTO outbox VALUES(45,'i2gtx5zvtnhe3kjyhl3gttctb3',NULL,'ping-verification','bounces+i2gtx5zvtnhe3kjyhl3gttctb3@robot.test','gone@fr.example',X'',1797873656,'sent',1,1797873716,1797873656,NULL,NULL,'i2gtx5zvtnhe3kjyhl3gttctb3');
CREATE TABLE notices_held (
	id INTEGER PRIMARY KEY,
	kind TEXT NOT NULL,
	signer TEXT NOT NULL,			-- the recipient's fingerprint
	state TEXT NOT NULL,
	due INTEGER NOT NULL,
	created INTEGER NOT NULL,
	rcpt TEXT NOT NULL,
	protocol INTEGER NOT NULL,		-- enum crypto_protocol it is signed in
	enc_key TEXT NOT NULL,			-- the fingerprint it is encrypted to
	purpose TEXT NOT NULL,
	seed TEXT NOT NULL,
	subject TEXT NOT NULL,
	body TEXT NOT NULL
);
CREATE TABLE ping_skips (
	round INTEGER NOT NULL REFERENCES ping_rounds(id),
	poc TEXT NOT NULL REFERENCES pocs(id),
	address TEXT NOT NULL,
	since INTEGER NOT NULL,
	status TEXT,
	PRIMARY KEY (round, poc, address)
);
INSERT INTO ping_skips VALUES(2,'FR-T-2','gone@fr.example',1796660936,'5.1.1');
CREATE TABLE backups (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,		-- the backup time T (seconds since the epoch)
	file TEXT NOT NULL,		-- the archive's absolute path
	bytes INTEGER NOT NULL
);
CREATE TABLE restores (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,		-- when the restore was made
	backup_time INTEGER NOT NULL,
	file TEXT NOT NULL,		-- the archive restored
	signer TEXT NOT NULL		-- the manifest's signer (the robot's OpenPGP key)
);
CREATE TABLE key_rollovers (
	id INTEGER PRIMARY KEY,
	at INTEGER NOT NULL,		-- when the new keys were made
	old_pgp TEXT NOT NULL,		-- OpenPGP primary fingerprints
	new_pgp TEXT NOT NULL,
	old_smime TEXT NOT NULL,	-- certificates; old_smime = new_smime when the
	new_smime TEXT NOT NULL,	-- S/MIME identity is CA-issued (not renewed)
	archive_after INTEGER NOT NULL,	-- at + [keys] overlap
	archived INTEGER		-- when the old secret keys left the home, or NULL
);
DELETE FROM sqlite_sequence;
INSERT INTO sqlite_sequence VALUES('events',17);
CREATE INDEX events_by_state ON events(state, id);
CREATE INDEX poc_emails_by_address ON poc_emails(address COLLATE NOCASE);
CREATE INDEX pings_by_round ON pings(round);
CREATE INDEX pings_by_poc ON pings(poc, answered);
CREATE INDEX pings_open ON pings(finished, deadline);
CREATE INDEX ping_events_by_ping ON ping_events(ping);
CREATE INDEX lookups_by_state ON lookups(state, verb, at);
CREATE UNIQUE INDEX pings_one_per_round ON pings(round, poc);
CREATE INDEX signers_by_state ON signers(state);
CREATE INDEX outbox_due ON outbox(state, next_try);
CREATE INDEX outbox_rcpt ON outbox(rcpt, purpose, created);
CREATE INDEX outbox_env_from ON outbox(env_from);
CREATE INDEX notices_held_due ON notices_held(due);
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
BEGIN
	SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be deleted');
END;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
WHEN NOT (OLD.hash_version = 2 AND NEW.hash_version = 2 AND NEW.id = OLD.id
	AND NEW.at = OLD.at AND NEW.actor = OLD.actor AND NEW.state IS OLD.state
	AND NEW.action = OLD.action AND NEW.prev_hash = OLD.prev_hash AND NEW.hash = OLD.hash
	AND NEW.detail_hash IS OLD.detail_hash AND OLD.detail_hash IS NOT NULL
	AND NEW.detail GLOB '{"redacted": "[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]"}')
BEGIN
	SELECT RAISE(ABORT, 'the audit trail is append-only: events cannot be changed');
END;
COMMIT;
