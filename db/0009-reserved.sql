-- 0009-reserved.sql - the number issue 15 gives to another change (signers.state
-- nullable, custodians of no State). That change brings its own 0009 and
-- replaces this file; until then the migrations stay a sequence.
SELECT 1;
