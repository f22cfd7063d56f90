-- State database, version 2: an account may be bound to one province (its GSO code): in the whole-country snapshot
-- it then sees that province only. NULL: the province of the data directory it signs in to.
ALTER TABLE accounts ADD COLUMN province_code VARCHAR(2);
