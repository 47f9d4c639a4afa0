ALTER INDEX articles_terms_idx RESET (fastupdate);
