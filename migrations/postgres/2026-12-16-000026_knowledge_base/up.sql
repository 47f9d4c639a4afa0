-- Issue 17, the knowledge base (知识库): articles in categories, draft /
-- internal / public, in zh-CN or en (a translation points at the article
-- it translates), with view and helpfulness counts; `search_terms` holds
-- the words jieba cut from title and body, space-separated; `search_vector`
-- is their tsvector (`simple` configuration), stored so that ranking reads
-- it instead of parsing every matching article again, and GIN-indexed.
-- Tickets link the articles that answered them.
CREATE TABLE articles (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    id uuid NOT NULL,
    title text NOT NULL,
    body text NOT NULL,
    category text NOT NULL,
    locale text NOT NULL,
    status text NOT NULL,
    translation_of uuid NULL,
    search_terms text NOT NULL,
    views bigint NOT NULL DEFAULT 0,
    helpful integer NOT NULL DEFAULT 0,
    not_helpful integer NOT NULL DEFAULT 0,
    version integer NOT NULL,
    created_by uuid NULL,
    updated_by uuid NULL,
    created_at timestamp NOT NULL,
    updated_at timestamp NOT NULL,
    deleted_at timestamp NULL,
    search_vector tsvector GENERATED ALWAYS AS (to_tsvector('simple', search_terms)) STORED,
    PRIMARY KEY (workspace_id, id),
    CHECK (status IN ('draft', 'internal', 'public')),
    CHECK (locale IN ('zh-CN', 'en'))
);
CREATE INDEX articles_terms_idx ON articles USING gin (search_vector) WHERE deleted_at IS NULL;
CREATE INDEX articles_updated_idx ON articles (workspace_id, updated_at, id)
    WHERE deleted_at IS NULL;

CREATE TABLE ticket_articles (
    workspace_id uuid NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    ticket_id uuid NOT NULL,
    article_id uuid NOT NULL,
    linked_by uuid NULL,
    created_at timestamp NOT NULL,
    PRIMARY KEY (workspace_id, ticket_id, article_id),
    FOREIGN KEY (workspace_id, ticket_id) REFERENCES tickets (workspace_id, id) ON DELETE CASCADE,
    FOREIGN KEY (workspace_id, article_id) REFERENCES articles (workspace_id, id) ON DELETE CASCADE
);
CREATE INDEX ticket_articles_article_idx ON ticket_articles (workspace_id, article_id);
