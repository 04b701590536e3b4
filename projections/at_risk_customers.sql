-- Customers whose relationship is at risk or lost, worst first.
--
-- From table `customers` (phase as the trust policy named in `policy` decides it), with
-- how many of their cases are open, how many commitments are overdue as of now, and how
-- many SLA clocks they have seen breached.
CREATE VIEW at_risk_customers AS
SELECT
    c.customer,
    c.phase,
    c.score,
    c.phase_since,
    c.open_cases,
    c.broken_promises,
    (SELECT COUNT(*) FROM promises AS p
      WHERE p.customer = c.customer AND p.status = 'open'
        AND julianday(p.due) < julianday('now')) AS overdue_commitments,
    (SELECT COUNT(*) FROM sla_clocks AS s
      WHERE s.customer = c.customer AND s.breached = 1) AS sla_breaches,
    c.last_event_at,
    c.last_contact_at,
    c.policy
FROM customers AS c
WHERE c.phase IN ('at_risk', 'lost')
ORDER BY c.score, c.customer;
