-- Global settings changed at runtime through the management API (issue 12's Settings screen). A row overrides the
-- environment variable of the same setting; no row serves the environment's value (or the built-in default).
CREATE TABLE global_setting (
  name VARCHAR(64) PRIMARY KEY,
  setting_value VARCHAR(1000) NOT NULL,
  updated_at TIMESTAMP NOT NULL,
  updated_by VARCHAR(256) NOT NULL);
