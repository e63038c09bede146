-- Release 20 (analytics, issue 10): the failure rollups the usage writer keeps (one row per period, request dimensions
-- and failed model/provider/reason; the fallbacks report and ModelStats.errorRate read them) and the state of
-- optimisation recommendations (RecommendationStore). HSQLDB 2.7 and PostgreSQL 15. The failure rollups of a database
-- with older usage rows are filled at start from the rows' attempts (UsageRollups.backfill).

CREATE TABLE failure_hourly (
  period_start TIMESTAMP NOT NULL,
  agent VARCHAR(256) NOT NULL,
  model VARCHAR(256) NOT NULL,
  provider VARCHAR(64) NOT NULL,
  task_type VARCHAR(32) NOT NULL,
  rule_name VARCHAR(512) NOT NULL,
  entry VARCHAR(64) NOT NULL,
  status INT NOT NULL,
  failed_model VARCHAR(256) NOT NULL,
  failed_provider VARCHAR(64) NOT NULL,
  reason VARCHAR(64) NOT NULL,
  failures BIGINT DEFAULT 0 NOT NULL, fallback_events BIGINT DEFAULT 0 NOT NULL,
  PRIMARY KEY (period_start, agent, model, provider, task_type, rule_name, entry, status, failed_model, failed_provider, reason));

CREATE TABLE failure_daily (
  period_start TIMESTAMP NOT NULL,
  agent VARCHAR(256) NOT NULL,
  model VARCHAR(256) NOT NULL,
  provider VARCHAR(64) NOT NULL,
  task_type VARCHAR(32) NOT NULL,
  rule_name VARCHAR(512) NOT NULL,
  entry VARCHAR(64) NOT NULL,
  status INT NOT NULL,
  failed_model VARCHAR(256) NOT NULL,
  failed_provider VARCHAR(64) NOT NULL,
  reason VARCHAR(64) NOT NULL,
  failures BIGINT DEFAULT 0 NOT NULL, fallback_events BIGINT DEFAULT 0 NOT NULL,
  PRIMARY KEY (period_start, agent, model, provider, task_type, rule_name, entry, status, failed_model, failed_provider, reason));

CREATE TABLE failure_weekly (
  period_start TIMESTAMP NOT NULL,
  agent VARCHAR(256) NOT NULL,
  model VARCHAR(256) NOT NULL,
  provider VARCHAR(64) NOT NULL,
  task_type VARCHAR(32) NOT NULL,
  rule_name VARCHAR(512) NOT NULL,
  entry VARCHAR(64) NOT NULL,
  status INT NOT NULL,
  failed_model VARCHAR(256) NOT NULL,
  failed_provider VARCHAR(64) NOT NULL,
  reason VARCHAR(64) NOT NULL,
  failures BIGINT DEFAULT 0 NOT NULL, fallback_events BIGINT DEFAULT 0 NOT NULL,
  PRIMARY KEY (period_start, agent, model, provider, task_type, rule_name, entry, status, failed_model, failed_provider, reason));

CREATE TABLE recommendation (
  id VARCHAR(64) PRIMARY KEY, kind VARCHAR(32) NOT NULL, state VARCHAR(16) NOT NULL, detail VARCHAR(16000),
  actor VARCHAR(128), changed_at TIMESTAMP NOT NULL, applied_to VARCHAR(32), applied_version INT, previous_version INT);
