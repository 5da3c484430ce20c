-- ===========================================================================
-- REVIEW REQUIRED: not applied
-- ===========================================================================
-- Each step below changes what the app can do, not only which tenant's rows
-- it reaches, so it is written commented out with the reason. Uncomment a
-- step once you have checked it, or re-run with --include KIND (here:
-- {{kinds}}) to have it written as statements.
--
{{blocks}}
