-- Appeal rows carry the numerator (day filed), removal rows the denominator (day removed).
SELECT
    filed_day AS day, market, category_l1, seller_tier, 1 AS numerator, 0 AS denominator
FROM appeal_facts
UNION ALL
SELECT
    removed_day AS day, market, category_l1, seller_tier, 0 AS numerator, 1 AS denominator
FROM listing_facts
WHERE removed_day IS NOT NULL
