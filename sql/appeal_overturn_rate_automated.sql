-- Appeals decided on the day against removals our automated model found first
-- (detection_channel proactive_model); numerator when the removal was overturned.
-- DSA Art. 15(1)(e): an indicator of the accuracy of automated means.
SELECT
    decided_day AS day, market, category_l1, seller_tier,
    CASE WHEN outcome = 'overturned' THEN 1 ELSE 0 END AS numerator,
    1 AS denominator
FROM appeal_facts
WHERE decided_day IS NOT NULL AND detection_channel = 'proactive_model'
