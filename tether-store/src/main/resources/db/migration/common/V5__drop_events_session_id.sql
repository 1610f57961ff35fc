-- Nothing reads events by session (the stream is read by id), and every appended event paid for
-- this index: eight index insertions per disconnect+reattach cycle.
DROP INDEX events_session_id;
