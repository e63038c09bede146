-- Context strategies (issue 14): summaries of conversation prefixes, reused by every instance; how each request's
-- conversation was fitted; an agent's context setting in its object form.
CREATE TABLE context_summary (
  prefix_hash VARCHAR(64) PRIMARY KEY,
  anchor VARCHAR(64) NOT NULL,
  prefix_turns INT NOT NULL,
  agent_id VARCHAR(64),
  summary VARCHAR(16000) NOT NULL,
  created_at TIMESTAMP NOT NULL
);
CREATE INDEX context_summary_anchor ON context_summary (anchor, prefix_turns);
CREATE INDEX context_summary_created ON context_summary (created_at);
ALTER TABLE usage_record ADD COLUMN context_fit VARCHAR(64);
ALTER TABLE agent ADD COLUMN context_policy VARCHAR(8000);
