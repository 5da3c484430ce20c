ALTER TABLE {{table}} ENABLE ROW LEVEL SECURITY;

-- Table owners bypass RLS unless it is forced, and apps often connect as the owner.
ALTER TABLE {{table}} FORCE ROW LEVEL SECURITY;
