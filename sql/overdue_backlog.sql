-- +1 on the day a complaint's SLA deadline passes while it is still open, -1 on the day it
-- is decided late; the engine keeps the running sum per slice (open and overdue at day end).
SELECT
    deadline_day AS day, market, category_l1, seller_tier, channel, issue_type,
    1 AS numerator
FROM complaint_facts
WHERE decided_at IS NULL OR decided_at > sla_deadline
UNION ALL
SELECT
    decided_day AS day, market, category_l1, seller_tier, channel, issue_type,
    -1 AS numerator
FROM complaint_facts
WHERE decided_at > sla_deadline
