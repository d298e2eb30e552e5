-- Complaints whose SLA deadline falls on the day; numerator when decided by the deadline.
-- sla_deadline comes from the engine (working days from each market's public holidays).
SELECT
    deadline_day AS day, market, category_l1, seller_tier, channel, issue_type,
    CASE WHEN decided_at IS NOT NULL AND decided_at <= sla_deadline THEN 1 ELSE 0 END
        AS numerator,
    1 AS denominator
FROM complaint_facts
