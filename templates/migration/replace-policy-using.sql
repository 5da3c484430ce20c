-- Replaces policy {{policy_display}}: {{reason}}.
DROP POLICY IF EXISTS {{policy}} ON {{table}};

CREATE POLICY {{policy}} ON {{table}} AS {{policy_kind}} FOR {{command}} TO {{roles}}
  USING ({{using}});
