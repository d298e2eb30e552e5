-- Complaints decided on the day; numerator when upheld.
SELECT
    decided_day AS day, market, category_l1, seller_tier, channel, issue_type,
    CASE WHEN outcome = 'upheld' THEN 1 ELSE 0 END AS numerator,
    1 AS denominator
FROM complaint_facts
WHERE decided_day IS NOT NULL
