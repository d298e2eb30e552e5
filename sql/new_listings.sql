-- Listings submitted on the day.
SELECT created_day AS day, market, category_l1, seller_tier, 1 AS numerator
FROM listing_facts
