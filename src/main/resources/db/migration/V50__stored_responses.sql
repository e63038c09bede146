-- Responses API: stored responses (store: true), for GET /v1/responses/{id} and previous_response_id.
-- One row per response, owned by the caller (agent) that made it; deleted after SWITCHBOARD_RESPONSES_RETENTION_DAYS.
CREATE TABLE stored_response (
  id VARCHAR(128) PRIMARY KEY,
  agent VARCHAR(256) NOT NULL,
  created_at TIMESTAMP NOT NULL,
  response_json VARCHAR(10000000) NOT NULL,
  conversation_json VARCHAR(10000000) NOT NULL
);
CREATE INDEX stored_response_time ON stored_response (created_at);
