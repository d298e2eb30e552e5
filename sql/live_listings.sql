-- Listings live at the end of the day (see shared/live_exposure.sql).
SELECT day, market, category_l1, seller_tier, live AS numerator
FROM live_exposure
