-- Service-level clocks still running after their due time, as of now.
--
-- A clock (table `sla_clocks`) runs from its start event until its stop event (see the
-- SLA policy files); due comes from the SLA policy named in `policy`, for the customer's
-- tier. Clocks already recorded as breached (an SlaBreached event) are included while
-- they still run: the breach was noted, the work is still owed.
CREATE VIEW overdue_sla_clocks AS
SELECT
    s.customer,
    s."case",
    s.clock,
    s.period,
    s.started_at,
    s.due,
    s.breached,
    ROUND((julianday('now') - julianday(s.due)) * 24, 1) AS hours_overdue,
    s.policy
FROM sla_clocks AS s
WHERE s.stopped_at IS NULL
  AND s.due IS NOT NULL
  AND julianday(s.due) < julianday('now')
ORDER BY julianday(s.due), s.customer, s."case", s.clock;
