-- SQLite twin of migrations/postgres (uuid as text). The search index is
-- an FTS5 table of its own (not external content: rowids of a table
-- without an INTEGER PRIMARY KEY may change on VACUUM), kept by triggers.
CREATE TABLE articles (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id text NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    category text NOT NULL,
    locale text NOT NULL,
    status text NOT NULL,
    translation_of text NULL,
    search_terms text NOT NULL,
    views bigint NOT NULL DEFAULT 0,
    helpful integer NOT NULL DEFAULT 0,
    not_helpful integer NOT NULL DEFAULT 0,
    version integer NOT NULL,
    created_by text NULL,
    updated_by text NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    deleted_at timestamp NULL,
    PRIMARY KEY (workspace_id, id),
    CHECK (status IN ('draft', 'internal', 'public')),
    CHECK (locale IN ('zh-CN', 'en'))
);
CREATE INDEX articles_updated_idx ON articles (workspace_id, updated_at, id)
    WHERE deleted_at IS NULL;
CREATE VIRTUAL TABLE articles_fts USING fts5 (
    workspace_id UNINDEXED,
    article_id UNINDEXED,
    terms
);
CREATE TRIGGER articles_fts_insert AFTER INSERT ON articles
    WHEN new.deleted_at IS NULL
BEGIN
    INSERT INTO articles_fts (workspace_id, article_id, terms)
        VALUES (new.workspace_id, new.id, new.search_terms);
END;
CREATE TRIGGER articles_fts_update AFTER UPDATE OF search_terms, deleted_at ON articles
BEGIN
    DELETE FROM articles_fts WHERE workspace_id = old.workspace_id AND article_id = old.id;
    INSERT INTO articles_fts (workspace_id, article_id, terms)
        SELECT new.workspace_id, new.id, new.search_terms WHERE new.deleted_at IS NULL;
END;
CREATE TRIGGER articles_fts_delete AFTER DELETE ON articles
BEGIN
    DELETE FROM articles_fts WHERE workspace_id = old.workspace_id AND article_id = old.id;
END;

CREATE TABLE ticket_articles (
    workspace_id text NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    ticket_id text NOT NULL,
    article_id text NOT NULL,
    linked_by text NULL,
    created_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, ticket_id, article_id),
    FOREIGN KEY (workspace_id, ticket_id) REFERENCES tickets (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, article_id) REFERENCES articles (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX ticket_articles_article_idx ON ticket_articles (workspace_id, article_id);
