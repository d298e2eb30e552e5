-- Appeals decided on the day against removals that followed a notice (detection_channel
-- consumer, rights_holder, trusted_flagger or authority); numerator when overturned.
SELECT
    decided_day AS day, market, category_l1, seller_tier,
    CASE WHEN outcome = 'overturned' THEN 1 ELSE 0 END AS numerator,
    1 AS denominator
FROM appeal_facts
WHERE decided_day IS NOT NULL
    AND detection_channel IN ('consumer', 'rights_holder', 'trusted_flagger', 'authority')
