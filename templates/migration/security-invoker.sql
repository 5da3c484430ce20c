-- {{view_display}} runs with its owner's rights, past the RLS of the tables it reads;
-- security_invoker makes it check the querying role's policies instead.
{{security_invoker}}
