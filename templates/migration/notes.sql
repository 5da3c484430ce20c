--
-- Notes:
{{notes}}
