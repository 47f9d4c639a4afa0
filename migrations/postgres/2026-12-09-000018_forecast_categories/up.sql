-- Issue 16, sales forecast: every stage carries a forecast category
-- (closed / commit / best_case / pipeline / omitted), set from its kind and
-- probability for the stages that exist (won is closed, lost omitted, an
-- open stage commits from 70 %, is best case from 40 %); a rep may override
-- it on an open deal (NULL: the stage's).
ALTER TABLE pipeline_stages ADD COLUMN forecast_category text NOT NULL DEFAULT 'pipeline';
UPDATE pipeline_stages SET forecast_category = CASE
    WHEN kind = 'won' THEN 'closed'
    WHEN kind = 'lost' THEN 'omitted'
    WHEN probability >= 70 THEN 'commit'
    WHEN probability >= 40 THEN 'best_case'
    ELSE 'pipeline' END;
ALTER TABLE deals ADD COLUMN forecast_category text;
