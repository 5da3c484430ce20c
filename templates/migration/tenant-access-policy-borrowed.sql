-- Permissive: grants the tenant its own rows, with the tenant predicate of
-- your policy {{source_display}} (how your app identifies its tenant).
DROP POLICY IF EXISTS {{policy}} ON {{table}};

CREATE POLICY {{policy}} ON {{table}} AS PERMISSIVE FOR ALL TO {{app_role}}
  USING      ({{predicate}})
  WITH CHECK ({{predicate}});
