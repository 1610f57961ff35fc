-- The Linux account a user's sessions log on to in multi-user mode; NULL: the account of the same name.
ALTER TABLE users ADD COLUMN os_user TEXT;
