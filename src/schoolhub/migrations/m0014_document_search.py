"""Diacritic-insensitive search over a school's official documents (number, subject, sender).

The folded text is a generated column like ``workspace_student.name_folded`` (m0003), indexed with
pg_trgm when the extension exists (``LIKE '%word%'`` per word), a plain index otherwise.
"""

TENANT_TABLES: list[str] = []

SQL = r"""
ALTER TABLE workspace_document ADD COLUMN search_folded text
  GENERATED ALWAYS AS (vn_fold(number || ' ' || subject || ' ' || sender)) STORED;

DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
    EXECUTE 'CREATE INDEX workspace_document_search_trgm ON workspace_document'
            ' USING gin (search_folded gin_trgm_ops)';
  ELSE
    CREATE INDEX workspace_document_search_folded ON workspace_document (school_id, search_folded);
  END IF;
END $$;
"""
