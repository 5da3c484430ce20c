-- Permissive: grants the tenant its own rows (with no permissive policy nothing is admitted).
DROP POLICY IF EXISTS {{policy}} ON {{table}};

CREATE POLICY {{policy}} ON {{table}} AS PERMISSIVE FOR ALL TO {{app_role}}
  USING      ({{predicate}})
  WITH CHECK ({{predicate}});
