-- Restrictive: AND-ed with every permissive policy, so the boundary holds even if
-- someone later adds a loose one.
DROP POLICY IF EXISTS {{policy}} ON {{table}};

CREATE POLICY {{policy}} ON {{table}} AS RESTRICTIVE FOR ALL TO {{app_role}}
  USING      ({{predicate}})
  WITH CHECK ({{predicate}});
