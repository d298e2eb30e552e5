-- Removal rows carry the numerator, exposure rows the live listings at the end of the day.
SELECT
    removed_day AS day, market, category_l1, seller_tier, 1 AS numerator, 0 AS denominator
FROM listing_facts
WHERE removed_day IS NOT NULL
UNION ALL
SELECT day, market, category_l1, seller_tier, 0 AS numerator, live AS denominator
FROM live_exposure
