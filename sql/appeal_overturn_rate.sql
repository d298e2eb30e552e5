-- Appeals decided on the day; numerator when the removal was overturned.
SELECT
    decided_day AS day, market, category_l1, seller_tier,
    CASE WHEN outcome = 'overturned' THEN 1 ELSE 0 END AS numerator,
    1 AS denominator
FROM appeal_facts
WHERE decided_day IS NOT NULL
