-- Commitments still open after their due time, as of now (the moment of the query).
--
-- One row per promise, corrective action or follow-up (table `promises`) whose status is
-- still 'open' and whose due time has passed. Times keep the offsets the events gave, so
-- they are compared with julianday(), which converts them to UTC; 'now' is UTC.
-- hours_overdue: how long past due, in hours, rounded to a tenth.
CREATE VIEW overdue_commitments AS
SELECT
    p.customer,
    p.kind,
    p.id,
    p."case",
    p.description,
    p.made_at,
    p.due,
    ROUND((julianday('now') - julianday(p.due)) * 24, 1) AS hours_overdue
FROM promises AS p
WHERE p.status = 'open'
  AND julianday(p.due) < julianday('now')
ORDER BY julianday(p.due), p.customer, p.kind, p.id;
