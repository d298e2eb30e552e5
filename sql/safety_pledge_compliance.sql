-- Authority notices about product safety whose deadline falls on the day; numerator when
-- decided by it. EU Product Safety Pledge: act on authorities' notices within 2 working
-- days. sla_deadline comes from the engine: for authority notices the end of the 2nd working
-- day after receipt in the market's calendar (the authority clock of the SLA policy).
SELECT
    deadline_day AS day, market, category_l1, seller_tier,
    CASE WHEN decided_at IS NOT NULL AND decided_at <= sla_deadline THEN 1 ELSE 0 END
        AS numerator,
    1 AS denominator
FROM complaint_facts
WHERE channel = 'authority' AND issue_type = 'product_safety'
