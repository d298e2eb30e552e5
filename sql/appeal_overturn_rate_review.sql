-- Appeals decided on the day against removals our own reviewers found first
-- (detection_channel proactive_review); numerator when the removal was overturned.
SELECT
    decided_day AS day, market, category_l1, seller_tier,
    CASE WHEN outcome = 'overturned' THEN 1 ELSE 0 END AS numerator,
    1 AS denominator
FROM appeal_facts
WHERE decided_day IS NOT NULL AND detection_channel = 'proactive_review'
