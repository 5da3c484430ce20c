{{enable_rls}}

-- Table owners bypass RLS unless it is forced, and apps often connect as the owner.
{{force_rls}}
