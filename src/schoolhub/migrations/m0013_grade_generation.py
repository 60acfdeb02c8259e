"""A per-school generation number of recorded grades, for the class grade sheet's cache.

Every statement that inserts, updates or deletes scores or subject comments bumps its school's
generation (statement-level triggers over the transition table, so a bulk insert of 8,000 scores
bumps once). The grade sheet reads the generation in the same statement as its header and serves
computed cells from a process-local cache only while the generation is unchanged
(:mod:`schoolhub.workspace.structure.grades.sheet`). The row is written under the caller's tenant
RLS like any other tenant row; the bump runs in the writing transaction, so it commits or rolls back
with the grades it covers.
"""

TENANT_TABLES = ["workspace_grade_generation"]

SQL = r"""
CREATE TABLE workspace_grade_generation (
  school_id uuid PRIMARY KEY REFERENCES tenants_school(id),
  generation bigint NOT NULL DEFAULT 1 CHECK (generation > 0)
);

CREATE FUNCTION workspace_bump_grade_generation() RETURNS trigger
  LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO workspace_grade_generation AS g (school_id)
    SELECT DISTINCT school_id FROM changed_rows
  ON CONFLICT (school_id) DO UPDATE SET generation = g.generation + 1;
  RETURN NULL;
END $$;

CREATE TRIGGER workspace_score_generation_insert AFTER INSERT ON workspace_score
  REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION workspace_bump_grade_generation();
CREATE TRIGGER workspace_score_generation_update AFTER UPDATE ON workspace_score
  REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION workspace_bump_grade_generation();
CREATE TRIGGER workspace_score_generation_delete AFTER DELETE ON workspace_score
  REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION workspace_bump_grade_generation();
CREATE TRIGGER workspace_comment_generation_insert AFTER INSERT ON workspace_subject_comment
  REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION workspace_bump_grade_generation();
CREATE TRIGGER workspace_comment_generation_update AFTER UPDATE ON workspace_subject_comment
  REFERENCING NEW TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION workspace_bump_grade_generation();
CREATE TRIGGER workspace_comment_generation_delete AFTER DELETE ON workspace_subject_comment
  REFERENCING OLD TABLE AS changed_rows
  FOR EACH STATEMENT EXECUTE FUNCTION workspace_bump_grade_generation();
"""
